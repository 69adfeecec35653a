"""The Excel template and the KPI charts (targets, 年度 boundaries, dated annotations)."""

import io
from datetime import date

import pandas as pd
from openpyxl import load_workbook

from dxcore import charts_kpi, kpi, sheets
from dxcore.store.annotations import Annotation
from dxcore.template import template_bytes

CAT = kpi.catalogue()


def test_template_sheets_headers_validation_and_frozen_header():
    wb = load_workbook(io.BytesIO(template_bytes(CAT, "ja")))
    assert wb.sheetnames == ["月次データ", "入力の説明", "KPIと計算式"]
    ws = wb["月次データ"]
    headers = [c.value for c in ws[1]]
    assert headers == ["年月", "部署", "業務名"] + [m.header for m in CAT.measures]
    assert ws.freeze_panes == "D2" and ws.max_row == 1
    by_col = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            by_col[rng.split(":")[0].rstrip("0123456789")] = dv
    assert by_col["A"].type == "date" and by_col["A"].errorStyle == "warning"  # other 年月 forms stay possible
    col = {h: chr(ord("A") + i) for i, h in enumerate(headers)}
    assert (by_col[col["処理件数"]].type, by_col[col["処理件数"]].operator, by_col[col["処理件数"]].formula1) == \
        ("whole", "greaterThanOrEqual", "0")
    assert (by_col[col["処理時間(時間)"]].type, by_col[col["処理時間(時間)"]].formula1) == ("decimal", "0")
    sat = by_col[col["住民満足度(5段階平均)"]]
    assert (sat.type, sat.formula1, sat.formula2) == ("decimal", "1", "5")
    kpis = wb["KPIと計算式"]
    assert [c.value for c in kpis["A"][1:14]] == [k.id for k in CAT.kpis]
    assert "処理にかかった時間の合計 ÷ 処理件数" in [c.value for c in kpis["E"]]
    assert any("空欄" in str(c.value) for c in wb["入力の説明"]["A"])


def test_english_template_keeps_the_japanese_data_headers():
    wb = load_workbook(io.BytesIO(template_bytes(CAT, "en")))
    assert wb.sheetnames == ["月次データ", "How to fill in", "KPIs and formulas"]
    assert wb["月次データ"]["D1"].value == "処理件数"


def test_the_empty_template_reads_back_as_no_rows_yet():
    p = sheets.parse(template_bytes(CAT), "t.xlsx", today=date(2026, 11, 26))
    assert [x.key for x in p.problems] == ["no_rows"] and p.layout == "wide"


def series(months, values):
    return pd.DataFrame({"month": pd.to_datetime(months), "value": values})


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def test_trend_draws_values_targets_year_boundaries_and_annotations():
    k = CAT.kpi_index["online_rate"]
    s = series(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"], [0.1, 0.2, 0.3, 0.35])
    notes = [Annotation(date(2025, 3, 15), "RPA導入 完了", "completed"),
             Annotation(date(2025, 4, 20), "電子申請の案内を刷新", "milestone"),
             Annotation(date(2024, 1, 1), "範囲外", "milestone")]
    chart = charts_kpi.trend(s, k, "ja", {2024: 0.15, 2025: 0.4}, notes)
    spec = chart.to_dict()
    marks = [(x["mark"]["type"] if isinstance(x["mark"], dict) else x["mark"]) for x in spec["layer"]]
    assert marks[0] == "line" and marks.count("rule") == 3  # 年度 boundary, targets, annotations
    rows = dict(spec["datasets"])
    texts = [x for x in spec["layer"] if marks[spec["layer"].index(x)] == "text"
             and x["encoding"]["text"]["field"] == "label"]
    labelled = {r["label"]: (r["date"], r["line"]) for x in texts for r in rows[x["data"]["name"]]}
    # each annotation in range with its date (the one of 2024 is left out); a month apart, one line will do
    assert labelled == {"RPA導入 完了": ("2025/03/15", 0), "電子申請の案内を刷新": ("2025/04/20", 0)}
    assert {r["text"] for d in rows.values() for r in d if "text" in r and "年度" in r["text"]} == {"2025年度"}
    targets = sorted((r["target"], r["start"][:10], r["stop"][:10]) for d in rows.values() for r in d if "target" in r)
    # each 年度's target spans its months in view (half a month of margin either side)
    assert targets == [(0.15, "2025-01-17", "2025-04-01"), (0.4, "2025-04-01", "2025-05-16")]
    y = spec["layer"][0]["encoding"]["y"]
    assert y["axis"]["format"] == ".0%"
    assert y["scale"]["range"][1] > 0 and spec["height"] == y["scale"]["range"][0]  # a band left above the plot
    assert spec["config"]["font"].startswith("Noto Sans CJK JP")


def test_labels_of_nearby_annotations_go_to_different_lines():
    lo, hi = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    notes = [Annotation(date(2025, 4, d), f"出来事{d}", "milestone") for d in (1, 5, 9)] + \
        [Annotation(date(2025, 11, 1), "ずっと後の出来事", "milestone")]
    assert charts_kpi._label_lines(notes, lo, hi, 4) == [0, 1, 2, 0]  # the late one reuses the first line
    # no room left: the third label is not drawn (its rule and tooltip are)
    assert charts_kpi._label_lines(notes[:3], lo, hi, 2) == [0, 1, None]
    # hand-entered milestones get the lines first, completed items what is left
    mixed = [Annotation(date(2025, 4, 1), "完了した項目", "completed"), Annotation(date(2025, 4, 5), "節目", "milestone")]
    assert charts_kpi._label_lines(mixed, lo, hi, 1) == [None, 0]


def test_trend_without_annotations_or_targets_and_in_wareki():
    k = CAT.kpi_index["time_per_case"]
    spec = charts_kpi.trend(series(["2025-04-01"], [0.5]), k, "ja", {}, [], wareki=True).to_dict()
    rows = [r for d in spec["datasets"].values() for r in d]
    assert {r["label"] for r in rows if "label" in r} == {"令和7年4月"}
    assert "令和7年度" in {r.get("text") for r in rows}


def test_department_charts():
    k = CAT.kpi_index["online_rate"]
    lines = charts_kpi.department_lines(pd.DataFrame({
        "month": pd.to_datetime(["2025-04-01", "2025-04-01"]), "department": ["市民課", "税務課"],
        "value": [0.2, 0.4]}), k, "ja").to_dict()
    assert lines["encoding"]["color"]["scale"]["domain"] == ["市民課", "税務課"]
    bars = charts_kpi.department_bars(pd.DataFrame({"department": ["市民課", "税務課"], "value": [0.2, 0.4]}), k,
                                      "ja", "2025年度").to_dict()
    assert bars["layer"][0]["encoding"]["y"]["sort"] == "-x"  # best first
