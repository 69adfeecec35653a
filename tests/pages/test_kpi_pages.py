"""KPI pages in AppTest: the empty start, upload → preview → confirm → dashboard, a file
with errors, a re-upload that overwrites and its undo, targets, English."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dxcore import demo, kpi, sheets
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
    assert cards["電子申請利用率"] == "40.0%"
    assert cards["業務時間削減率"] == "—"  # two months: no process has a baseline yet, and it says so (not 0 %)
    assert "基準値がまだありません" in texts(at)
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


def card_captions(at: AppTest) -> dict[str, str]:
    """{KPI id: the lines under its card's number}."""
    out = {}
    for node in at.get_by_key("kpi_cards"):
        key = getattr(node, "key", None) or ""
        if key.startswith("kpi_card_") and hasattr(node, "children"):
            out[key.removeprefix("kpi_card_")] = "\n".join(
                str(n.value) for n in node if getattr(n, "type", "") == "caption")
    return out


def test_demo_dashboard_cards_tabs_downloads_and_department_filter(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception, at.exception
    headline = [k.id for k in kpi.catalogue().headline]
    assert len(at.metric) == len(headline) == 9 and len(at.get("vega_lite_chart")) == 3
    cards = metrics(at)
    assert cards["業務時間削減率"].endswith("%") and cards["削減時間の人件費換算額"].endswith("万円")
    captions = card_captions(at)
    latest = "2026年10月"  # the dashboard says the month once, above the cards …
    assert f"最新のデータ: **{latest}**" in texts(at)
    assert not any(latest in c for c in captions.values())  # … and no card repeats it
    assert "単価 3,852 円/時(自団体の人件費から)" in captions["staff_cost_equivalent"]
    assert "年度内に1回以上受講した職員 ÷ 職員数" in captions["training_rate"]
    assert "調査: 窓口アンケート\\(来庁者・毎月\\)" in captions["resident_satisfaction_top2"]
    assert "基準のない業務 1 件は除く" in captions["time_reduction_rate"]
    # a yen card's change is in the card's own scale (万円), never a mix with 円
    delta = next(m for m in at.metric if m.label == "削減時間の人件費換算額").proto.delta
    assert delta.endswith("万円")
    summary = at.dataframe[0].value
    assert set(summary["年度"]) == {f"{fy}年度" for fy in {k[1] for k in repo_kpi.targets(engine, org.id)}}
    assert "None" not in summary.to_string()
    dl = {b.proto.label for b in at.get("download_button")}
    assert {"CSVをダウンロード", "Excelをダウンロード"} <= dl
    at.selectbox(key="kpi_department-ja").set_value("総務課").run()
    assert not at.exception
    captions = card_captions(at)
    assert "**参考値**" in captions["resident_satisfaction_top2"]  # 総務課 has fewer than 30 responses
    at.selectbox(key="kpi_department-ja").set_value("税務課").run()
    at.selectbox(key="kpi_chosen-ja").set_value("time_per_case").run()
    trend = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert trend["title"] == "1件あたり処理時間"
    at.toggle(key="kpi_wareki").set_value(True).run()
    assert "令和" in texts(at)
    trend = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "令和" in trend["layer"][0]["encoding"]["x"]["axis"]["labelExpr"]  # the axis follows 和暦


def test_the_dashboard_follows_a_changed_setting_at_once(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/kpi.py").run()
    before = metrics(at)["削減時間の人件費換算額"]
    repo_kpi.save_settings(engine, org.id, hourly_rate=7704.0)  # twice the demo's 3,852 円
    at.run()
    after = metrics(at)["削減時間の人件費換算額"]
    assert float(after.split()[0]) == pytest.approx(2 * float(before.split()[0]), abs=0.11)
    assert "単価 7,704 円/時(設定値)" in card_captions(at)["staff_cost_equivalent"]


def test_settings_targets_rate_surveys_baselines_and_own_kpi(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/kpi-settings.py").run()
    assert not at.exception, at.exception
    # every KPI with a direction is in the targets editor, shown whole (no inner scroll)
    targets, baselines = at.dataframe  # the two editors
    assert targets.key.startswith("kpi_targets_") and baselines.key == "kpi_baselines_ja"
    assert targets.proto.placeholder == ""  # an empty target shows empty, never "None"
    aimed = [k for k in kpi.catalogue().kpis if k.has_direction]
    assert len(targets.value) == len(aimed) == len(kpi.catalogue().kpis) - 2
    assert "来庁者数、問い合わせ件数 は良し悪しの向きがない" in texts(at)
    # the rate: from the city's own pay figures, then entered directly
    assert "3,852 円/時" in texts(at)
    at.radio(key="kpi_rate_way-ja").set_value("direct").run()
    at.number_input(key="kpi_hourly_rate").set_value(4200.0)
    at.button(key="kpi_save_rate").click().run()
    assert repo_kpi.settings(engine, org.id).rate == 4200.0 and repo_kpi.settings(engine, org.id).rate_source == "direct"
    # survey names are data: shown as typed
    at.text_input[0].input("*市民*アンケート")
    next(b for b in at.button if b.label == "調査名を保存").click().run()
    assert repo_kpi.settings(engine, org.id).resident_survey == "*市民*アンケート"
    # baselines: the table says where each one comes from
    assert "2025年度の実績(自動)" in baselines.value["source"].tolist()
    assert "ここで設定" in baselines.value["source"].tolist()
    # own KPI
    at.text_input[2].input("ペーパーレス様式数")
    at.text_input[3].input("件")
    next(b for b in at.button if b.label == "追加する").click().run()
    assert not at.exception
    assert [c.name for c in repo_kpi.custom_kpis(engine, org.id)] == ["ペーパーレス様式数"]
    assert "「ペーパーレス様式数」を追加しました" in texts(at)
    at.text_input[2].input("処理件数")  # a template column already
    next(b for b in at.button if b.label == "追加する").click().run()
    assert "すでにある列名" in texts(at) and len(repo_kpi.custom_kpis(engine, org.id)) == 1


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
    ws.append(["2025-04", "市民課"] + [None] * (header.index("職員数") - 2) + [20])  # a denominator alone
    out = io.BytesIO()
    wb.save(out)
    p = sheets.parse(out.getvalue(), "staff.xlsx")
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, p))
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception and "まだどのKPIも計算できません" in texts(at)


def test_a_new_import_shows_at_once_although_the_numbers_are_kept_between_reruns(engine):
    org = repo.create_org(engine, "テスト町")
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, sheets.parse(book([APRIL]), "4月.xlsx")))
    at = app()
    at.switch_page("pages/kpi.py").run()
    assert "2025年4月" in texts(at)
    at.run()  # a rerun reuses the kept numbers …
    assert metrics(at)["電子申請利用率"] == "25.0%"
    repo_kpi.apply(engine, repo_kpi.preview(engine, org.id, sheets.parse(book([MAY]), "5月.xlsx")))
    at.run()  # … until the data changes: the new month is there at once
    assert "2025年5月" in texts(at) and metrics(at)["電子申請利用率"] == "40.0%"
