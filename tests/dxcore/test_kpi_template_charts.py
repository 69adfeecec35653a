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
    assert [c.value for c in kpis["A"][1:1 + len(CAT.kpis)]] == [k.id for k in CAT.kpis]
    assert any(str(c.value).startswith("処理にかかった時間の合計 ÷ 処理件数") for c in kpis["E"])
    assert any("空欄" in str(c.value) for c in wb["入力の説明"]["A"])


def test_every_column_says_what_to_count_and_which_kpis_it_feeds():
    wb = load_workbook(io.BytesIO(template_bytes(CAT, "ja")))
    ws = wb["月次データ"]
    notes = {c.value: c.comment.text for c in ws[1][3:]}
    assert set(notes) == {m.header for m in CAT.measures}
    assert "使うKPI: 職員研修受講率" in notes["年度内の研修受講者数(実人数)"]
    assert notes["自動化・AI適用業務数"].startswith("【月末時点の数】")
    assert "来庁者数" in notes and "書かない窓口の利用率" in notes["来庁者数"]  # 来庁者数 now feeds KPIs
    prompts = {dv.promptTitle: dv.prompt for dv in ws.data_validations.dataValidation if dv.promptTitle}
    assert prompts["オンライン化済み手続数"].startswith("【月末時点の数】")
    guide = [str(c.value) for c in wb["入力の説明"]["A"]]
    assert [g for g in guide if g.startswith("■")] == [
        "■ 業務(処理件数と時間)", "■ 住民サービス(申請・窓口・問い合わせ・住民アンケート)",
        "■ 庁内(決裁・印刷・勤務・研修・生成AI・職員アンケート)",
        "■ 自動化と改善(自動化・改善・内製・委託・部署横断・制度改正)"]
    assert any(g.startswith("委託改修費(円)(vendor_change_cost): ") for g in guide)
    kpis = {r[0].value: [c.value for c in r] for r in wb["KPIと計算式"].iter_rows(min_row=2) if r[0].value}
    assert kpis["training_rate"][5] == "年度内の研修受講者数(実人数)、職員数"
    assert kpis["inquiries"][3] == "向きなし(総量を示す)" and "S6" in kpis["inquiries"][6]
    assert "3,929円" in kpis["staff_cost_equivalent"][4] and "給与・定員管理等について" in kpis[
        "staff_cost_equivalent"][4]


def test_a_template_filled_in_every_column_reads_back_every_value():
    wb = load_workbook(io.BytesIO(template_bytes(CAT)))
    ws = wb["月次データ"]
    header = [c.value for c in ws[1]]
    small = {"resident_sat": 4.2, "wait_minutes": 12.5, "hours": 7.5, "hours_saved": 3.5, "overtime_hours": 20.5}
    row = ["2025-04", "市民課", "窓口"] + [small.get(m.id, 10 + i) for i, m in enumerate(CAT.measures)]
    # wholes at least as large as their parts
    for whole in ("staff", "total_apps", "inquiries", "visitors", "approvals_total", "resident_sat_n", "staff_sat_n",
                  "procedures_target"):
        row[header.index(CAT.measure_index[whole].header)] = 1000
    ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    p = sheets.parse(out.getvalue(), "all.xlsx", CAT, today=date(2026, 11, 26))
    assert p.ok, [x.message() for x in p.problems]
    assert set(p.values["measure"]) == set(CAT.measure_index)
    # one month gives no process a complete 年度, so only the reduction has nothing to show
    assert set(kpi.monthly(p.values, CAT)["kpi"]) == {k.id for k in CAT.kpis} - {"time_reduction_rate",
                                                                                 "hours_reduced"}


def test_old_files_with_the_earlier_headers_still_read():
    """Files made from the earlier template keep working: 「AI・RPA活用件数」 and 「研修受講者数」."""
    wb = load_workbook(io.BytesIO(template_bytes(CAT)))
    ws = wb.create_sheet("old")
    ws.append(["年月", "部署", "AI・RPA活用件数", "研修受講者数", "職員数"])
    ws.append(["2025-04", "市民課", 12, 3, 20])
    del wb["月次データ"]
    out = io.BytesIO()
    wb.save(out)
    p = sheets.parse(out.getvalue(), "old.xlsx", CAT, today=date(2026, 11, 26))
    assert p.ok and dict(zip(p.values["measure"], p.values["value"])) == {"automations": 12, "trained": 3,
                                                                          "staff": 20}


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


