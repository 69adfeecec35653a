"""The demo municipality's monthly KPIs tell the restart story."""

from datetime import datetime, timezone

from dxcore import demo, kpi, kpi_demo, sheets
from dxcore.periods import fiscal_year
from dxcore.store import repo_kpi

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)


def test_two_fiscal_years_rpa_halves_time_and_online_use_climbs(engine):
    org = demo.load_demo(engine, now=NOW)
    values = repo_kpi.load_values(engine, org.id)
    months = sorted(values["month"].dt.date.unique())
    assert months[0].isoformat() == "2025-04-01" and months[-1].isoformat() == "2026-10-01"  # up to last month
    assert {fiscal_year(m) for m in months} == {2025, 2026}
    assert len(repo_kpi.departments(engine, org.id)) == 5

    tax = kpi.monthly(values, department=kpi_demo.RPA_DEPARTMENT, kpis=["time_per_case"])["value"].tolist()
    assert tax[-1] <= 0.55 * tax[0]  # halved after the RPA rollout
    others = kpi.monthly(values, department="市民課", kpis=["time_per_case"])["value"].tolist()
    assert others[-1] > 0.85 * others[0]  # elsewhere no such jump
    online = kpi.monthly(values, kpis=["online_rate"])["value"].tolist()
    assert online[0] < 0.2 and online[-1] > 0.4
    streak = kpi.monthly(values, kpis=["improvement_streak"])["value"].tolist()
    assert streak[-1] >= 12  # improvement that keeps going

    targets = repo_kpi.targets(engine, org.id)
    assert {fy for _, fy in targets} == {2025, 2026}
    assert repo_kpi.settings(engine, org.id).hourly_rate == kpi_demo.HOURLY_RATE
    uploads = repo_kpi.list_uploads(engine, org.id)
    assert [(u.file_name, u.source) for u in uploads] == [("デモデータ", "demo")]

    demo.load_demo(engine, now=NOW)  # loading again changes nothing
    assert len(repo_kpi.load_values(engine, org.id)) == len(values)


def test_demo_values_pass_the_same_checks_as_an_upload():
    values = kpi_demo.demo_values(NOW.date())
    long = values.assign(month=values["month"].dt.strftime("%Y-%m"))[["month", "department", "measure", "value"]]
    csv = long.rename(columns={"month": "年月", "department": "部署", "measure": "指標", "value": "値"}).to_csv(
        index=False).encode("utf-8")
    parsed = sheets.parse(csv, "demo.csv", today=NOW.date())
    assert parsed.ok, parsed.problems[:3]
    assert len(parsed.values) == len(values)


def test_the_rpa_annotation_marks_the_month_the_time_per_case_drops(engine):
    """The demo's plan and KPI data tell one story: the chart's 「… 完了」 line stands where
    税務課's time per case starts to fall."""
    from dxcore.store import annotations

    org = demo.load_demo(engine, now=NOW)
    rpa = [a for a in annotations.for_org(engine, org.id) if "RPA" in a.label and a.kind == "completed"]
    assert len(rpa) == 1
    series = kpi.monthly(repo_kpi.load_values(engine, org.id), department=kpi_demo.RPA_DEPARTMENT,
                         kpis=["time_per_case"])
    first, values = series["value"].iloc[0], series.set_index(series["month"].dt.date)["value"]
    drop = next(m for m, v in values.items() if v < 0.85 * first)
    assert (drop.year, drop.month) == (rpa[0].on.year, rpa[0].on.month)
