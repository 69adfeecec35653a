"""Workshop load: 200 participants press 「送信」 at the same moment; the projector reads the room.

Measured side by side in one run, through the store (the code the pages call):

- submit latency of each of N participants who joined earlier and now press 「送信」
  together (released by a barrier, each in its own thread, as Streamlit runs each
  browser session), median and p95;
- the facilitator's aggregate: reading the room with N answers in and aggregating it
  (``repo_workshop.live``, what the projector does every few seconds), median of runs.

Goals (issue 5): p95 submit ≤ 200 ms, aggregate ≤ 50 ms.  Ratios below 1.0 meet them.
Usage: python bench/workshop_load.py [--participants 200] [--set pulse|full] [--url DB_URL]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dxcore import workshop as ws  # noqa: E402
from dxcore.content import load  # noqa: E402
from dxcore.store import engine as engine_mod  # noqa: E402
from dxcore.store import repo  # noqa: E402
from dxcore.store import repo_workshop as wrepo  # noqa: E402

GOAL_SUBMIT_P95_MS = 200.0
GOAL_AGGREGATE_MS = 50.0
ROLES = ("executive", "frontline", "frontline", "dx_office", "it", "other")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def run(url: str, participants: int, question_set: str) -> dict:
    engine = engine_mod.get_engine(url)
    org = repo.create_org(engine, f"負荷試験町{secrets.token_hex(3)}")
    record = wrepo.create_workshop(engine, org.id, "負荷試験", question_set)
    ids = ws.statement_ids(question_set, load())
    barrier = threading.Barrier(participants)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    tokens = [secrets.token_urlsafe(24) for _ in range(participants)]
    for i, token in enumerate(tokens):  # everyone joined earlier, while the facilitator was talking
        wrepo.join(engine, record.code, token, ROLES[i % len(ROLES)])

    def participant(i: int) -> None:
        token = tokens[i]
        answers = {q: (None if (i + n) % 11 == 0 else 1 + (i * 7 + n) % 5) for n, q in enumerate(ids)}
        barrier.wait()
        start = time.perf_counter()
        try:
            wrepo.submit(engine, record.code, token, ROLES[i % len(ROLES)], answers)
        except Exception as e:  # noqa: BLE001 — counted and reported
            with lock:
                errors.append(f"{type(e).__name__}: {e}")
            return
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(participants)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = (time.perf_counter() - wall) * 1000
    arrived = wrepo.counts(engine, record.id).answered

    runs = []
    for _ in range(25):
        start = time.perf_counter()
        live = wrepo.live(engine, record.code)
        runs.append((time.perf_counter() - start) * 1000)
    assert live.room.participants == arrived
    return {"latencies": latencies, "errors": errors, "arrived": arrived, "wall": wall,
            "aggregate": statistics.median(runs), "aggregate_max": max(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--set", dest="question_set", choices=("pulse", "full"), default=None,
                        help="default: both, one after the other")
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file, as the app's default)")
    args = parser.parse_args(argv)
    sets = [args.question_set] if args.question_set else ["pulse", "full"]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        print(f"database: {url.split('@')[-1]}   participants: {args.participants}")
        print(f"{'set':<6} {'statements':>10} {'arrived':>8} {'submit median':>14} {'submit p95':>11} "
              f"{'goal':>6} {'ratio':>6}   {'aggregate':>10} {'goal':>5} {'ratio':>6}")
        for question_set in sets:
            r = run(url, args.participants, question_set)
            lat = r["latencies"]
            n_statements = len(ws.statement_ids(question_set))
            if r["errors"] or r["arrived"] != args.participants:
                failed = True
            med, q95 = (statistics.median(lat), p95(lat)) if len(lat) > 1 else (float("nan"),) * 2
            print(f"{question_set:<6} {n_statements:>10} {r['arrived']:>8} {med:>11.1f} ms {q95:>8.1f} ms "
                  f"{GOAL_SUBMIT_P95_MS:>6.0f} {q95 / GOAL_SUBMIT_P95_MS:>6.2f}   {r['aggregate']:>7.1f} ms "
                  f"{GOAL_AGGREGATE_MS:>5.0f} {r['aggregate'] / GOAL_AGGREGATE_MS:>6.2f}")
            for e in sorted(set(r["errors"]))[:5]:
                print(f"  error: {e}")
        engine_mod.dispose_all()
    print("ratio = measured / goal (≤ 1.00 meets the goal); every submit must arrive, none may fail")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
