"""Many participants answering at the same moment lose nothing.

Threads in this process and separate processes (each with its own engine, as several
Streamlit servers or the CLI would) join and answer the same workshop at once, every
one of them answering twice; afterwards the store holds exactly one set of answers per
participant — the second — and no 'database is locked' (or any other error) escaped.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from dxcore import workshop as ws
from dxcore.content import load
from dxcore.store import repo
from dxcore.store import repo_workshop as wrepo

ROOT = Path(__file__).resolve().parents[2]
PULSE = load().question_ids("pulse")
ROLES = ("executive", "frontline", "dx_office", "it", "other")
THREADS = 24  # participants answering from threads of this process
PROCESSES = 4
PER_PROCESS = 30  # participants per process, answering from threads of their own

WORKER = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, sys.argv[1])
from dxcore.store import get_engine
from tests.dxcore.test_workshop_load import participant
url, code, prefix, n, go = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
engine = get_engine(url)
deadline = time.monotonic() + 60
while not __import__("os").path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.005)
with ThreadPoolExecutor(max_workers=n) as pool:
    errors = [e for e in pool.map(lambda i: participant(engine, code, prefix, i), range(n)) if e]
print(json.dumps({"errors": errors}))
"""


def final_answers(prefix: str, i: int) -> dict:
    seed = sum(map(ord, prefix)) + 7 * i
    return {q: (None if (seed + k) % 6 == 0 else 1 + (seed + k) % 5) for k, q in enumerate(PULSE)}


def participant(engine, code: str, prefix: str, i: int) -> str | None:
    """Join, answer, answer again differently; the error text if anything failed."""
    token = f"{prefix}-{i:04d}-" + "x" * 8
    role = ROLES[i % len(ROLES)]
    try:
        wrepo.join(engine, code, token, role)
        wrepo.submit(engine, code, token, role, {q: 5 for q in PULSE})
        wrepo.submit(engine, code, token, role, final_answers(prefix, i))
    except Exception as e:  # noqa: BLE001 — reported by the test
        return f"{type(e).__name__}: {e}"
    return None


def expected_headcount(groups: dict[str, int]) -> ws.Headcount:
    responses = [ws.Response(ROLES[i % len(ROLES)], final_answers(prefix, i))
                 for prefix, n in groups.items() for i in range(n)]
    return ws.headcount(responses)


