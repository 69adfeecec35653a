"""bench/kpi_dashboard.py still runs (a tiny version: the figures belong to the benchmark)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_dashboard_benchmark_runs_on_a_small_data_set(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("kpi_dashboard", ROOT / "bench" / "kpi_dashboard.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    values = bench.values_frame(years=1, departments=2)
    assert len(values) == 12 * 2 * len(bench.MEASURES) and set(values["measure"]) == set(bench.MEASURES)
    monkeypatch.setenv("DX_DATABASE_URL", f"sqlite:///{tmp_path / 'b.sqlite3'}")
    m = bench.measure(f"sqlite:///{tmp_path / 'b.sqlite3'}", years=1, departments=2, repeat=1)
    assert {"sql", "warm", "cold", "page"} <= set(m) and all(m[k] > 0 for k in ("sql", "warm", "cold", "page"))
