"""報告書 in AppTest: the period and sections, the summary sentences to check, the build with
its progress, and downloads whose bytes open in python-pptx and openpyxl."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pptx import Presentation

from dxcore import demo, report
from dxcore.i18n import t
from dxcore.report import gather
from dxcore.store import repo
from tests.pages.apptest import app, texts
from tests.pages.test_plan_page import downloads  # noqa: F401  (the fixture: what download buttons serve)


def open_report():
    at = app()
    at.switch_page("pages/report.py").run()
    assert not at.exception, at.exception
    return at


def test_demo_report_preview_build_and_downloads_that_open(engine, downloads):  # noqa: F811
    org = demo.load_demo(engine)
    inputs = gather.inputs(engine, org)
    period = report.default_period(inputs)
    at = open_report()
    assert at.title[0].value == "報告書(成果報告)"
    assert at.selectbox(key="report_year-ja").value == period.fiscal_year
    assert at.multiselect(key="report_sections-ja").value == list(report.SECTIONS)
    shown = texts(at)
    for sentence in report.summary(inputs, period):  # the preview is the report's own summary
        assert sentence in shown  # as it reads (texts() shows escaped user text as typed)
    assert "DX健全度" in shown and not at.get("download_button")

    at.multiselect(key="report_sections-ja").set_value(["cover", "summary", "kpi_cards"]).run()
    at.button(key="report_build").click().run()
    assert not at.exception, at.exception
    assert "できました" in "\n".join(str(p.proto.text) for p in at.get("progress"))
    at.download_button(key="report_dl_pptx").click().run()
    at.download_button(key="report_dl_xlsx").click().run()
    assert not at.exception, at.exception
    files = {name: data for name, _, data in downloads}
    deck = Presentation(io.BytesIO(files[f"report_FY{period.fiscal_year}.pptx"]))
    labels = {shape.text_frame.text for slide in list(deck.slides)[1:] for shape in list(slide.shapes)[:1]}
    assert labels == {t("report.section.summary", "ja"), t("report.section.kpi_cards", "ja")}
    book = load_workbook(io.BytesIO(files[f"report_FY{period.fiscal_year}.xlsx"]))
    assert book.sheetnames == ["概要", t("report.section.kpi_cards", "ja")]
    assert demo.DEMO_NAME in book["概要"]["A1"].value


def test_a_range_of_months_and_no_sections(engine):
    org = demo.load_demo(engine)
    _, months = report.choices(gather.inputs(engine, org))
    at = open_report()
    at.radio(key="report_kind-ja").set_value("months").run()
    at.selectbox(key="report_start-ja").set_value(months[2]).run()
    at.selectbox(key="report_end-ja").set_value(months[0]).run()
    assert not at.exception, at.exception
    assert f"{months[2].year}年{months[2].month}月〜{months[0].year}年{months[0].month}月" in texts(at)
    at.selectbox(key="report_start-ja").set_value(months[0]).run()
    at.selectbox(key="report_end-ja").set_value(months[2]).run()
    assert "入れ替えて" in texts(at)  # a range the wrong way round says so
    at.selectbox(key="report_end-ja").set_value(months[0]).run()
    at.multiselect(key="report_sections-ja").set_value([]).run()
    assert at.button(key="report_build").disabled and "1つ以上" in texts(at)


def test_an_organisation_without_data_is_told_so(engine):
    repo.create_org(engine, "[リンク](http://example.com) 町")
    at = open_report()
    assert not at.exception, at.exception
    assert "データ(診断・月次KPI" in texts(at) and not [b for b in at.button if b.key == "report_build"]
    assert "[リンク](http://example.com)" not in "\n".join(str(e.value) for e in at.info)  # the name is escaped