def marks(spec) -> list[str]:
    return [(x["mark"]["type"] if isinstance(x["mark"], dict) else x["mark"]) for x in spec["layer"]]


def test_trend_draws_values_targets_year_boundaries_and_numbered_events():
    k = CAT.kpi_index["online_rate"]
    s = series(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"], [0.1, 0.2, 0.3, 0.35])
    notes = [Annotation(date(2025, 3, 15), "RPA導入 完了", "completed"),
             Annotation(date(2025, 4, 20), "電子申請の案内を刷新", "milestone"),
             Annotation(date(2024, 1, 1), "範囲外", "milestone")]
    spec = charts_kpi.trend(s, k, "ja", {2024: 0.15, 2025: 0.4}, notes).to_dict()
    assert marks(spec)[:2] == ["line", "point"] and marks(spec).count("rule") == 3  # 年度, targets, events
    rows = dict(spec["datasets"])
    events = next(r for r in rows.values() if r and "number" in r[0])
    # each event in range, numbered by date (the one of 2024 is left out)
    assert [(e["number"], e["label"], e["date"]) for e in events] == [
        ("1", "RPA導入 完了", "2025/03/15"), ("2", "電子申請の案内を刷新", "2025/04/20")]
    assert {r["text"] for d in rows.values() for r in d if "年度" in str(r.get("text"))} == {"2024年度", "2025年度"}
    targets = sorted((r["target"], r["start"][:10], r["stop"][:10]) for d in rows.values() for r in d if "target" in r)
    # each 年度's target spans its months in view (half a month of margin either side)
    assert targets == [(0.15, "2025-01-17", "2025-04-01"), (0.4, "2025-04-01", "2025-05-16")]
    y = spec["layer"][0]["encoding"]["y"]
    assert y["axis"]["format"] == ".0%"
    # the plot is drawn below a band of its own, in a chart whose height is the plot's (fit-x):
    # the month labels and the 年月 title are below the plot, never inside it
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert y["scale"]["range"][1] > 0 and spec["height"] == y["scale"]["range"][0]
    assert spec["config"]["font"].startswith("Noto Sans CJK JP")


def test_one_month_axis_for_every_kpi_chart_in_either_era():
    k = CAT.kpi_index["online_rate"]
    months = pd.date_range("2025-04-01", "2026-10-01", freq="MS")
    trend = charts_kpi.trend(series(months, [0.1] * len(months)), k, "ja").to_dict()
    lines = charts_kpi.department_lines(pd.DataFrame({"month": list(months) * 2, "department": ["A"] * len(months)
                                                      + ["B"] * len(months), "value": 0.2}), k, "ja").to_dict()
    t_axis, l_axis = trend["layer"][0]["encoding"]["x"]["axis"], lines["encoding"]["x"]["axis"]
    assert t_axis == l_axis  # the department comparison has the trend's ticks, once each
    ticks = [(v["year"], v["month"]) for v in t_axis["values"]]
    assert ticks == [(2025, 4), (2025, 7), (2025, 10), (2026, 1), (2026, 4), (2026, 7), (2026, 10)]
    assert len(set(ticks)) == len(ticks)
    assert '["4月", "2025年"]' in t_axis["labelExpr"] and '["1月", "2026年"]' in t_axis["labelExpr"]
    wareki = charts_kpi.month_axis(date(2025, 4, 1), date(2026, 10, 1), "ja", wareki=True)[1].to_dict()
    assert '["4月", "令和7年"]' in wareki["labelExpr"] and '["1月", "令和8年"]' in wareki["labelExpr"]
    english = charts_kpi.month_axis(date(2025, 4, 1), date(2026, 10, 1), "en")[1].to_dict()
    assert '["Apr", "2025"]' in english["labelExpr"]
    assert lines["autosize"] == {"type": "fit-x", "contains": "padding"}
    # ten 年度 of months: at most seven ticks, on April
    decade = charts_kpi.month_ticks(date(2016, 4, 1), date(2026, 3, 1))
    assert len(decade) <= charts_kpi.MAX_TICKS and {d.month for d in decade} == {4}


def test_markers_of_nearby_events_take_different_lines_and_labels_only_where_they_fit():
    lo, hi = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    notes = list(enumerate([Annotation(date(2025, 4, d), f"出来事{d}", "milestone") for d in (1, 5, 9)]
                           + [Annotation(date(2025, 11, 1), "ずっと後の出来事", "milestone")], start=1))
    narrow = charts_kpi._marker_lines(notes, lo, hi, 260, labels=False)
    assert narrow == [(0, False), (1, False), (2, False), (0, False)]  # the late one reuses the first line
    wide = charts_kpi._marker_lines(notes, lo, hi, 560, labels=True)
    # at 560 px four days are ~6 px: the numbers still need their own lines; labels where the line is clear
    assert [line for line, _ in wide] == [0, 1, 2, 0]
    assert [labelled for _, labelled in wide] == [True, True, True, True]
    crowded = list(enumerate([Annotation(date(2025, 4, 1), "とても長い出来事の名前", "milestone"),
                              Annotation(date(2025, 4, 20), "次", "milestone")], start=1))
    # the second number fits on line 0 after the first number, so the first one's label would cover it
    assert charts_kpi._marker_lines(crowded, lo, hi, 560, labels=True) == [(0, False), (0, True)]


def test_a_short_target_segment_is_labelled_in_its_tooltip_only():
    k = CAT.kpi_index["online_rate"]
    spec = charts_kpi.trend(series(["2026-02-01", "2026-03-01", "2026-04-01", "2026-10-01"], [0.1, 0.2, 0.3, 0.4]),
                            k, "ja", {2025: 0.2, 2026: 0.5}).to_dict()
    texts = [r["text"] for d in spec["datasets"].values() for r in d if str(r.get("text", "")).startswith("目標")]
    drawn = [x for x in spec["layer"] if marks({"layer": [x]})[0] == "text"
             and x["encoding"].get("text", {}).get("field") == "text" and "x" in x["encoding"]
             and x["encoding"]["x"]["field"] == "stop"]
    assert sorted(set(texts)) == ["目標 20.0%", "目標 50.0%"]  # both in tooltips
    [label_layer] = drawn
    shown = [r["text"] for r in spec["datasets"][label_layer["data"]["name"]]]
    assert shown == ["目標 50.0%"]  # 2025年度 shows only Feb–Mar: too short to carry a label


def test_trend_without_annotations_or_targets_and_in_wareki():
    k = CAT.kpi_index["time_per_case"]
    spec = charts_kpi.trend(series(["2025-04-01"], [0.5]), k, "ja", {}, [], wareki=True).to_dict()
    rows = [r for d in spec["datasets"].values() for r in d]
    assert {r["label"] for r in rows if "label" in r} == {"令和7年4月"}
    assert "令和7年度" in {r.get("text") for r in rows}


def test_a_kpi_without_direction_draws_no_target_and_indicative_months_are_hollow():
    k = CAT.kpi_index["inquiries"]
    spec = charts_kpi.trend(series(["2025-04-01", "2025-05-01"], [10, 12]), k, "ja", {2025: 5}).to_dict()
    assert not [r for d in spec["datasets"].values() for r in d if "target" in r]
    k = CAT.kpi_index["resident_satisfaction_top2"]
    s = series(["2025-04-01", "2025-05-01"], [0.6, 0.7]).assign(indicative=[False, True])
    spec = charts_kpi.trend(s, k, "ja").to_dict()
    rows = next(d for d in spec["datasets"].values() if d and "shown" in d[0])
    assert [r["shown"] for r in rows] == ["60.0%", "70.0%(参考値)"]
    assert spec["layer"][1]["encoding"]["fill"]["condition"]["test"] == "datum.indicative"


def test_department_charts():
    k = CAT.kpi_index["online_rate"]
    lines = charts_kpi.department_lines(pd.DataFrame({
        "month": pd.to_datetime(["2025-04-01", "2025-04-01"]), "department": ["市民課", "税務課"],
        "value": [0.2, 0.4]}), k, "ja").to_dict()
    assert lines["encoding"]["color"]["scale"]["domain"] == ["市民課", "税務課"]
    bars = charts_kpi.department_bars(pd.DataFrame({"department": ["市民課", "税務課"], "value": [0.2, 0.4]}), k,
                                      "ja", "2025年度").to_dict()
    assert bars["layer"][0]["encoding"]["y"]["sort"] == "-x"  # best first
