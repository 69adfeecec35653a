"""KPI catalogue and formulas, each checked against a case computed by hand."""

import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from dxcore import kpi
from dxcore.content import load
from dxcore.exports import csv_bytes, xlsx_bytes
from dxcore.i18n import LANGS

CAT = kpi.catalogue()


def frame(rows) -> pd.DataFrame:
    """rows: (YYYY-MM, department, measure, value) or with a process before the measure."""
    out = []
    for r in rows:
        month, dept, *rest = r
        process, measure, value = rest if len(rest) == 3 else ("", *rest)
        out.append({"month": pd.Timestamp(month + "-01"), "department": dept, "process": process,
                    "measure": measure, "value": float(value)})
    return pd.DataFrame(out)


def value_of(df: pd.DataFrame, kid: str, month: str | None = None) -> float:
    s = df[df["kpi"] == kid]
    if month:
        s = s[s["month"] == pd.Timestamp(month + "-01")]
    assert len(s) == 1, (kid, month, s)
    return float(s["value"].iloc[0])


# the catalogue -----------------------------------------------------------------

def test_catalogue_keeps_every_stored_measure_id_and_adds_the_new_ones():
    ids = [m.id for m in CAT.measures]
    # ids already in databases never change their meaning
    assert {"cases", "hours", "online_apps", "total_apps", "inquiries", "self_resolved", "resident_sat",
            "resident_sat_n", "automations", "hours_saved", "trained", "staff", "proposals", "visitors"} <= set(ids)
    assert {"trained_ytd", "improvements_done", "automated_processes", "resident_sat_top2", "procedures_online",
            "procedures_target", "no_form_visitors", "wait_minutes", "approvals_electronic", "approvals_total",
            "prints", "overtime_hours", "staff_sat_top2", "staff_sat_n", "genai_users", "inhouse_changes",
            "vendor_change_cost", "cross_dept_projects", "law_changes", "law_change_days"} <= set(ids)
    assert len(ids) == len(set(ids)) == 34
    assert [m.header for m in CAT.measures][:4] == ["処理件数", "処理時間(時間)", "電子申請件数", "申請件数(合計)"]
    assert {m.id for m in CAT.measures if m.stock} == {
        "procedures_online", "procedures_target", "staff", "trained_ytd", "automated_processes", "cross_dept_projects"}
    # the content loader and this catalogue read the same file
    assert [k.id for k in load().kpis] == [k.id for k in CAT.kpis]


def test_every_kpi_is_complete_and_its_inputs_are_measures():
    for k in CAT.kpis:
        assert k.rule in kpi.RULES and k.year in kpi.YEAR_RULES and k.direction in kpi.DIRECTIONS, k.id
        assert k.unit in kpi.UNITS, k.id
        assert k.year != "pooled" or k.rule in kpi.POOLED_RULES, k.id  # only ratios and means pool
        assert set(k.inputs) <= set(CAT.measure_index), k.id
        assert k.steps and set(k.steps) <= {f"S{i}" for i in range(1, 8)}, k.id
        # a KPI fed by a stock (a count at the end of the month) never adds months up
        stock = CAT.measure_index[k.inputs[0]].stock
        assert not stock or k.year == "last", k.id
        for lang in LANGS:
            assert k.name[lang].strip() and k.formula[lang].strip(), (k.id, lang)
        assert kpi.unit_label(k.unit, "ja") != k.unit, k.unit  # every built-in unit has a label
    assert {m.kind for m in CAT.measures} <= set(kpi.MEASURE_KINDS)
    assert {m.group for m in CAT.measures} <= set(kpi.MEASURE_GROUPS)
    # every measure feeds at least one KPI (来庁者数 used to feed none)
    fed = {i for k in CAT.kpis for i in k.inputs}
    assert set(CAT.measure_index) == fed


# formulas ------------------------------------------------------------------------

def test_ratios_sum_numerators_and_denominators_never_average_percentages():
    df = frame([
        ("2025-04", "A", "cases", 100), ("2025-04", "A", "hours", 50),
        ("2025-04", "B", "cases", 300), ("2025-04", "B", "hours", 60),
        ("2025-04", "A", "online_apps", 1), ("2025-04", "A", "total_apps", 10),
        ("2025-04", "B", "online_apps", 50), ("2025-04", "B", "total_apps", 100),
        ("2025-04", "A", "trained_ytd", 2), ("2025-04", "A", "staff", 10),
        ("2025-04", "B", "trained_ytd", 3), ("2025-04", "B", "staff", 20),
    ])
    m = kpi.monthly(df, CAT)
    assert value_of(m, "time_per_case") == pytest.approx(110 / 400)  # not (0.5 + 0.2) / 2
    assert value_of(m, "online_rate") == pytest.approx(51 / 110)  # not (10 % + 50 %) / 2 = 30 %
    assert value_of(m, "training_rate") == pytest.approx(5 / 30)


