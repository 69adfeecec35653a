"""The demo municipality's monthly KPIs tell the restart story."""

from datetime import datetime, timezone

import pytest

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
    assert set(repo_kpi.departments(engine, org.id)) == set(kpi_demo.DEPARTMENTS) | {kpi_demo.WHOLE}

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
    settings = repo_kpi.settings(engine, org.id)
    assert settings.rate == kpi_demo.PAY_BASIS.hourly_rate == 3852 and settings.rate_source == "basis"
    assert settings.resident_survey == kpi_demo.RESIDENT_SURVEY
    uploads = repo_kpi.list_uploads(engine, org.id)
    assert [(u.file_name, u.source) for u in uploads] == [("デモデータ", "demo")]

    demo.load_demo(engine, now=NOW)  # loading again changes nothing
    assert len(repo_kpi.load_values(engine, org.id)) == len(values)


def test_demo_values_pass_the_same_checks_as_an_upload():
    values = kpi_demo.demo_values(NOW.date())
    long = values.assign(month=values["month"].dt.strftime("%Y-%m"))[
        ["month", "department", "process", "measure", "value"]]
    csv = long.rename(columns={"month": "年月", "department": "部署", "process": "業務名", "measure": "指標",
                               "value": "値"}).to_csv(index=False).encode("utf-8")
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


def test_every_kpi_has_demo_data_and_the_story_holds(engine):
    """The council report is built from this data: every built-in KPI has values, and each
    new KPI moves the way the restart story says."""
    org = demo.load_demo(engine, now=NOW)
    values = repo_kpi.load_values(engine, org.id)
    settings = repo_kpi.settings(engine, org.id)
    cat = kpi.catalogue()
    m = kpi.monthly(values, cat, settings)
    assert set(m["kpi"]) == {k.id for k in cat.kpis}
    y = kpi.yearly(values, cat, settings).set_index(["kpi", "fiscal_year"])["value"]

    def first_last(kid):
        s = m[m["kpi"] == kid]["value"]
        return s.iloc[0], s.iloc[-1]

    assert y[("time_reduction_rate", 2025)] == pytest.approx(0, abs=0.03)  # mostly the baseline 年度 itself
    assert y[("time_reduction_rate", 2026)] > 0.1
    b = {(x.department, x.process): x for x in kpi.baselines(values, settings)}
    assert b[("福祉課", "")].source == "set" and b[("市民課", "証明書の交付")].source == "first_year"
    assert b[kpi_demo.NEW_PROCESS].source == "none"  # shown as left out on the settings screen
    for kid, rises in (("online_procedure_rate", True), ("e_approval_rate", True), ("no_form_counter_rate", True),
                       ("counter_wait", False), ("printed_pages", False), ("automated_processes", True),
                       ("law_change_lead_time", False), ("self_resolution_rate", True)):
        first, last = first_last(kid)
        assert (last > first) == rises, (kid, first, last)
    assert y[("training_rate", 2025)] > 0.4 and y[("training_rate", 2025)] <= 1
    assert first_last("inquiries")[1] > 0 and first_last("staff_handled_inquiries")[1] > 0
    # some months of 総務課 have fewer than 30 responses: its own cards are 参考値
    small = kpi.monthly(values, cat, settings, department="総務課", kpis=["resident_satisfaction_top2"])
    assert (small["base"] < 30).all()
