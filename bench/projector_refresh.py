"""Projector refresh: what the server does every few seconds for each projector, with N answers in.

Measured side by side in one run, on the statement screen of a revealed pulse workshop:

- a refresh when nothing changed (what nearly every refresh is): the one small query
  (``repo_present.on_screen``) and drawing the chart from its cached Vega-Lite spec;
- a refresh that counts and draws again (what happens only when the answers version
  changed, and what every refresh would cost without that cache): the same query, the
  room counted in the database and aggregated, the chart built, converted and drawn.

Both draw through Streamlit's own ``st.vega_lite_chart`` marshalling (bare mode, no browser).
Prints the medians, the SQL statements per refresh, and the ratio (cached / uncached; lower is better).
Usage: python bench/projector_refresh.py [--participants 200] [--runs 60] [--url DB_URL]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from dxcore import charts_workshop as wcharts  # noqa: E402
from dxcore import present  # noqa: E402
from dxcore import workshop as ws  # noqa: E402
from dxcore.content import load  # noqa: E402
from dxcore.store import engine as engine_mod  # noqa: E402
from dxcore.store import repo  # noqa: E402
from dxcore.store import repo_present as prepo  # noqa: E402
from dxcore.store import repo_workshop as wrepo  # noqa: E402

ROLES = ("executive", "frontline", "frontline", "dx_office", "it", "other")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # Streamlit in bare mode warns that no app is running
    import streamlit as st

    c = load()
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_mod.get_engine(args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        org = repo.create_org(engine, "ベンチ市")
        w = wrepo.create_workshop(engine, org.id, "投影の速さ", "pulse")
        ids = c.question_ids("pulse")
        for i in range(args.participants):
            wrepo.submit(engine, w.code, f"bench{i:05d}-xxxxxxxx", ROLES[i % len(ROLES)],
                         {q: (i + n) % 6 or None for n, q in enumerate(ids)})
        wrepo.set_revealed(engine, w.code, True)
        prepo.show(engine, w.code, f"statement:{ids[0]}")
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

        def build(now: prepo.OnScreen) -> str:
            room = ws.aggregate(wrepo.headcount(engine, now.workshop_id), now.question_set, c)
            answers = present.statement_answers(room, now.screen.item)
            return json.dumps(wcharts.answer_bars(wcharts.statement_options(answers, "ja", c), "ja").to_dict())

        cached = build(prepo.on_screen(engine, w.code))

        def unchanged() -> None:
            prepo.on_screen(engine, w.code)
            st.vega_lite_chart(json.loads(cached), width="stretch")

        def changed() -> None:
            st.vega_lite_chart(json.loads(build(prepo.on_screen(engine, w.code))), width="stretch")

        timings: dict[str, list[float]] = {"unchanged": [], "changed": []}
        queries: dict[str, int] = {}
        for _ in range(args.runs):  # interleaved: both see the same machine load
            for name, refresh in (("unchanged", unchanged), ("changed", changed)):
                statements.clear()
                start = time.perf_counter()
                refresh()
                timings[name].append((time.perf_counter() - start) * 1000)
                queries[name] = len(statements)
        engine_mod.dispose_all()

    fast, slow = statistics.median(timings["unchanged"]), statistics.median(timings["changed"])
    print(f"projector refresh, {args.participants} participants answered (pulse), median of {args.runs} runs")
    print(f"  nothing changed (query + cached chart):        {fast:7.2f} ms, {queries['unchanged']} SQL statement(s)")
    print(f"  answers changed (count, aggregate, draw again): {slow:7.2f} ms, {queries['changed']} SQL statement(s)")
    print(f"  ratio cached / uncached: {fast / slow:.2f}")


if __name__ == "__main__":
    main()
