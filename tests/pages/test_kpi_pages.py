"""KPI pages in AppTest: the empty start, upload → preview → confirm → dashboard, a file
with errors, a re-upload that overwrites and its undo, targets, English."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dxcore import demo, sheets
from dxcore.exports import XLSX_MIME
from dxcore.store import repo, repo_kpi
from dxcore.template import template_bytes
from tests.pages.apptest import app, texts

ROOT = Path(__file__).resolve().parents[2]


def book(rows) -> bytes:
    wb = load_workbook(io.BytesIO(template_bytes()))
    ws = wb["月次データ"]
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, XLSX_MIME))
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


APRIL = ["2025-04", "市民課", None, 100, 50, 10, 40]
MAY = ["2025-05", "市民課", None, 120, 48, 20, 50]


def test_an_organisation_without_data_is_shown_how_to_start(engine):
    repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception and at.title[0].value == "KPIダッシュボード"
    assert "まだ月次データがありません" in texts(at) and "テンプレート" in texts(at)
    assert at.get("download_button") and not at.get("vega_lite_chart") and not at.error


def test_upload_preview_confirm_and_the_dashboard_shows_the_new_month(engine):
    org = repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "5月分.xlsx", book([APRIL, MAY]))
    assert not at.exception, at.exception
    m = metrics(at)
    assert (m["読み込んだ行"], m["新しい値"], m["変わる値"], m["誤り"]) == ("2", "8", "0", "0")
    assert repo_kpi.count_values(engine, org.id) == 0  # the preview wrote nothing
    at.button(key="kpi_confirm").click().run()
    assert not at.exception, at.exception
    assert repo_kpi.count_values(engine, org.id) == 8
    assert at.title[0].value == "KPIダッシュボード"
    assert "取り込みました" in texts(at) and "2025年5月" in texts(at)
    cards = metrics(at)
    assert cards["電子申請利用率"] == "40.0%" and cards["1件あたり処理時間"] == "0.40 時間"
    trend = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert trend["layer"][0]["mark"]["type"] == "line"


def test_a_file_with_errors_lists_them_and_cannot_be_imported(engine):
    org = repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "bad.xlsx", book([APRIL, ["2025-05", "", None, -1]]))
    assert not at.exception
    assert metrics(at)["誤り"] == "2" and "2 か所に誤りがあります" in texts(at)
    table = at.dataframe[0].value  # the problem list comes first (dataframes carry no key here)
    assert table["行"].tolist() == [3, 3] and "部署が空です" in table.iloc[0, 4]
    assert not [b for b in at.button if b.key == "kpi_confirm"]
    assert repo_kpi.count_values(engine, org.id) == 0


def test_re_upload_shows_the_changes_overwrites_after_confirm_and_undo_restores(engine):
    org = repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "4月.xlsx", book([APRIL]))
    at.button(key="kpi_confirm").click().run()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "4月修正.xlsx", book([["2025-04", "市民課", None, 110, 50, 10, 40]]))
    assert metrics(at)["変わる値"] == "1" and "上書きされます" in texts(at)
    changes = at.dataframe[0].value
    assert changes[["変更前", "変更後"]].values.tolist() == [[100.0, 110.0]]
    assert repo_kpi.load_values(engine, org.id).query("measure == 'cases'")["value"].tolist() == [100.0]
    at.button(key="kpi_confirm").click().run()
    assert repo_kpi.load_values(engine, org.id).query("measure == 'cases'")["value"].tolist() == [110.0]

    at.switch_page("pages/kpi-upload.py").run()
    assert len(at.dataframe[0].value) == 2  # the upload history
    at.button(key="kpi_undo").click().run()  # the newest upload is chosen first
    assert repo_kpi.load_values(engine, org.id).query("measure == 'cases'")["value"].tolist() == [110.0]
    at.button(key="kpi_undo_yes").click().run()
    assert not at.exception
    assert repo_kpi.load_values(engine, org.id).query("measure == 'cases'")["value"].tolist() == [100.0]
    assert "元の値に戻しました" in texts(at)


def test_the_same_file_again_says_nothing_changes(engine):
    repo.create_org(engine, "テスト町")
    data = book([APRIL])
    at = app()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "4月.xlsx", data)
    at.button(key="kpi_confirm").click().run()
    at.switch_page("pages/kpi-upload.py").run()
    upload(at, "4月.xlsx", data)
    assert "取り込み済み" in texts(at) and not [b for b in at.button if b.key == "kpi_confirm"]


def test_demo_dashboard_cards_tabs_downloads_and_department_filter(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception, at.exception
    assert len(at.metric) == 8 and len(at.get("vega_lite_chart")) == 3
    summary = at.dataframe[0].value
    assert set(summary["年度"]) == {f"{fy}年度" for fy in {k[1] for k in repo_kpi.targets(engine, org.id)}}
    dl = {b.proto.label for b in at.get("download_button")}
    assert {"CSVをダウンロード", "Excelをダウンロード"} <= dl
    at.selectbox(key="kpi_department-ja").set_value("税務課").run()
    assert not at.exception
    at.selectbox(key="kpi_chosen-ja").set_value("time_per_case").run()
    trend = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert trend["title"] == "1件あたり処理時間"
    at.toggle(key="kpi_wareki").set_value(True).run()
    assert "令和" in texts(at)


def test_settings_save_targets_and_own_kpi(engine):
    org = repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/kpi-settings.py").run()
    assert not at.exception
    at.text_input[0].input("窓口待ち時間")
    at.text_input[1].input("分")
    next(b for b in at.button if b.label == "追加する").click().run()
    assert not at.exception
    assert [c.name for c in repo_kpi.custom_kpis(engine, org.id)] == ["窓口待ち時間"]
    assert "「窓口待ち時間」を追加しました" in texts(at)
    at.text_input[0].input("処理件数")  # a template column already
    next(b for b in at.button if b.label == "追加する").click().run()
    assert "すでにある列名" in texts(at) and len(repo_kpi.custom_kpis(engine, org.id)) == 1
    at.number_input[0].set_value(4200.0)
    next(b for b in at.button if b.label == "保存").click().run()
    assert repo_kpi.settings(engine, org.id).hourly_rate == 4200.0


def test_pages_in_english(engine):
    demo.load_demo(engine)
    at = app()
    at.switch_page("pages/kpi.py").run()
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "KPI dashboard" and "Online application rate" in metrics(at)
    at.switch_page("pages/kpi-upload.py").run()
    assert at.title[0].value == "Upload monthly data" and not at.exception


def test_data_that_feeds_no_kpi_yet_gets_a_pointer_not_an_error(engine):
    org = repo.create_org(engine, "テスト町")
    wb = load_workbook(io.BytesIO(template_bytes()))
    ws = wb["月次データ"]
    header = [c.value for c in ws[1]]
    ws.append(["2025-04", "市民課"] + [None] * (header.index("来庁者数") - 2) + [500])
    out = io.BytesIO()
    wb.save(out)
    p = sheets.parse(out.getvalue(), "visitors.xlsx")
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, p))
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception and "まだどのKPIも計算できません" in texts(at)