def test_a_ratio_uses_only_rows_with_both_parts():
    df = frame([
        ("2025-04", "A", "self_resolved", 20), ("2025-04", "A", "inquiries", 80),
        ("2025-04", "B", "self_resolved", 5),  # B did not report its inquiries
        ("2025-04", "C", "inquiries", 40),  # C did not report self-resolution
    ])
    m = kpi.monthly(df, CAT)
    assert value_of(m, "self_resolution_rate") == pytest.approx(20 / 80)
    assert value_of(m, "inquiries") == 120  # the count itself uses every row that has it


def test_satisfaction_is_weighted_by_responses():
    df = frame([("2025-04", "A", "resident_sat", 4.0), ("2025-04", "A", "resident_sat_n", 10),
                ("2025-04", "B", "resident_sat", 3.0), ("2025-04", "B", "resident_sat_n", 30)])
    assert value_of(kpi.monthly(df, CAT), "resident_satisfaction") == pytest.approx(3.25)  # not 3.5


def test_processes_of_a_department_add_up():
    df = frame([("2025-04", "A", "窓口", "cases", 10), ("2025-04", "A", "窓口", "hours", 5),
                ("2025-04", "A", "審査", "cases", 30), ("2025-04", "A", "審査", "hours", 3)])
    assert value_of(kpi.monthly(df, CAT), "time_per_case") == pytest.approx(8 / 40)


def test_automation_runs_and_their_running_total_from_april():
    df = frame([("2025-03", "A", "automations", 7),  # 2024年度: not carried into 2025年度
                ("2025-04", "A", "automations", 3), ("2025-04", "B", "automations", 2),
                ("2025-05", "A", "automations", 4), ("2025-07", "A", "automations", 1)])
    m = kpi.monthly(df, CAT)
    assert [value_of(m, "automations", x) for x in ("2025-04", "2025-05", "2025-07")] == [5, 4, 1]
    assert [value_of(m, "automations_cumulative", x) for x in ("2025-03", "2025-04", "2025-05", "2025-07")] == \
        [7, 5, 9, 10]
    y = kpi.yearly(df, CAT).set_index(["kpi", "fiscal_year"])
    assert y.loc[("automations_cumulative", 2025), "value"] == 10  # the 年度 total, once
    assert y.loc[("automations", 2025), "total"] == 10


def test_improvement_streak_counts_consecutive_months_with_an_improvement_implemented():
    # implemented: Apr 1, May 0, Jun 2, Jul 1 (by B), (Aug not reported), Sep 1, Oct 3
    df = frame([("2025-04", "A", "improvements_done", 1), ("2025-05", "A", "improvements_done", 0),
                ("2025-06", "A", "improvements_done", 2), ("2025-07", "A", "improvements_done", 0),
                ("2025-07", "B", "improvements_done", 1),  # another department keeps it going
                ("2025-09", "A", "improvements_done", 1), ("2025-10", "A", "improvements_done", 3),
                ("2025-05", "A", "proposals", 4)])  # May had proposals but nothing implemented
    m = kpi.monthly(df, CAT)
    months = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-09", "2025-10"]
    assert [value_of(m, "improvement_streak", x) for x in months] == [1, 0, 1, 2, 1, 2]
    assert value_of(m, "proposals", "2025-05") == 4
    # proposals alone never make a streak
    only_proposals = kpi.monthly(frame([("2025-04", "A", "proposals", 3), ("2025-05", "A", "proposals", 2)]), CAT)
    assert "improvement_streak" not in set(only_proposals["kpi"])


def test_staff_cost_equivalent_at_the_set_rate_the_own_basis_or_the_documented_default():
    df = frame([("2025-04", "A", "hours_saved", 10), ("2025-04", "B", "hours_saved", 5)])
    assert value_of(kpi.monthly(df, CAT), "hours_saved") == 15
    # default: (6,300,000 × 1.16) ÷ 1,860 h = 7,308,000 ÷ 1,860 = 3,929.03 → 3,929 円/h
    assert kpi.DEFAULT_HOURLY_RATE == 3929
    assert value_of(kpi.monthly(df, CAT), "staff_cost_equivalent") == 15 * 3929
    assert kpi.Settings().rate_source == "default"
    direct = kpi.Settings(hourly_rate=4000)
    assert value_of(kpi.monthly(df, CAT, direct), "staff_cost_equivalent") == 60_000 and direct.rate_source == "direct"
    # own basis: (5,000,000 × 1.2) ÷ 2,000 h = 3,000 円/h
    own = kpi.Settings(pay_basis=kpi.PayBasis(5_000_000, 0.2, 2000))
    assert own.rate == 3000 and own.rate_source == "basis"
    assert value_of(kpi.monthly(df, CAT, own), "staff_cost_equivalent") == 45_000


