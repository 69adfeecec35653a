"""成果報告: how long the demo 年度's report takes to build, measured side by side in one run.

On a fresh database with サンプル市 loaded (python -m dxcore demo), median of --runs:

- reference: the KPI tables alone — read the stored values and compute the monthly and
  the 年度 KPIs (what `python -m dxcore kpis` and the dashboard's summary compute);
- read: everything the report reads (gather.inputs: diagnoses scored, KPI values, plan,
  annotations, uploads, workshop rooms);
- build: the report's content (every section, the summary sentences);
- pptx / xlsx: writing each file;
- the whole report as the screen makes it (read + build + both files) and as the CLI
  makes one file (read + build + pptx), against the goal of 3 s and as a ratio of the reference.

Usage: python bench/report_build.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dxcore import demo, kpi, report  # noqa: E402
from dxcore.report import gather  # noqa: E402
from dxcore.store import engine as engine_mod  # noqa: E402
from dxcore.store import repo_kpi  # noqa: E402

GOAL_S = 3.0


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = engine_mod.get_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        org = demo.load_demo(engine)
        times: dict[str, list[float]] = {k: [] for k in ("reference", "read", "build", "pptx", "xlsx")}
        sizes = {}
        for _ in range(args.runs + 1):  # the first run warms imports and caches and is not counted
            def reference():
                values = repo_kpi.load_values(engine, org.id)
                cat, conf = repo_kpi.catalogue_for(engine, org.id), repo_kpi.settings(engine, org.id)
                return kpi.monthly(values, cat, conf), kpi.yearly(values, cat, conf)

            t_ref, _ = timed(reference)
            t_read, inputs = timed(lambda: gather.inputs(engine, org))
            period = report.default_period(inputs)
            t_build, built = timed(lambda: report.build(inputs, period))
            t_pptx, pptx = timed(lambda: report.render(built, "pptx"))
            t_xlsx, xlsx = timed(lambda: report.render(built, "xlsx"))
            for k, v in zip(times, (t_ref, t_read, t_build, t_pptx, t_xlsx)):
                times[k].append(v)
            sizes = {"pptx": len(pptx), "xlsx": len(xlsx), "slides": sum(
                max(1, len(s.pages)) for s in built.sections), "period": period.label("ja")}
        med = {k: statistics.median(v[1:]) for k, v in times.items()}
        engine_mod.dispose_all()
    screen = med["read"] + med["build"] + med["pptx"] + med["xlsx"]
    cli = med["read"] + med["build"] + med["pptx"]
    print(f"demo report for {sizes['period']}: pptx {sizes['pptx'] / 1024:.0f} KiB, xlsx {sizes['xlsx'] / 1024:.0f} KiB, "
          f"median of {args.runs} runs")
    for k in times:
        print(f"  {k:<10} {med[k] * 1000:8.0f} ms   ({med[k] / med['reference']:.1f}x the KPI tables alone)")
    for name, total in (("screen: read + build + pptx + xlsx", screen), ("CLI: read + build + pptx", cli)):
        verdict = "OK" if total < GOAL_S else "OVER"
        print(f"  {name:<36} {total:6.2f} s = {total / med['reference']:.1f}x the KPI tables alone; "
              f"goal < {GOAL_S:.0f} s: {verdict}")
    return 0 if screen < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
