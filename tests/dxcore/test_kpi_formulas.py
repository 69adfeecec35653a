"""The KPI formulas a budget hearing relies on, each against numbers worked out by hand
(the arithmetic is in the comments)."""

from datetime import date

import pandas as pd
import pytest

from dxcore import kpi
from tests.dxcore.test_kpi import frame, value_of

CAT = kpi.catalogue()


def year_of(df: pd.DataFrame, kid: str, fy: int, column: str = "value"):
    s = df[(df["kpi"] == kid) & (df["fiscal_year"] == fy)]
    assert len(s) == 1, (kid, fy, s)
    return s[column].iloc[0]


def months_of(fy: int) -> list[str]:
    return [f"{fy + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def process_rows(dept: str, process: str, fy: int, cases: float, hours_per_case: float, months=None) -> list:
    rows = []
    for m in months or months_of(fy):
        rows += [(m, dept, process, "cases", cases), (m, dept, process, "hours", cases * hours_per_case)]
    return rows


# 業務時間削減率 -----------------------------------------------------------------------

def test_a_saving_does_not_vanish_in_the_third_year():
    """2.0 h → 1.5 h → 1.5 h per case over three 年度: 0 %, 25 %, 25 % (it used to read 0 % again
    in the third year, when the previous 年度 became the baseline)."""
    rows = (process_rows("市民課", "住民票", 2023, 100, 2.0) + process_rows("市民課", "住民票", 2024, 100, 1.5)
            + process_rows("市民課", "住民票", 2025, 100, 1.5))
    values = frame(rows)
    y = kpi.yearly(values, CAT)
    assert year_of(y, "time_reduction_rate", 2023) == pytest.approx(0.0)
    assert year_of(y, "time_reduction_rate", 2024) == pytest.approx(0.25)  # 1 − 150 ÷ (2.0 × 100), every month
    assert year_of(y, "time_reduction_rate", 2025) == pytest.approx(0.25)
    m = kpi.monthly(values, CAT)
    assert value_of(m, "time_reduction_rate", "2026-03") == pytest.approx(0.25)
    # 削減時間 = (2.0 − 1.5) × 100 = 50 h a month, 600 h over the 年度
    assert value_of(m, "hours_reduced", "2025-04") == pytest.approx(50)
    assert year_of(y, "hours_reduced", 2025, "total") == pytest.approx(600)
    [b] = kpi.baselines(values)
    assert (b.time_per_case, b.source, b.fiscal_year) == (pytest.approx(2.0), "first_year", 2023)


def test_a_change_of_case_mix_is_not_a_saving():
    """Two processes whose speed never changed (1 h and 3 h a case); in the second 年度 the
    fast one simply has three times the cases.  Pooled time per case falls from 2.0 h
    ((100 × 1 + 100 × 3) ÷ 200) to 1.5 h ((300 × 1 + 100 × 3) ÷ 400) — 25 % that is no saving."""
    rows = (process_rows("税務課", "証明", 2024, 100, 1.0) + process_rows("税務課", "審査", 2024, 100, 3.0)
            + process_rows("税務課", "証明", 2025, 300, 1.0) + process_rows("税務課", "審査", 2025, 100, 3.0))
    values = frame(rows)
    y = kpi.yearly(values, CAT)
    assert year_of(y, "time_per_case", 2024) == pytest.approx(2.0)
    assert year_of(y, "time_per_case", 2025) == pytest.approx(1.5)  # moved by the mix alone
    assert year_of(y, "time_reduction_rate", 2025) == pytest.approx(0.0)  # 1 − (300 + 300) ÷ (1 × 300 + 3 × 100)
    assert year_of(y, "hours_reduced", 2025, "total") == pytest.approx(0.0)


def test_a_process_without_a_baseline_is_left_out_not_counted_as_zero():
    # 窓口: a complete 2024年度 at 1.0 h, then 0.8 h; 郵送: only half a year of data, no baseline
    rows = process_rows("市民課", "窓口", 2024, 100, 1.0) + process_rows("市民課", "窓口", 2025, 100, 0.8)
    rows += process_rows("市民課", "郵送", 2025, 100, 5.0, months=months_of(2025)[:6])
    values = frame(rows)
    m = kpi.monthly(values, CAT)
    # April 2025: (1.0 × 100 − 80) ÷ (1.0 × 100) = 20 %; 郵送's 500 h are neither saving nor loss
    assert value_of(m, "time_reduction_rate", "2025-04") == pytest.approx(0.2)
    sources = {(b.process, b.source) for b in kpi.baselines(values)}
    assert sources == {("窓口", "first_year"), ("郵送", "none")}
    # with no baseline anywhere there is no rate at all (not 0 %)
    only_new = frame(process_rows("市民課", "郵送", 2025, 100, 5.0, months=months_of(2025)[:6]))
    assert "time_reduction_rate" not in set(kpi.monthly(only_new, CAT)["kpi"])
    assert "time_per_case" in set(kpi.monthly(only_new, CAT)["kpi"])


def test_a_baseline_never_rolls_forward_and_one_set_by_hand_wins():
    rows = (process_rows("A課", "", 2023, 50, 2.0) + process_rows("A課", "", 2024, 50, 1.0)
            + process_rows("A課", "", 2025, 50, 1.0))
    values = frame(rows)
    # two later complete 年度 do not move the baseline from 2023's 2.0 h
    assert kpi.baselines(values)[0].fiscal_year == 2023
    assert year_of(kpi.yearly(values, CAT), "time_reduction_rate", 2025) == pytest.approx(0.5)
    # a measured pre-improvement value set on the settings screen: 4.0 h → 1 − 1.0 ÷ 4.0 = 75 %
    settings = kpi.Settings(baselines=(("A課", "", 4.0),))
    assert year_of(kpi.yearly(values, CAT, settings), "time_reduction_rate", 2025) == pytest.approx(0.75)
    [b] = kpi.baselines(values, settings)
    assert (b.source, b.time_per_case, b.fiscal_year) == ("set", 4.0, None)


def test_baselines_are_per_department_and_process():
    # the same process name in two departments keeps two baselines
    rows = process_rows("A課", "証明", 2024, 10, 1.0) + process_rows("B課", "証明", 2024, 10, 3.0)
    rows += [("2025-04", "A課", "証明", "cases", 10), ("2025-04", "A課", "証明", "hours", 5),
             ("2025-04", "B課", "証明", "cases", 10), ("2025-04", "B課", "証明", "hours", 30)]
    m = kpi.monthly(frame(rows), CAT)
    # (10 × 1.0 + 10 × 3.0 − 5 − 30) ÷ 40 = 5 ÷ 40
    assert value_of(m, "time_reduction_rate", "2025-04") == pytest.approx(5 / 40)
    a = kpi.monthly(frame(rows), CAT, department="A課")
    assert value_of(a, "time_reduction_rate", "2025-04") == pytest.approx(0.5)


def test_a_year_with_a_missing_month_is_not_complete():
    months = months_of(2024)
    rows = process_rows("A課", "", 2024, 10, 1.0, months=months[:11])  # March missing
    rows += process_rows("A課", "", 2025, 10, 0.5)
    [b] = kpi.baselines(frame(rows))
    assert (b.source, b.fiscal_year) == ("first_year", 2025)  # 2025年度 is the first complete one


# 職員研修受講率 ----------------------------------------------------------------------

def test_training_rate_is_people_trained_at_least_once_over_staff_not_a_mean_of_months():
    """A 100-person department: 10 attendances a month (120 in the 年度), and by March
    every one of the 100 people had been trained at least once → 100 %, never 10 %."""
    rows = []
    for i, m in enumerate(months_of(2025), start=1):
        rows += [(m, "A課", "trained", 10), (m, "A課", "trained_ytd", min(100, 10 * i)), (m, "A課", "staff", 100)]
    values = frame(rows)
    y = kpi.yearly(values, CAT)
    assert year_of(y, "training_rate", 2025) == pytest.approx(1.0)
    assert year_of(y, "trainings", 2025, "total") == 120  # the attendances are still there, as a count
    m = kpi.monthly(values, CAT)
    assert value_of(m, "training_rate", "2025-04") == pytest.approx(0.1)  # 10 of 100 so far
    assert value_of(m, "training_rate", "2025-09") == pytest.approx(0.6)


def test_training_rate_uses_the_staff_at_the_end_of_the_year_across_departments():
    rows = [("2026-02", "A課", "trained_ytd", 5), ("2026-02", "A課", "staff", 10),
            ("2026-03", "A課", "trained_ytd", 8), ("2026-03", "A課", "staff", 10),
            ("2026-03", "B課", "trained_ytd", 12), ("2026-03", "B課", "staff", 30)]
    # March: (8 + 12) ÷ (10 + 30) = 50 %
    assert year_of(kpi.yearly(frame(rows), CAT), "training_rate", 2025) == pytest.approx(0.5)


# 問い合わせ --------------------------------------------------------------------------

def test_inquiries_have_no_direction_and_staff_handled_inquiries_are_the_workload():
    before = [("2025-04", "A課", "inquiries", 1000), ("2025-04", "A課", "self_resolved", 0)]
    after = [("2025-05", "A課", "inquiries", 1300), ("2025-05", "A課", "self_resolved", 500),
             ("2025-05", "B課", "inquiries", 50)]  # B課 did not say how many resolved themselves
    m = kpi.monthly(frame(before + after), CAT)
    assert value_of(m, "inquiries", "2025-05") == 1350  # a chatbot raised the total …
    assert value_of(m, "staff_handled_inquiries", "2025-04") == 1000
    assert value_of(m, "staff_handled_inquiries", "2025-05") == 800  # … and cut staff work (B課 left out)
    assert CAT.kpi_index["inquiries"].direction == "none"
    assert CAT.kpi_index["staff_handled_inquiries"].direction == "lower"
    [card] = kpi.cards(m, CAT, {("inquiries", 2025): 900}, ["inquiries"])
    assert card.target is None and card.attainment is None  # no direction: no target, no colour
    assert kpi.attainment(1350, 900, "none") is None


# 自動化 -------------------------------------------------------------------------------

def test_automated_processes_are_a_stock_and_never_added_up_over_months():
    rows = [("2025-04", "A課", "automated_processes", 3), ("2025-04", "B課", "automated_processes", 2),
            ("2025-05", "A課", "automated_processes", 3), ("2025-05", "B課", "automated_processes", 2),
            ("2025-06", "A課", "automated_processes", 4), ("2025-06", "B課", "automated_processes", 2),
            ("2025-06", "A課", "automations", 300)]
    values = frame(rows)
    m = kpi.monthly(values, CAT)
    assert [value_of(m, "automated_processes", x) for x in ("2025-04", "2025-05", "2025-06")] == [5, 5, 6]
    assert year_of(kpi.yearly(values, CAT), "automated_processes", 2025) == 6  # not 5 + 5 + 6 = 16
    assert value_of(m, "automations", "2025-06") == 300


# 新しいKPI ----------------------------------------------------------------------------

def test_share_of_procedures_online_is_the_state_at_the_end_of_the_year():
    rows = [("2025-04", "全庁", "procedures_online", 20), ("2025-04", "全庁", "procedures_target", 100),
            ("2026-03", "全庁", "procedures_online", 45), ("2026-03", "全庁", "procedures_target", 90)]
    y = kpi.yearly(frame(rows), CAT)
    assert year_of(y, "online_procedure_rate", 2025) == pytest.approx(0.5)  # 45 ÷ 90 in March, not pooled
    assert value_of(kpi.monthly(frame(rows), CAT), "online_procedure_rate", "2025-04") == pytest.approx(0.2)


def test_counter_kpis_and_visitors_feed_them():
    rows = [("2025-04", "A課", "visitors", 1000), ("2025-04", "A課", "no_form_visitors", 200),
            ("2025-04", "A課", "wait_minutes", 10),
            ("2025-04", "B課", "visitors", 500), ("2025-04", "B課", "no_form_visitors", 50),
            ("2025-04", "B課", "wait_minutes", 20),
            ("2025-04", "C課", "wait_minutes", 90)]  # no visitors: its mean cannot be weighted
    m = kpi.monthly(frame(rows), CAT)
    assert value_of(m, "visitors") == 1500 and CAT.kpi_index["visitors"].direction == "none"
    assert value_of(m, "no_form_counter_rate") == pytest.approx(250 / 1500)  # (200 + 50) ÷ (1000 + 500)
    assert value_of(m, "counter_wait") == pytest.approx(20_000 / 1500)  # (10 × 1000 + 20 × 500) ÷ 1500 = 13.3 分
    assert kpi.format_value(value_of(m, "counter_wait"), "minutes") == "13.3 分"


def test_internal_kpis():
    rows = [("2025-04", "A課", "approvals_electronic", 30), ("2025-04", "A課", "approvals_total", 40),
            ("2025-04", "B課", "approvals_electronic", 10), ("2025-04", "B課", "approvals_total", 60),
            ("2025-04", "A課", "prints", 12_000), ("2025-05", "A課", "prints", 8_000),
            ("2025-04", "A課", "overtime_hours", 200), ("2025-04", "A課", "staff", 20),
            ("2025-04", "B課", "overtime_hours", 100), ("2025-04", "B課", "staff", 30),
            ("2025-05", "A課", "overtime_hours", 90), ("2025-05", "A課", "staff", 20),
            ("2025-04", "A課", "genai_users", 5), ("2025-04", "B課", "genai_users", 15)]
    values = frame(rows)
    m = kpi.monthly(values, CAT)
    assert value_of(m, "e_approval_rate", "2025-04") == pytest.approx(0.4)  # (30 + 10) ÷ (40 + 60)
    assert value_of(m, "printed_pages", "2025-04") == 12_000
    assert value_of(m, "overtime_per_staff", "2025-04") == pytest.approx(6.0)  # (200 + 100) ÷ (20 + 30)
    assert value_of(m, "genai_user_rate", "2025-04") == pytest.approx(0.4)  # (5 + 15) ÷ 50
    y = kpi.yearly(values, CAT)
    assert year_of(y, "printed_pages", 2025) == 10_000 and year_of(y, "printed_pages", 2025, "total") == 20_000
    # a month's overtime per person, averaged over person-months: (300 + 90) ÷ (50 + 20)
    assert year_of(y, "overtime_per_staff", 2025) == pytest.approx(390 / 70)


def test_satisfaction_top_two_box_mean_and_small_samples():
    rows = [("2025-04", "A課", "resident_sat", 4.0), ("2025-04", "A課", "resident_sat_n", 150),
            ("2025-04", "A課", "resident_sat_top2", 100),
            ("2025-04", "B課", "resident_sat", 3.0), ("2025-04", "B課", "resident_sat_n", 50),
            ("2025-04", "B課", "resident_sat_top2", 20),
            ("2025-05", "A課", "resident_sat", 4.5), ("2025-05", "A課", "resident_sat_n", 20),
            ("2025-05", "A課", "resident_sat_top2", 18),
            ("2025-05", "A課", "staff_sat_top2", 45), ("2025-05", "A課", "staff_sat_n", 60)]
    m = kpi.monthly(frame(rows), CAT)
    assert value_of(m, "resident_satisfaction", "2025-04") == pytest.approx(3.75)  # (4 × 150 + 3 × 50) ÷ 200
    assert value_of(m, "resident_satisfaction_top2", "2025-04") == pytest.approx(0.6)  # 120 ÷ 200
    assert value_of(m, "staff_satisfaction", "2025-05") == pytest.approx(0.75)  # 45 ÷ 60
    cards = {c.kpi: c for c in kpi.cards(m, CAT, {}, ["resident_satisfaction_top2", "staff_satisfaction"])}
    top2 = cards["resident_satisfaction_top2"]
    assert top2.month == date(2025, 5, 1) and top2.value == pytest.approx(0.9)
    assert top2.responses == 20 and top2.indicative  # 20 responses < 30: 参考値
    assert cards["staff_satisfaction"].responses == 60 and not cards["staff_satisfaction"].indicative
    y = kpi.yearly(frame(rows), CAT)
    assert year_of(y, "resident_satisfaction_top2", 2025) == pytest.approx(138 / 220)
    assert year_of(y, "resident_satisfaction_top2", 2025, "base") == 220
    assert CAT.kpi_index["resident_satisfaction"].survey == "resident" and kpi.Settings(
        resident_survey="市民意識調査").survey("resident") == "市民意識調査"


def test_vendor_dependence_cross_department_work_and_rule_changes():
    rows = [("2025-04", "A課", "inhouse_changes", 3), ("2025-04", "B課", "inhouse_changes", 1),
            ("2025-04", "A課", "vendor_change_cost", 1_200_000), ("2025-05", "A課", "vendor_change_cost", 300_000),
            ("2025-04", "全庁", "cross_dept_projects", 2), ("2025-05", "全庁", "cross_dept_projects", 3),
            ("2025-04", "A課", "law_changes", 2), ("2025-04", "A課", "law_change_days", 10),
            ("2025-05", "B課", "law_changes", 1), ("2025-05", "B課", "law_change_days", 30)]
    values = frame(rows)
    m = kpi.monthly(values, CAT)
    assert value_of(m, "inhouse_changes", "2025-04") == 4
    assert value_of(m, "vendor_change_cost", "2025-04") == 1_200_000
    assert value_of(m, "law_change_lead_time", "2025-04") == pytest.approx(5)  # 10 days ÷ 2 changes
    y = kpi.yearly(values, CAT)
    assert year_of(y, "law_change_lead_time", 2025) == pytest.approx(40 / 3)  # (10 + 30) ÷ (2 + 1)
    assert year_of(y, "cross_dept_projects", 2025) == 3  # the state in May, not 2 + 3
    assert year_of(y, "vendor_change_cost", 2025, "total") == 1_500_000


def test_by_department_in_one_pass_matches_each_department_on_its_own():
    rows = []
    for i, m in enumerate(months_of(2025)[:4]):
        rows += [(m, "A課", "online_apps", 10 + i), (m, "A課", "total_apps", 50),
                 (m, "B課", "online_apps", 5), (m, "B課", "total_apps", 20 + i),
                 (m, "A課", "improvements_done", i % 2), (m, "B課", "improvements_done", 1),
                 (m, "A課", "automations", 3), (m, "B課", "automations", 1)]
    values = frame(rows)
    for kid in ("online_rate", "improvement_streak", "automations_cumulative"):
        per_month, per_year = kpi.by_department(values, kid, CAT)
        for dept in ("A課", "B課"):
            alone = kpi.monthly(values, CAT, department=dept, kpis=[kid])
            got = per_month[per_month["department"] == dept]
            assert got["value"].tolist() == pytest.approx(alone["value"].tolist()), (kid, dept)
            year_alone = kpi.yearly(values, CAT, department=dept, kpis=[kid])
            assert per_year[per_year["department"] == dept]["value"].tolist() == \
                pytest.approx(year_alone["value"].tolist())
    empty_m, empty_y = kpi.by_department(values, "counter_wait", CAT)
    assert empty_m.empty and empty_y.empty


def test_every_restart_step_has_kpis_and_inquiries_belong_to_s6():
    assert "inquiries" in {k.id for k in CAT.for_step("S6")}
    for step in ("S1", "S2", "S3", "S4", "S5", "S6", "S7"):
        assert CAT.for_step(step), step


def test_summary_computes_monthly_and_yearly_in_one_pass_with_the_same_numbers():
    rows = (process_rows("市民課", "住民票", 2024, 100, 2.0) + process_rows("市民課", "住民票", 2025, 90, 1.5)
            + [(m, "A課", "automated_processes", 3) for m in months_of(2025)]
            + [(m, "A課", "inquiries", 40 + i) for i, m in enumerate(months_of(2025))])
    values = frame(rows)
    monthly, yearly = kpi.summary(values, CAT)
    pd.testing.assert_frame_equal(monthly, kpi.monthly(values, CAT))
    pd.testing.assert_frame_equal(yearly, kpi.yearly(values, CAT))
    assert list(yearly.columns) == kpi.YEAR_COLUMNS
    # 年度 order within a KPI, KPIs in catalogue order
    order = [k.id for k in CAT.kpis]
    keys = list(zip([order.index(x) for x in yearly["kpi"]], yearly["fiscal_year"]))
    assert keys == sorted(keys)


def test_a_year_on_too_few_responses_is_marked_indicative_in_the_summary():
    rows = [("2025-04", "A課", "staff_sat_top2", 12), ("2025-04", "A課", "staff_sat_n", 20),
            ("2024-06", "A課", "staff_sat_top2", 30), ("2024-06", "A課", "staff_sat_n", 40)]
    y = kpi.yearly(frame(rows), CAT)
    few = kpi.indicative_years(y, CAT)
    assert few == {("2025年度", "職員満足度(満足・やや満足の割合)")}  # 20 responses; 2024年度 had 40
    header, table = kpi.summary_rows(y, CAT, {})
    shown = {(r[0], r[3]) for r in kpi.formatted_summary(table, CAT, "ja", few)}
    assert shown == {("2025年度", "60.0%(参考値)"), ("2024年度", "75.0%")}
