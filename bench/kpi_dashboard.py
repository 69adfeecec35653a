"""Benchmark: a rerun of the KPI dashboard against the bare SQL aggregation of its data.

    .venv/bin/python bench/kpi_dashboard.py [--years 10] [--departments 40] [--repeat 15]
    DX_BENCH_POSTGRES_URL=postgresql://…/postgres .venv/bin/python bench/kpi_dashboard.py   # PostgreSQL too
    (a database of its own is created on that server for the run and dropped afterwards)

Data: one organisation, YEARS 年度 × DEPARTMENTS departments × 14 measures (10 × 12 × 40 × 14
= 67,200 values), imported through repo_kpi like a user's file.

Prints, from one run, side by side (medians of REPEAT alternating rounds):
- bare SQL: one ``SELECT month, measure, SUM(value) … WHERE org_id = ? GROUP BY month, measure``;
- rerun: what pages/kpi.py reads and computes on every rerun, called exactly as the page
  calls it (ui.kpi.page_data: the organisation's own KPIs, settings, the dashboard's numbers
  for all departments, targets; then kpi.cards, the plan's events for the trend, and the
  department comparison of the first KPI).  The numbers are kept per database,
  organisation, data version and settings, so a rerun asks the database one cheap
  question (the data version) and reuses them;
- first run after an import (nothing kept yet: the same calls on a cold cache);
- the whole page through Streamlit's AppTest (app.py, the script, its charts and widgets:
  what a click costs; charts and the summary's files are kept per input, see ui/chart.py);
and the ratios to the bare SQL.  Goal: the data rerun and the whole page each ≤ 2 × bare SQL.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL = 2.0
MEASURES = ("cases", "hours", "online_apps", "total_apps", "inquiries", "self_resolved", "resident_sat",
            "resident_sat_n", "resident_sat_top2", "trained_ytd", "staff", "hours_saved", "improvements_done",
            "automated_processes")


def values_frame(years: int, departments: int, seed: int = 11) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(seed)
    months = pd.date_range(f"{2026 - years}-04-01", periods=12 * years, freq="MS")
    depts = [f"部署{i:02d}" for i in range(departments)]
    idx = pd.MultiIndex.from_product([months, depts], names=["month", "department"]).to_frame(index=False)
    n = len(idx)
    cases = rng.integers(100, 2000, n)
    total = rng.integers(50, 800, n)
    inquiries = rng.integers(30, 900, n)
    sat_n = rng.integers(20, 200, n)
    staff = rng.integers(10, 60, n)
    cols = {
        "cases": cases, "hours": np.round(cases * rng.uniform(0.2, 1.2, n), 1),
        "online_apps": (total * rng.uniform(0.1, 0.6, n)).astype(int), "total_apps": total,
        "inquiries": inquiries, "self_resolved": (inquiries * rng.uniform(0, 0.4, n)).astype(int),
        "resident_sat": np.round(rng.uniform(2.5, 4.5, n), 2), "resident_sat_n": sat_n,
        "resident_sat_top2": (sat_n * rng.uniform(0.3, 0.8, n)).astype(int),
        "trained_ytd": (staff * rng.uniform(0, 1, n)).astype(int), "staff": staff,
        "hours_saved": np.round(rng.uniform(0, 100, n), 1), "improvements_done": rng.integers(0, 4, n),
        "automated_processes": rng.integers(0, 6, n),
    }
    parts = [idx.assign(process="", measure=m, value=np.asarray(cols[m], dtype=float)) for m in MEASURES]
    out = pd.concat(parts, ignore_index=True)
    out["month"] = out["month"].astype("datetime64[s]")
    return out.assign(row=0, column=out["measure"])


def seed(url: str, years: int, departments: int) -> int:
    from dxcore.sheets import Parsed
    from dxcore.store import engine as engine_mod
    from dxcore.store import repo, repo_kpi

    engine = engine_mod.get_engine(url)
    org = repo.create_org(engine, "ベンチ市")
    values = values_frame(years, departments)
    sha = hashlib.sha256(pd.util.hash_pandas_object(values).values.tobytes()).hexdigest()
    done = repo_kpi.import_frame(engine, org.id, Parsed("bench", sha, "xlsx", None, "long", len(values), values, ()),
                                 source="cli")
    assert done.new == len(values) == 12 * years * departments * len(MEASURES), done
    return org.id


def bare_sql(engine, org_id: int) -> int:
    from sqlalchemy import func, select

    from dxcore.store.models_kpi import KpiValue

    with engine.connect() as conn:
        rows = conn.execute(select(KpiValue.month, KpiValue.measure, func.sum(KpiValue.value))
                            .where(KpiValue.org_id == org_id).group_by(KpiValue.month, KpiValue.measure)).all()
    return len(rows)


def page_rerun(org_id: int) -> int:
    """The page's reads and computations of one rerun, called as pages/kpi.py calls them."""
    from dxcore import kpi
    from dxcore.store import annotations
    from ui import kpi as ui_kpi
    from ui.common import engine

    data = ui_kpi.page_data(org_id)
    monthly = data.everyone.monthly
    cards = kpi.cards(monthly, data.cat, data.targets)
    first = next(k.id for k in data.cat.kpis if k.id in set(monthly["kpi"]))
    annotations.for_org(engine(), org_id, "ja")
    per_month, _ = ui_kpi.by_department(org_id, first, data.conf, data.own)
    return len(cards) + len(per_month)


