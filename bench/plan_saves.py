"""Restart plan: many people saving at the same moment, through the code the page calls.

Measured side by side in one run, on a fresh database:

- sequential: one session saves N different checklist items one after another
  (``repo_plan.update_item``, a status change with the values the screen showed);
- together: N sessions (threads, each with its own engine, as separate Streamlit
  processes would be) save N different items at the same moment (released by a barrier);
- the time until all N concurrent saves are done against N sequential saves in total
  (what waiting for each other's row lock / SQLite's write lock costs), and proof that
  nothing was lost: every item changed and exactly one history row per changed field;
- reading the plan as the page does on every rerun (``load_plan`` with the latest
  diagnosis scored, plus the recent changes), median.

Usage: python bench/plan_saves.py [--people 21] [--url DB_URL]   (default: a temporary SQLite file;
DX_TEST_POSTGRES_URL or --url postgresql://… for PostgreSQL)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dxcore import demo  # noqa: E402
from dxcore.content import load  # noqa: E402
from dxcore.store import engine as engine_mod  # noqa: E402
from dxcore.store import repo, repo_plan  # noqa: E402


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def run(url: str, people: int) -> dict:
    engine = engine_mod.get_engine(url)
    items = [i.id for s in load().steps for i in s.items]
    if people > len(items) // 2:
        raise SystemExit(f"--people at most {len(items) // 2} (two rounds of different items)")
    org = repo.create_org(engine, f"計測町{time.time_ns()}")
    first, second = items[:people], items[people:2 * people]

    shown = repo_plan.load_plan(engine, org.id)
    sequential = []
    for item_id in first:
        t = time.perf_counter()
        repo_plan.update_item(engine, org.id, item_id, {"status": "doing"}, role="dx_office",
                              expected=shown.item(item_id).fields())
        sequential.append(time.perf_counter() - t)

    engines = [engine_mod.make_engine(url) for _ in range(people)]
    barrier = threading.Barrier(people + 1)  # the sessions, and this thread to note the start
    together: list[float] = []
    finished: list[float] = []
    errors: list[BaseException] = []

    def session(eng, item_id):
        try:
            repo_plan.list_items(eng, org.id)  # connected already, as a running app's pool is
            barrier.wait(timeout=60)
            t = time.perf_counter()
            repo_plan.update_item(eng, org.id, item_id, {"status": "done", "owner": "計測課"}, role="frontline",
                                  expected=shown.item(item_id).fields())
            together.append(time.perf_counter() - t)
            finished.append(time.perf_counter())
        except BaseException as e:  # noqa: BLE001 — reported
            errors.append(e)

    threads = [threading.Thread(target=session, args=(e, i)) for e, i in zip(engines, second)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    released = time.perf_counter()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()

    after = repo_plan.load_plan(engine, org.id)
    events = repo_plan.list_events(engine, org.id, limit=None)
    lost = [i for i in second if after.item(i).status != "done" or after.item(i).owner != "計測課"]
    lost += [i for i in first if after.item(i).status != "doing"]
    expected_events = people * 1 + people * 3  # status; status + owner + completed_on

    sample = demo.load_demo(engine)
    reads = []
    for _ in range(15):
        t = time.perf_counter()
        current = repo_plan.load_plan(engine, sample.id)
        repo_plan.list_events(engine, sample.id, limit=60)
        reads.append(time.perf_counter() - t)
    assert current.items
    return {"sequential_ms": statistics.median(sequential) * 1000, "together_p95_ms": p95(together) * 1000,
            "sequential_total_ms": sum(sequential) * 1000, "burst_ms": (max(finished) - released) * 1000,
            "together_median_ms": statistics.median(together) * 1000 if together else float("nan"),
            "errors": len(errors), "lost": len(lost), "events": len(events), "expected_events": expected_events,
            "read_ms": statistics.median(reads) * 1000}


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=21)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    urls = [args.url] if args.url else []
    tmp = tempfile.TemporaryDirectory()
    if not urls:
        urls.append(f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}")
        if os.environ.get("DX_TEST_POSTGRES_URL"):
            urls.append(_fresh_postgres(os.environ["DX_TEST_POSTGRES_URL"]))
    for url in urls:
        r = run(engine_mod.normalise_url(url), args.people)
        kind = "postgresql" if url.startswith("postgres") else "sqlite"
        print(f"[{kind}] {args.people} people, each a different item:")
        print(f"  one after another   median {r['sequential_ms']:7.1f} ms per save")
        print(f"  all at once         median {r['together_median_ms']:7.1f} ms, p95 {r['together_p95_ms']:7.1f} ms")
        print(f"  all {args.people} saves: one after another {r['sequential_total_ms']:.0f} ms in total, "
              f"all at once done in {r['burst_ms']:.0f} ms (ratio {r['burst_ms'] / r['sequential_total_ms']:.1f}; "
              "one Python process, so the saves also queue for the GIL)")
        print(f"  lost changes {r['lost']}, errors {r['errors']}, history rows {r['events']} "
              f"(expected {r['expected_events']})")
        print(f"  reading the demo plan + recent changes (every rerun): median {r['read_ms']:.1f} ms")
    engine_mod.dispose_all()
    tmp.cleanup()


def _fresh_postgres(base: str) -> str:
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    admin = create_engine(engine_mod.normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"dx_bench_{uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    main()