def test_department_filter_and_empty_data():
    df = frame([("2025-04", "A", "inquiries", 10), ("2025-04", "B", "inquiries", 30)])
    assert value_of(kpi.monthly(df, CAT, department="B"), "inquiries") == 30
    assert kpi.monthly(kpi.empty_values(), CAT).empty
    assert kpi.yearly(kpi.empty_values(), CAT).empty


def test_fiscal_year_values_pool_ratios_average_counts_and_keep_last_streak():
    rows = [("2025-03", "A", "online_apps", 90), ("2025-03", "A", "total_apps", 100),  # 2024年度
            ("2025-04", "A", "online_apps", 1), ("2025-04", "A", "total_apps", 10),
            ("2026-03", "A", "online_apps", 50), ("2026-03", "A", "total_apps", 100),
            ("2025-04", "A", "automations", 4), ("2025-05", "A", "automations", 8),
            ("2025-04", "A", "improvements_done", 1), ("2025-05", "A", "improvements_done", 1),
            ("2025-06", "A", "improvements_done", 0)]
    y = kpi.yearly(frame(rows), CAT).set_index(["kpi", "fiscal_year"])
    assert y.loc[("online_rate", 2024), "value"] == pytest.approx(0.9)
    assert y.loc[("online_rate", 2025), "value"] == pytest.approx(51 / 110)  # April and March together
    assert y.loc[("automations", 2025), "value"] == 6 and y.loc[("automations", 2025), "total"] == 12
    assert y.loc[("improvement_streak", 2025), "value"] == 0  # June broke it
    assert y.loc[("online_rate", 2025), "months"] == 2


def test_custom_kpis_sum_or_average_their_own_column():
    cat = kpi.catalogue([kpi.CustomKpi("custom_1", "窓口待ち時間", "分", "lower", "mean"),
                         kpi.CustomKpi("custom_2", "ペーパーレス様式数", "件", "higher", "sum")])
    df = frame([("2025-04", "A", "custom_1", 10), ("2025-04", "B", "custom_1", 20),
                ("2025-04", "A", "custom_2", 3), ("2025-04", "B", "custom_2", 4)])
    m = kpi.monthly(df, cat)
    assert value_of(m, "custom_1") == 15 and value_of(m, "custom_2") == 7
    assert cat.kpi_index["custom_1"].direction == "lower" and cat.measure_index["custom_1"].header == "窓口待ち時間"
    assert "custom_1" in {k.id for k in cat.headline}


# cards and presentation -------------------------------------------------------------

def test_cards_compare_with_last_month_last_year_and_the_target():
    rows = []
    for month, online in (("2024-10", 20), ("2025-09", 40), ("2025-10", 50)):
        rows += [(month, "A", "online_apps", online), (month, "A", "total_apps", 100),
                 (month, "A", "cases", 100), (month, "A", "hours", online)]
    m = kpi.monthly(frame(rows), CAT)
    targets = {("online_rate", 2025): 0.4, ("time_per_case", 2025): 0.4}
    cards = {c.kpi: c for c in kpi.cards(m, CAT, targets, ["online_rate", "time_per_case", "automations"])}
    c = cards["online_rate"]
    assert c.month == date(2025, 10, 1) and c.value == pytest.approx(0.5)
    assert c.vs_previous_month == pytest.approx(0.1) and c.vs_last_year == pytest.approx(0.3)
    assert c.attainment == pytest.approx(1.25)
    assert cards["time_per_case"].attainment == pytest.approx(0.8)  # lower is better: target ÷ value
    assert "automations" not in cards  # no data, no card


@pytest.mark.parametrize("value,unit,lang,text", [
    (0.4567, "ratio", "ja", "45.7%"), (1.25, "hours", "ja", "1.25 時間"), (1.25, "hours", "en", "1.25 h"),
    (1234, "count", "ja", "1,234 件"), (7, "months", "ja", "7 か月"), (60000, "yen", "ja", "60,000 円"),
    (60000, "yen", "en", "¥60,000"), (2_136_050, "yen", "ja", "213.6 万円"), (2_136_050, "yen", "en", "¥2.14M"),
    (3.456, "score5", "ja", "3.46"), (None, "count", "ja", "—"), (float("nan"), "ratio", "ja", "—"),
    (-0.0001, "hours", "ja", "0.00 時間"), (12.34, "minutes", "ja", "12.3 分"), (1234, "people", "ja", "1,234 人"),
    (52_300, "sheets", "ja", "52,300 枚"), (14.25, "days", "en", "14.3 days"), (6.5, "count", "ja", "6.5 件"),
    (234.5, "hours", "ja", "234.5 時間"), (1234.5, "hours", "ja", "1,235 時間"),
    (0.125, "hours", "ja", "0.13 時間"), (0.125, "ratio", "ja", "12.5%"), (0.1235, "ratio", "ja", "12.4%"), (-0.0004, "ratio", "ja", "0.0%"),
])
def test_format_value(value, unit, lang, text):
    assert kpi.format_value(value, unit, lang) == text


