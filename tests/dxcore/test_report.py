"""成果報告: the files `python -m dxcore report` writes, opened with python-pptx and openpyxl.

The numbers in the charts and sentences are compared with what `python -m dxcore kpis`
and `history` print for the same period, and with the KPI functions those commands use.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from dxcore import demo, kpi, report, sheets
from dxcore.exports import FORMULA_STARTS
from dxcore.i18n import t
from dxcore.kpi import month_key
from dxcore.report import gather
from dxcore.report.model import Period, display, parse_sections
from dxcore.store import repo, repo_kpi, repo_workshop
from tests.dxcore.test_kpi_cli import run

A = "http://schemas.openxmlformats.org/drawingml/2006/main"


# helpers ----------------------------------------------------------------------------------

def texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells]
    return out


def charts(prs) -> list[tuple[int, object]]:
    return [(i, s.chart) for i, slide in enumerate(prs.slides) for s in slide.shapes if s.has_chart]


def series(chart) -> dict[str, tuple]:
    return {s.name: tuple(s.values) for s in chart.plots[0].series}


def categories(chart) -> list[str]:
    return [str(c) for c in chart.plots[0].categories]


def cli_kpis(capsys, org: str, period: Period) -> dict[tuple[str, str], float]:
    code, rows, err = run(capsys, "kpis", "--org", org, "--from", f"{period.start:%Y-%m}", "--to",
                          f"{period.end:%Y-%m}")
    assert code == 0, err
    return {(r["month"], r["kpi"]): r["value"] for r in rows}


def cli_history(capsys, org: str) -> list[dict]:
    code, rows, err = run(capsys, "history", "--org", org)
    assert code == 0, err
    return rows


def make(capsys, tmp_path, fmt: str, *args, org: str = demo.DEMO_NAME) -> tuple[Path, dict]:
    path = tmp_path / f"r.{fmt}"
    code, out, err = run(capsys, "report", "--org", org, "--format", fmt, "-o", str(path), *args)
    assert code == 0, err
    assert path.stat().st_size == out["bytes"]
    return path, out


@pytest.fixture
def demo_org(engine):
    return demo.load_demo(engine)


@pytest.fixture
def demo_period(engine, demo_org) -> Period:
    """The 年度 the report chooses by default: the one of the newest demo data."""
    return report.default_period(gather.inputs(engine, demo_org))


def year_values(engine, org, period: Period) -> pd.DataFrame:
    """The 年度 values as the KPI dashboard's summary computes them, over the data up to the period's end."""
    values = repo_kpi.load_values(engine, org.id)
    values = values[values["month"] <= pd.Timestamp(period.end)]
    return kpi.yearly(values, repo_kpi.catalogue_for(engine, org.id), repo_kpi.settings(engine, org.id))


# the model ----------------------------------------------------------------------------------

def test_periods_and_sections():
    fy = Period.fiscal(2025)
    assert (fy.start, fy.end, fy.fiscal_year, fy.last_day) == (date(2025, 4, 1), date(2026, 3, 1), 2025,
                                                               date(2026, 3, 31))
    assert fy.label("ja") == "2025年度" and fy.label("ja", wareki=True) == "令和7年度" and fy.label("en") == "FY2025"
    half = Period.months_between(date(2025, 10, 15), date(2026, 3, 2))
    assert half.fiscal_year is None and len(half.months()) == 6 and half.label("ja") == "2025年10月〜2026年3月"
    assert half.holds(date(2026, 3, 31)) and not half.holds(date(2026, 4, 1))
    with pytest.raises(Exception) as bad:
        Period.months_between(date(2026, 3, 1), date(2025, 4, 1))
    assert bad.value.key == "report.error.bad_range"
    assert parse_sections(None) == report.SECTIONS
    assert parse_sections(["kpi_cards,cover", "summary"]) == ("cover", "summary", "kpi_cards")  # report order
    with pytest.raises(Exception) as bad:
        parse_sections(["cover", "charts"])
    assert bad.value.key == "report.error.unknown_section" and "charts" in bad.value.message("ja")
    assert display(0.4567, "0.0%") == "45.7%" and display(1234.5, "#,##0") == "1,234"
    assert display(-1.25, "+0.00;-0.00;0.00") == "-1.25" and display(date(2026, 4, 1)) == "2026/04/01"


# PowerPoint -----------------------------------------------------------------------------------

def test_demo_deck_has_every_section_native_charts_and_the_cli_numbers(engine, demo_org, demo_period, tmp_path,
                                                                        capsys):
    path, out = make(capsys, tmp_path, "pptx")
    assert out["period"] == demo_period.label("ja") and out["from"] == f"{demo_period.start:%Y-%m}"
    prs = Presentation(path)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    cover = texts(slides[0])
    assert demo.DEMO_NAME in cover and demo_period.label("ja") in cover
    labels = {texts(s)[0] for s in slides[1:]}  # every slide but the cover names its section first
    for sid in report.SECTIONS[1:]:
        assert t(f"report.section.{sid}", "ja") in labels, sid

    # native charts with their data, no pictures
    found = charts(prs)
    assert len(found) >= 15
    assert not [s for slide in slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    for _, chart in found:
        assert chart.part.partname.startswith("/ppt/charts/chart")
        assert chart.part.chart_workbook.xlsx_part is not None  # the data travels with the chart

    # KPI trends: the same numbers as `python -m dxcore kpis` for the period
    cat = repo_kpi.catalogue_for(engine, demo_org.id)
    names = {k.name["ja"]: k.id for k in cat.kpis}
    cli = cli_kpis(capsys, demo.DEMO_NAME, demo_period)
    months = [month_key(m) for m in demo_period.months()]
    trends = [c for _, c in found if c.chart_type is not None and next(iter(series(c))) in names
              and categories(c) == months]
    assert {names[next(iter(series(c)))] for c in trends} >= {"online_rate", "time_reduction_rate",
                                                             "resident_satisfaction_top2"}
    for c in trends:
        name, values = next(iter(series(c).items()))
        for month, value in zip(months, values):
            expected = cli.get((month, names[name]))
            assert (value is None) == (expected is None), (name, month)
            if expected is not None:
                assert value == pytest.approx(expected, abs=1e-9), (name, month)
        assert "再起動プランの出来事" in series(c)  # the plan's events are marked

    # DX health: the same numbers as `python -m dxcore history`
    history = [r for r in cli_history(capsys, demo.DEMO_NAME) if r["date"][:10] <= f"{demo_period.last_day}"]
    health = next(c for _, c in found if list(series(c)) == ["DX健全度"])
    assert list(series(health)["DX健全度"]) == pytest.approx([r["overall"] for r in history])
    radar = next(c for _, c in found if any(k.startswith("今回") for k in series(c)) and len(categories(c)) == 7)
    latest, previous = history[-1], history[-2]
    by_name = series(radar)
    now = next(v for k, v in by_name.items() if k.startswith("今回"))
    before = next(v for k, v in by_name.items() if k.startswith("前回"))
    assert list(now) == pytest.approx([latest[f"P{i}"] for i in range(1, 8)])
    assert list(before) == pytest.approx([previous[f"P{i}"] for i in range(1, 8)])
    assert categories(radar)[0].startswith("P1 ")  # patterns by name

    # the summary: the same numbers, in Japanese
    summary = texts(slides[1])
    text = "\n".join(summary)
    assert f"DX健全度は {latest['overall']:.1f}" in text
    assert f"{latest['overall'] - previous['overall']:+.1f} ポイント" in text
    years = year_values(engine, demo_org, demo_period)
    fy = demo_period.fiscal_year
    rate = years[(years.kpi == "time_reduction_rate")].set_index("fiscal_year")["value"]
    assert f"業務時間削減率は{fy}年度" in text
    assert kpi.format_value(rate[fy], "ratio") in text
    assert kpi.format_delta(rate[fy] - rate[fy - 1], "ratio") in text
    assert 3 <= sum(s.startswith("・") for s in summary[-2].split("\n")) <= 5

    # KPI cards: the 年度 values, large
    card_texts = [x for slide in slides for x in texts(slide)]
    online = years[(years.kpi == "online_rate") & (years.fiscal_year == fy)]["value"].iloc[0]
    assert kpi.format_value(online, "ratio") in card_texts

    # the workshop: the executive / front-line gap as the projector computes it
    shop = repo_workshop.list_workshops(engine, demo_org.id)[0].workshop
    gap = repo_workshop.live(engine, shop.code).room.gaps[0]
    assert any(f"幹部 {gap.executive:.1f}/現場 {gap.frontline:.1f}" in x and shop.title in x for x in card_texts)

    # East Asian font on every run, in slides and charts
    xml = slides[1]._element
    eas = xml.findall(f".//{{{A}}}rPr/{{{A}}}ea")
    assert eas and all(e.get("typeface") == "Meiryo" for e in eas)
    chart_xml = found[0][1]._chartSpace
    assert chart_xml.findall(f".//{{{A}}}defRPr/{{{A}}}ea")


def test_sections_can_be_chosen_and_a_period_of_months(engine, demo_org, demo_period, tmp_path, capsys):
    start, end = demo_period.start, kpi.add_months(demo_period.start, 2)
    path, out = make(capsys, tmp_path, "pptx", "--from", f"{start:%Y-%m}", "--to", f"{end:%Y-%m}",
                     "--sections", "kpi_trends", "cover")
    assert out["sections"] == ["cover", "kpi_trends"]
    prs = Presentation(path)
    labels = {texts(s)[0] for s in list(prs.slides)[1:]}
    assert labels == {t("report.section.kpi_trends", "ja")}
    period = Period.months_between(start, end)
    cli = cli_kpis(capsys, demo.DEMO_NAME, period)
    months = [month_key(m) for m in period.months()]
    for _, c in charts(prs):
        assert categories(c) == months
    online = next(c for _, c in charts(prs) if next(iter(series(c))) == "電子申請利用率")
    assert list(series(online)["電子申請利用率"]) == pytest.approx([cli[(m, "online_rate")] for m in months])


# Excel ----------------------------------------------------------------------------------------

def cell_values(ws, ref: str) -> list:
    """The values of a chart reference like 'Sheet'!$B$5:$B$16."""
    area = ref.split("!")[1].replace("$", "")
    return [c.value for row in ws[area] for c in (row if isinstance(row, tuple) else (row,))]


def assert_no_formulas(wb) -> None:
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                assert not (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)), (ws.title, c.value)


def test_demo_workbook_has_a_sheet_per_section_native_charts_and_their_data(engine, demo_org, demo_period,
                                                                            tmp_path, capsys):
    path, _ = make(capsys, tmp_path, "xlsx")
    wb = load_workbook(path)
    summary = wb.worksheets[0]
    assert summary.title == "概要" and demo.DEMO_NAME in summary["A1"].value
    for sid in report.SECTIONS[2:]:
        assert any(ws.title.startswith(t(f"report.section.{sid}", "ja")[:28]) for ws in wb.worksheets), sid
    sentences = [summary.cell(r, 2).value for r in range(1, 40) if isinstance(summary.cell(r, 1).value, int)]
    assert 3 <= len(sentences) <= 5 and any("DX健全度" in s for s in sentences)
    assert_no_formulas(wb)

    trends = wb[t("report.section.kpi_trends", "ja")]
    assert len(trends._charts) >= 5
    cli = cli_kpis(capsys, demo.DEMO_NAME, demo_period)
    names = {k.name["ja"]: k.id for k in repo_kpi.catalogue_for(engine, demo_org.id).kpis}
    checked = 0
    for chart in trends._charts:
        first = chart.series[0]
        name = trends[first.tx.strRef.f.split("!")[1].replace("$", "")].value
        months = cell_values(trends, first.cat.strRef.f)
        values = cell_values(trends, first.val.numRef.f)
        assert months == [month_key(m) for m in demo_period.months()]
        for m, v in zip(months, values):
            assert v == (pytest.approx(cli[(m, names[name])]) if (m, names[name]) in cli else None), (name, m)
        checked += 1
    assert checked == len(trends._charts)

    health = wb[t("report.section.health", "ja")]
    assert {type(c).__name__ for c in health._charts} == {"LineChart", "RadarChart", "BarChart"}
    line = next(c for c in health._charts if type(c).__name__ == "LineChart")
    history = [r for r in cli_history(capsys, demo.DEMO_NAME) if r["date"][:10] <= f"{demo_period.last_day}"]
    assert cell_values(health, line.series[0].val.numRef.f) == pytest.approx([r["overall"] for r in history])

    cards = wb[t("report.section.kpi_cards", "ja")]
    years = year_values(engine, demo_org, demo_period)
    row = next(r for r in cards.iter_rows(values_only=True) if r[0] == "電子申請利用率")
    expected = years[(years.kpi == "online_rate") & (years.fiscal_year == demo_period.fiscal_year)]["value"]
    assert row[3] == pytest.approx(expected.iloc[0])
    assert any(c.number_format == "0.0%" for r in cards.iter_rows() for c in r if c.value == row[3])

    # departments: as the dashboard's comparison computes them (kpi.by_department)
    values = repo_kpi.load_values(engine, demo_org.id)
    _, per_year = kpi.by_department(values[values["month"] <= pd.Timestamp(demo_period.end)], "online_rate",
                                    repo_kpi.catalogue_for(engine, demo_org.id), repo_kpi.settings(engine, demo_org.id))
    expected = per_year[per_year.fiscal_year == demo_period.fiscal_year].set_index("department")["value"]
    depts = wb[t("report.section.departments", "ja")]
    rows = list(depts.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("電子申請利用率"))
    table = {r[0]: r[2] for r in rows[start + 2:start + 2 + len(expected)]}
    assert table == pytest.approx(expected.to_dict())

    raw = wb[t("report.section.definitions", "ja")]
    values = repo_kpi.load_values(engine, demo_org.id)
    in_period = values[(values.month >= pd.Timestamp(demo_period.start))
                       & (values.month <= pd.Timestamp(demo_period.end))]
    header = next(i for i, r in enumerate(raw.iter_rows(values_only=True), 1) if r[:2] == ("年月", "部署"))
    rows = [r for r in raw.iter_rows(min_row=header + 1, values_only=True) if r[0] and r[4] is not None]
    assert 0 < len(rows) <= len(in_period)


# organisations without data, hostile names, errors -----------------------------------------------

def test_an_organisation_with_one_diagnosis_gets_explanations_not_empty_charts(engine, tmp_path, capsys):
    org = repo.create_org(engine, "=1+2 村")  # a name a spreadsheet would run as a formula
    repo.save_diagnosis(engine, org.id, demo.answers_for((60, 50, 40, 30, 70, 55, 45), "pulse", 1), "executive",
                        question_set="pulse")
    pptx_path, out = make(capsys, tmp_path, "pptx", org=org.name)
    prs = Presentation(pptx_path)
    by_section: dict[str, list] = {}
    for slide in list(prs.slides)[1:]:
        by_section.setdefault(texts(slide)[0], []).append(slide)
    for sid, why in (("kpi_cards", "月次KPIデータがありません"), ("kpi_trends", "月次KPIデータがありません"),
                     ("departments", "月次KPIデータがありません"), ("workshops", "ワークショップはありません"),
                     ("plan", "再起動プランの記録がまだありません")):
        slides = by_section[t(f"report.section.{sid}", "ja")]
        assert len(slides) == 1 and any(why in x for x in texts(slides[0])), sid
        assert not [s for s in slides[0].shapes if s.has_chart], sid
    assert [c for _, c in charts(prs)]  # the diagnosis still has its charts
    assert len(out["summary"]) >= 1

    xlsx_path, _ = make(capsys, tmp_path, "xlsx", org=org.name)
    wb = load_workbook(xlsx_path)
    assert_no_formulas(wb)
    assert wb["概要"]["B3"].value == "'=1+2 村"
    sheet = wb[t("report.section.kpi_cards", "ja")]
    assert not sheet._charts and "月次KPIデータがありません" in sheet["A3"].value


def test_unknown_organisation_empty_period_and_unknown_section_exit_2_with_one_sentence(engine, demo_org,
                                                                                        tmp_path, capsys):
    out = str(tmp_path / "r.pptx")
    for args, words in ((["--org", "存在しない町"], "見つかりません"),
                        (["--org", demo.DEMO_NAME, "--fy", "2015"], "データ"),
                        (["--org", demo.DEMO_NAME, "--sections", "cover", "graphs"], "graphs"),
                        (["--org", demo.DEMO_NAME, "--from", "2026-09", "--to", "2026-04"], "入れ替えて"),
                        (["--org", demo.DEMO_NAME, "--from", "2026-09"], "--to")):
        code, data, err = run(capsys, "report", "--format", "pptx", "-o", out, *args)
        assert code == 2 and data is None, args
        assert words in err and err.count("\n") == 1 and "Traceback" not in err, err
        assert not Path(out).exists()


def test_english_report(engine, demo_org, demo_period):
    inputs = gather.inputs(engine, demo_org, "en")
    built = report.build(inputs, demo_period, lang="en")
    assert built.summary and built.summary[0].startswith("The latest diagnosis")
    assert built.section("kpi_trends").title == "KPI trends"
    data = report.render(built, "pptx")
    titles = {texts(s)[0] for s in list(Presentation(io.BytesIO(data)).slides)[1:]}
    assert "Restart plan" in titles


def test_an_organisations_own_kpi_flows_into_every_kpi_section_and_wareki(engine, tmp_path, capsys):
    """The report is built from the catalogue: a KPI it does not know by name (here the
    organisation's own; new catalogue KPIs likewise) gets its card, trend, comparison and definition."""
    org = repo.create_org(engine, "試験町")
    own = repo_kpi.add_custom_kpi(engine, org.id, "窓口待ち時間", "分", "lower", "mean")
    rows = ["年月,部署,処理件数,処理時間(時間),窓口待ち時間"] + [
        f"2025-{m:02d},{dept},{100 + m},{50 + m},{wait}" for m in range(4, 10)
        for dept, wait in (("市民課", 20 - m), ("税務課", 12))]
    cat = repo_kpi.catalogue_for(engine, org.id)
    parsed = sheets.parse("\n".join(rows).encode("utf-8"), "own.csv", cat)
    assert not parsed.problems, parsed.problems
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, parsed))

    path, out = make(capsys, tmp_path, "xlsx", "--fy", "2025", "--wareki", org=org.name)
    assert out["period"] == Period.fiscal(2025).label("ja", wareki=True) == "令和7年度"
    wb = load_workbook(path)
    for sid in ("kpi_cards", "kpi_trends", "departments", "definitions"):
        sheet = wb[t(f"report.section.{sid}", "ja")]
        assert any(c.value == "窓口待ち時間" or (isinstance(c.value, str) and c.value.startswith("窓口待ち時間"))
                   for r in sheet.iter_rows() for c in r), sid
    cli = cli_kpis(capsys, org.name, Period.fiscal(2025))
    trends = wb[t("report.section.kpi_trends", "ja")]
    chart = next(c for c in trends._charts
                 if trends[c.series[0].tx.strRef.f.split("!")[1].replace("$", "")].value == "窓口待ち時間")
    values = cell_values(trends, chart.series[0].val.numRef.f)
    months = cell_values(trends, chart.series[0].cat.strRef.f)
    assert [v for v in values if v is not None] == pytest.approx(
        [cli[(m, own.key)] for m in months if (m, own.key) in cli])