def test_threads_and_processes_answering_at_once_lose_nothing(any_engine, tmp_path):
    url = any_engine.url.render_as_string(hide_password=False)
    org = repo.create_org(any_engine, "同時回答町")
    w = wrepo.create_workshop(any_engine, org.id, "同時回答", "pulse")
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(ROOT), url, w.code, f"p{n}", str(PER_PROCESS),
                               str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for n in range(PROCESSES)]
    errors: list[str] = []
    barrier = threading.Barrier(THREADS + 1)

    def in_thread(i: int) -> None:
        barrier.wait()
        error = participant(any_engine, w.code, "t", i)
        if error:
            errors.append(error)

    threads = [threading.Thread(target=in_thread, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let the processes start their engines
    go.touch()
    barrier.wait()
    for t in threads:
        t.join(timeout=120)
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
        assert "locked" not in err.lower(), err
        errors.extend(json.loads(out.strip().splitlines()[-1])["errors"])
    assert errors == []

    total = THREADS + PROCESSES * PER_PROCESS
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=total, answered=total)
    groups = {"t": THREADS, **{f"p{n}": PER_PROCESS for n in range(PROCESSES)}}
    assert wrepo.headcount(any_engine, w.id) == expected_headcount(groups)
    assert wrepo.live(any_engine, w.code).room.participants == total


def test_a_refused_answer_in_a_burst_does_not_touch_the_others(any_engine):
    """Concurrent writers share transactions; one refusal must stay its own."""
    engine = any_engine
    org = repo.create_org(engine, "満員町")
    w = wrepo.create_workshop(engine, org.id, "定員あり", "pulse", 10)
    results: list[str] = []
    barrier = threading.Barrier(20)

    def newcomer(i: int) -> None:
        barrier.wait()
        try:
            wrepo.submit(engine, w.code, f"n-{i:04d}-xxxxxxxx", "frontline", {PULSE[0]: 1 + i % 5})
            results.append("in")
        except Exception as e:  # noqa: BLE001
            results.append(getattr(e, "key", repr(e)))

    threads = [threading.Thread(target=newcomer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["in"] * 10 + ["workshop.error.full"] * 10
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=10, answered=10)


def test_a_burst_is_stored_in_a_few_statements_exactly_as_one_by_one(any_engine):
    """The answers of a burst to one workshop are merged into set-wide statements; each
    participant still gets their own result, and those who answered before are replaced."""
    from sqlalchemy import event

    engine = any_engine
    org = repo.create_org(engine, "一括町")
    w = wrepo.create_workshop(engine, org.id, "一括", "pulse")
    tokens = [f"b-{i:04d}-xxxxxxxx" for i in range(48)]
    for t in tokens[:16]:  # a third answered before, a third only joined, a third is new
        wrepo.submit(engine, w.code, t, "other", {PULSE[0]: 1})
    for t in tokens[16:32]:
        wrepo.join(engine, w.code, t, "other")
    deletes: list[str] = []

    def count(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("DELETE FROM WORKSHOP_ANSWER"):
            deletes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    results: dict[str, wrepo.Submitted] = {}
    barrier = threading.Barrier(len(tokens))

    def send(i: int, token: str) -> None:
        barrier.wait()
        results[token] = wrepo.submit(engine, w.code, token, ROLES[i % len(ROLES)], final_answers("b", i))

    threads = [threading.Thread(target=send, args=(i, t)) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    event.remove(engine, "before_cursor_execute", count)
    assert len(results) == len(tokens) and len(deletes) < len(tokens)  # one per job if never merged
    assert [results[t].replaced for t in tokens] == [True] * 16 + [False] * 32
    assert len({r.participant_id for r in results.values()}) == len(tokens)
    assert all(r.answers == len(PULSE) for r in results.values())
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=48, answered=48)
    assert ws.headcount(wrepo.responses(engine, w.id)) == ws.headcount(
        [ws.Response(ROLES[i % len(ROLES)], final_answers("b", i)) for i in range(48)])


def test_a_batch_merges_runs_of_answers_to_one_workshop_from_distinct_people():
    def slot(job):
        return wrepo._Slot(job)

    a1, a2, b1 = (wrepo._Submit(code, token, "other", {}) for code, token in
                  (("AAAAAA", "t1"), ("AAAAAA", "t2"), ("BBBBBB", "t1")))
    again = wrepo._Submit("AAAAAA", "t1", "other", {})
    other = slot(lambda conn: None)
    batch = [slot(a1), slot(a2), slot(again), slot(b1), other, slot(a2)]
    groups = [[s.job for s in g] for g in wrepo._groups(batch)]
    assert groups == [[a1, a2], [again], [b1], [other.job], [a2]]


def test_a_write_waits_for_another_process_holding_the_lock(engine):
    import sqlite3

    org = repo.create_org(engine, "待機町")
    w = wrepo.create_workshop(engine, org.id, "待機", "pulse")
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # someone else writes for a while
    threading.Timer(0.5, other.execute, args=("COMMIT",)).start()
    start = time.monotonic()
    wrepo.submit(engine, w.code, "waiting-participant", "frontline", {PULSE[0]: 2})
    assert time.monotonic() - start >= 0.4
    assert wrepo.counts(engine, w.id).answered == 1
    other.close()


def test_busy_is_retried_and_other_errors_are_not():
    calls = []

    def busy_twice():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return "stored"

    assert wrepo._retrying(busy_twice) == "stored" and len(calls) == 3

    def broken():
        raise OperationalError("INSERT", {}, Exception("no such table: workshop"))

    with pytest.raises(OperationalError, match="no such table"):
        wrepo._retrying(broken)


def test_one_participant_sending_twice_at_once_counts_once(any_engine):
    """A double tap from one phone (or two tabs of one session): one participant, one whole set."""
    org = repo.create_org(any_engine, "二度押し町")
    w = wrepo.create_workshop(any_engine, org.id, "二度押し", "pulse")
    sets = [{q: 1 + (n + k) % 5 for k, q in enumerate(PULSE)} for n in range(12)]
    barrier = threading.Barrier(len(sets))
    errors: list[str] = []

    def send(answers: dict) -> None:
        barrier.wait()
        try:
            wrepo.submit(any_engine, w.code, "same-phone-xxxxxxxx", "frontline", answers)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=send, args=(a,)) for a in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=1, answered=1)
    [stored] = wrepo.responses(any_engine, w.id)
    assert dict(stored.answers) in sets  # one submission whole, never a mixture