def test_format_delta_in_points_for_rates():
    assert kpi.format_delta(0.023, "ratio", "ja") == "+2.3ポイント"
    assert kpi.format_delta(-2, "count", "ja") == "-2 件"  # ASCII: st.metric colours by it
    assert kpi.format_delta(None, "count") is None


def test_a_change_takes_the_scale_and_decimals_of_its_value():
    # the 22.8 万円 with +24,000 円: the change is shown in 万円 too
    assert kpi.format_value(228_000, "yen") == "22.8 万円"
    assert kpi.format_delta(24_000, "yen", "ja", like=228_000) == "+2.4 万円"
    assert kpi.format_delta(24_000, "yen", "ja", like=80_000) == "+24,000 円"
    assert kpi.format_delta(-1_500_000, "yen", "en", like=2_000_000) == "-¥1.50M"
    # a change that rounds to nothing has no sign and no direction ("-0.00 h" never)
    assert kpi.format_delta(-0.004, "hours", "ja", like=0.51) == "±0.00 時間"
    assert kpi.format_delta(-0.004, "hours", "en", like=0.51) == "±0.00 h"
    assert kpi.delta_sign(-0.004, "hours", like=0.51) == 0 and kpi.delta_sign(-0.006, "hours", like=0.51) == -1
    assert kpi.format_delta(0.0004, "ratio", "ja") == "±0.0ポイント" and kpi.delta_sign(0.0004, "ratio") == 0
    # hours keep the decimals of the value they belong to
    assert kpi.format_delta(12.0, "hours", "ja", like=234.5) == "+12.0 時間"
    assert kpi.format_delta(12.0, "hours", "ja", like=1234.5) == "+12 時間"
    assert kpi.format_delta(1, "count", "ja", like=6.5) == "+1.0 件"


def test_an_empty_target_is_shown_empty_never_none():
    assert kpi.format_target(None, "ratio") == "" and kpi.format_target(float("nan"), "count") == ""
    assert kpi.format_target(0.4, "ratio") == "40.0%"


def test_month_labels_western_and_japanese_era():
    assert kpi.month_label(date(2025, 4, 1)) == "2025年4月"
    assert kpi.month_label(date(2025, 4, 1), wareki=True) == "令和7年4月"
    assert kpi.month_label(date(2019, 5, 1), wareki=True) == "令和元年5月"
    assert kpi.month_label(date(2025, 4, 1), "en") == "2025-04"
    assert kpi.fy_label(2025, "ja", True) == "令和7年度"


def test_summary_rows_are_numbers_and_json_rows_fractions():
    m = kpi.monthly(frame([("2025-04", "A", "online_apps", 1), ("2025-04", "A", "total_apps", 4)]), CAT)
    assert kpi.values_to_json(m) == [{"month": "2025-04", "kpi": "online_rate", "value": 0.25}]
    header, rows = kpi.summary_rows(kpi.yearly(frame([("2025-04", "A", "online_apps", 1),
                                                      ("2025-04", "A", "total_apps", 4)]), CAT),
                                    CAT, {("online_rate", 2025): 0.5})
    assert header[:2] == ["年度", "KPI"]
    assert rows == [["2025年度", "電子申請利用率", "割合(%)", 0.25, None, 0.5, 0.5, 1]]
    assert kpi.formatted_summary(rows, CAT)[0][3:7] == ["25.0%", "", "50.0%", "50%"]


def test_exported_summary_never_carries_a_formula_from_user_text():
    cat = kpi.catalogue([kpi.CustomKpi("custom_1", "+件数", "@件", "higher", "sum")])
    y = kpi.yearly(frame([("2025-04", "A", "custom_1", 3)]), cat)
    header, rows = kpi.summary_rows(y, cat, {})
    assert rows[0][1:3] == ["+件数", "@件"]
    text = csv_bytes(header, rows).decode("utf-8-sig")
    assert text.startswith("年度,KPI") and ",'+件数,'@件," in text
    ws = load_workbook(io.BytesIO(xlsx_bytes([("summary", header, rows)]))).active
    assert ws["B2"].value == "'+件数" and ws["B2"].data_type == "s"