def apptest_rerun(at) -> None:
    at.run()
    # the whole page, drawn: an error is shown by ui.frame.guarded, not raised, and would time a short page
    assert not at.exception and not at.error, (at.exception, at.error)
    assert len(at.get("vega_lite_chart")) == 3 and at.get("download_button"), "the dashboard was not drawn"


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def measure(url: str, years: int, departments: int, repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dxcore.store import engine as engine_mod

    os.environ["DX_DATABASE_URL"] = url
    org_id = seed(url, years, departments)
    engine = engine_mod.get_engine(url)
    bare_sql(engine, org_id)  # warm the database's own caches for both sides alike
    cold, warm, sql, page = [], [], [], []
    for _ in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        cold.append(timed(page_rerun, org_id))
        sql.append(timed(bare_sql, engine, org_id))
        warm.append(timed(page_rerun, org_id))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception, at.exception
    for _ in range(max(3, repeat // 3)):
        page.append(timed(apptest_rerun, at))
        sql.append(timed(bare_sql, engine, org_id))
    engine_mod.dispose_all()
    med = {k: statistics.median(v) for k, v in (("sql", sql), ("warm", warm), ("cold", cold), ("page", page))}
    med["pairs"] = sorted(w / s for w, s in zip(warm, sql))
    return med


def report(name: str, m: dict, values: int) -> bool:
    ratio, whole = m["warm"] / m["sql"], m["page"] / m["sql"]
    print(f"[{name}] {values:,} values")
    print(f"  bare SQL (GROUP BY month, measure)   {m['sql'] * 1000:8.1f} ms")
    print(f"  dashboard rerun (page's data calls)  {m['warm'] * 1000:8.1f} ms   ratio {ratio:5.2f}  (goal <= {GOAL})")
    print(f"  first run after an import (cold)     {m['cold'] * 1000:8.1f} ms   ratio {m['cold'] / m['sql']:5.2f}")
    print(f"  whole page rerun through AppTest     {m['page'] * 1000:8.1f} ms   ratio {whole:5.2f}  (goal <= {GOAL}:"
          " app.py, script, charts, widgets)")
    print(f"  side-by-side rerun/SQL ratios: min {m['pairs'][0]:.2f}, median {statistics.median(m['pairs']):.2f}, "
          f"max {m['pairs'][-1]:.2f}")
    return ratio <= GOAL and whole <= GOAL


@contextmanager
def fresh_postgres(server_url: str):
    """A new, empty database on the server that ``server_url`` names, dropped afterwards."""
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    from dxcore.store import engine as engine_mod

    admin = create_engine(engine_mod.normalise_url(server_url), isolation_level="AUTOCOMMIT")
    name = f"dx_bench_{uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine_mod.normalise_url(server_url.rsplit("/", 1)[0] + "/" + name)
    finally:
        engine_mod.dispose_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--departments", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # quiet its "no runtime" notes outside a server
    import streamlit  # noqa: F401

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    values = 12 * args.years * args.departments * len(MEASURES)
    print(f"KPI dashboard: {args.years} 年度 × {args.departments} departments × {len(MEASURES)} measures "
          f"(today {date.today():%Y-%m-%d})")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= report("SQLite", measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.years, args.departments,
                                       args.repeat), values)
    pg = os.environ.get("DX_BENCH_POSTGRES_URL")
    if pg:
        with fresh_postgres(pg) as url:
            ok &= report("PostgreSQL", measure(url, args.years, args.departments, args.repeat), values)
    print("OK" if ok else "GOAL MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