def test_nothing_on_a_slide_runs_into_its_footer_or_off_the_slide(engine, demo_org, demo_period, tmp_path, capsys):
    """A KPI's formula under its trend takes three lines at 9 pt: it must push the chart up,
    not write over the organisation and the slide's number."""
    from dxcore.report.slides import FOOTER_TOP, _note_height

    path, _ = make(capsys, tmp_path, "pptx")
    prs = Presentation(path)
    tall_notes = 0
    for n, slide in enumerate(list(prs.slides)[1:], start=2):
        footer = [s for s in slide.shapes if s.top == FOOTER_TOP]
        assert len(footer) == 2, (n, texts(slide))  # the organisation and period, the slide's number
        for shape in slide.shapes:
            if shape.top == FOOTER_TOP:
                continue
            assert shape.top + shape.height <= FOOTER_TOP, (n, shape.shape_type, shape.has_text_frame
                                                           and shape.text_frame.text[:40])
            assert shape.left + shape.width <= prs.slide_width and shape.left >= 0, n
        notes = [s for s in slide.shapes if s.has_text_frame and s.top + s.height == FOOTER_TOP]
        tall_notes += any(s.height > _note_height("x") for s in notes)
    assert tall_notes >= 1  # the demo has formulas that wrap (the case this test is for)
