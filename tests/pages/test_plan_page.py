"""再起動プラン in AppTest: status changes persist and show in 'recent changes', details
are edited field by field, own items, archive, milestones (annotations), exports, ホーム."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dxcore import demo, plan
from dxcore.content import load
from dxcore.store import annotations, repo, repo_plan
from dxcore.text import escape_md, shown_as
from tests.pages.apptest import texts

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/plan.py"
C = load()
ALL = sum(len(s.items) for s in C.steps)


def open_plan(lang: str = "ja") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.session_state["lang"] = lang
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def status(at: AppTest, item_id: str, lang: str = "ja"):
    return at.segmented_control(key=f"plan_status_{item_id}-{lang}")


def recent(at: AppTest):
    """最近の変更 as shown (a static table, so long changes wrap), user text unescaped."""
    return at.table[0].value.map(lambda v: shown_as(str(v)))


@pytest.fixture
def org(engine):
    return repo.create_org(engine, "テスト町")


def test_without_a_diagnosis_every_step_is_listed_and_a_diagnosis_is_suggested(engine, org):
    at = open_plan()
    assert at.title[0].value == "再起動プラン"
    assert "まだ診断がありません" in texts(at)
    assert any(link.proto.page == "diagnose" for link in at.get("page_link"))
    assert len(at.segmented_control) == ALL
    assert [e.label.split()[0].strip("*") for e in at.expander][:7] == [s.id for s in C.steps]
    assert not any("優先" in e.label for e in at.expander)
    assert at.metric[0].value == "0%"


def test_a_status_change_persists_and_shows_in_recent_changes(engine, org):
    at = open_plan()
    at.selectbox(key="plan_role-ja").set_value("frontline").run()
    status(at, "S3-3").set_value("done").run()
    assert not at.exception, at.exception
    stored = repo_plan.load_plan(engine, org.id).item("S3-3")
    assert stored.status == "done" and stored.completed_on == plan.local_today()
    first = recent(at).iloc[0]
    assert first["対象"] == "S3-3 RPAで定型入力業務を自動化する" and first["立場"] == "現場職員"
    assert first["変更内容"].startswith("状態: 未着手 → 完了、完了日:")
    assert repo_plan.list_events(engine, org.id)[0].role == "frontline"
    assert status(at, "S3-3").value == "done" and at.metric[0].value == f"{1 / ALL:.0%}"
    again = open_plan()  # a new session sees the stored state
    assert status(again, "S3-3").value == "done"
    assert "S3-3" in recent(again).iloc[0]["対象"]


def test_a_status_shown_before_someone_else_changed_it_is_not_overwritten(engine, org):
    at = open_plan()
    repo_plan.update_item(engine, org.id, "S2-1", {"status": "done"})  # another session, meanwhile
    status(at, "S2-1").set_value("doing").run()
    assert "別の人" in texts(at)
    assert repo_plan.load_plan(engine, org.id).item("S2-1").status == "done"
    assert status(at, "S2-1").value == "done"  # the screen now shows what is stored


def test_editing_details_saves_only_the_changed_fields(engine, org):
    at = open_plan()
    at.button(key="plan_edit_S1-1").click().run()
    at.text_input(key="plan_f_owner_S1-1").input("情報政策課 佐藤")
    at.date_input(key="plan_f_due_S1-1").set_value(date(2027, 3, 31))
    at.text_area(key="plan_f_note_S1-1").input("=課ごとの一覧")
    at.button(key="FormSubmitter:plan_form_S1-1-保存する").click().run()
    assert not at.exception, at.exception
    item = repo_plan.load_plan(engine, org.id).item("S1-1")
    assert (item.status, item.owner, item.due) == ("todo", "情報政策課 佐藤", date(2027, 3, 31))
    assert item.note == "=課ごとの一覧"
    assert {e.field for e in repo_plan.list_events(engine, org.id)} == {"owner", "due", "note"}
    assert "S1-1 を保存しました" in texts(at)
    assert "担当: 情報政策課 佐藤" in texts(at)


def test_a_completion_date_without_done_is_refused_and_nothing_is_stored(engine, org):
    at = open_plan()
    at.button(key="plan_edit_S1-2").click().run()
    at.date_input(key="plan_f_done_S1-2").set_value(date(2026, 6, 1))
    at.button(key="FormSubmitter:plan_form_S1-2-保存する").click().run()
    assert "完了日を入れるのは" in texts(at)
    assert repo_plan.list_items(engine, org.id) == [] and repo_plan.count_events(engine, org.id) == 0


def test_own_item_added_archived_and_brought_back(engine, org):
    at = open_plan()
    at.selectbox(key="plan_add_step-ja").set_value("S3")
    at.text_input(key="plan_add_text").input("窓口の受付票をオンライン予約に切り替える")
    at.button(key="FormSubmitter:plan_add-追加する").click().run()
    assert "S3-C1 を追加しました" in texts(at)
    assert status(at, "S3-C1").value == "todo"
    at.button(key="plan_edit_S3-C1").click().run()
    at.button(key="plan_archive_S3-C1").click().run()
    assert "アーカイブしました" in texts(at)
    assert not [w for w in at.segmented_control if w.key == "plan_status_S3-C1-ja"]
    assert any(e.label == "アーカイブした項目(1)" for e in at.expander)
    at.button(key="plan_restore_S3-C1").click().run()
    assert status(at, "S3-C1").value == "todo"
    fields = [e.field for e in reversed(repo_plan.list_events(engine, org.id))]
    assert fields == ["added", "archived", "archived"]


def test_a_milestone_added_by_hand_becomes_a_kpi_chart_annotation(engine, org):
    at = open_plan()
    at.date_input(key="plan_ms_date").set_value(date(2026, 4, 1))
    at.text_input(key="plan_ms_label").input("電子申請の受付開始")
    at.button(key="FormSubmitter:plan_milestone-マイルストーンを追加").click().run()
    assert not at.exception, at.exception
    assert annotations.for_org(engine, org.id) == [annotations.Annotation(date(2026, 4, 1), "電子申請の受付開始",
                                                                          "milestone")]
    assert "2026/04/01 電子申請の受付開始" in texts(at)
    assert recent(at).iloc[0]["対象"] == "マイルストーン"
    milestone = repo_plan.list_milestones(engine, org.id)[0]
    at.button(key=f"plan_ms_archive_{milestone.id}").click().run()
    assert annotations.for_org(engine, org.id) == []
    at.text_input(key="plan_ms_label").input("")
    at.button(key="FormSubmitter:plan_milestone-マイルストーンを追加").click().run()
    assert "マイルストーンの内容を入力してください" in texts(at)


@pytest.fixture
def downloads(monkeypatch):
    """What the download buttons would serve: (file name, mime type, bytes)."""
    served = []
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        served.append((file_name, mimetype, path_or_data))
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return served


def test_exports_download_one_row_per_item(engine, downloads):
    org = demo.load_demo(engine)
    at = open_plan()
    at.download_button(key="plan_dl_csv").click().run()
    at.download_button(key="plan_dl_xlsx").click().run()
    assert not at.exception, at.exception
    files = {name: data for name, _, data in downloads}
    table = list(csv.reader(io.StringIO(files["restart_plan.csv"].decode("utf-8-sig"))))
    assert files["restart_plan.csv"].startswith(b"\xef\xbb\xbf")
    assert table[0] == ["ステップ", "ステップ名", "項目ID", "チェック項目", "状態", "担当", "期限", "メモ", "完了日",
                        "優先順"]
    active = repo_plan.load_plan(engine, org.id).items
    assert len(table) == 1 + len(active)
    rpa = next(r for r in table if r[2] == "S3-3")
    assert rpa[4] == "完了" and rpa[8]
    sheet = load_workbook(io.BytesIO(files["restart_plan.xlsx"]))["再起動プラン"]
    assert sheet.max_row == 1 + len(active) and sheet["C1"].value == "項目ID"


def test_the_demo_plan_shows_priorities_overdue_items_and_history(engine):
    org = demo.load_demo(engine)
    at = open_plan()
    steps = [e for e in at.expander if e.label.startswith("**S")]
    # a ranking of three, not 「優先」 on most steps: S1 (S1-2 and S1-4 are open) leads, as the article
    # says, then S2, then the first step of the riskiest pattern
    ranked = [e.label for e in steps if "優先順位" in e.label]
    third = repo_plan.load_plan(engine, org.id).advice.items[0].steps[0]
    assert [label.split()[0].strip("*") for label in ranked] == ["S1", "S2", third]
    assert [label[label.index("優先順位"):].split("]")[0] for label in ranked] == ["優先順位 1", "優先順位 2", "優先順位 3"]
    # only the current step is open
    assert [e.label.split()[0].strip("*") for e in steps if e.proto.expanded] == ["S1"]
    assert at.metric[2].label == "期限切れ" and at.metric[2].value == "2"
    overdue = "\n".join(m.value for m in at.get("markdown") if "期限" in str(m.value))
    assert "S3-2" in overdue and "S5-4" in overdue
    assert "取り組む順番の上位3つに印をつけています: S1" in texts(at)
    assert len(at.table[0].value) == repo_plan.RECENT
    assert "RPAで定型入力業務を自動化する" in texts(at)


def test_english(engine, org):
    at = open_plan("en")
    assert at.title[0].value == "Restart plan"
    assert status(at, "S1-1", "en").options == ["Not started", "In progress", "Done"]
    status(at, "S1-1", "en").set_value("doing")
    at.session_state["lang"] = "en"  # AppTest drops the sidebar's language radio after switch_page
    at.run()
    assert repo_plan.load_plan(engine, org.id).item("S1-1").status == "doing"
    assert recent(at).iloc[0]["Change"] == "Status: Not started → In progress"


def test_home_shows_overdue_items_beside_the_top_risks(engine):
    demo.load_demo(engine)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    home = texts(at)
    assert "いま注意すべき失敗パターン" in home and "期限を過ぎたチェック項目" in home
    assert "S3-2" in home and "S5-4" in home
    assert any(link.proto.page == "plan" for link in at.get("page_link"))


def test_user_text_is_shown_as_written_not_as_markup(engine, org):
    repo_plan.add_item(engine, org.id, "S2", "**至急** [資料](http://x) :red[赤字]")
    repo_plan.update_item(engine, org.id, "S2-C1", {"owner": "_企画課_", "due": "2020-01-01"})
    at = open_plan()
    shown = [str(m.value) for m in at.get("markdown")]
    assert any(escape_md("**至急** [資料](http://x) :red[赤字]") in s for s in shown)
    assert any(escape_md("_企画課_") in s for s in shown)  # in the overdue list and under the item
    assert not any("**至急**" in s for s in shown)


def test_the_three_habits_are_named_and_their_items_marked(engine, org):
    at = open_plan()
    assert "成功している自治体の3つの習慣" in [h.value for h in at.header]
    page = texts(at)
    for name in ("小さく始める", "成果を共有する", "人を育てる"):
        assert name in page
    row = next(m.value for m in at.get("markdown") if str(m.value).startswith("**S4\\-5**")
               or str(m.value).startswith("**S4-5**"))
    assert ":blue-badge[小さく始める]" in row and ":blue-badge[成果を共有する]" in row


def test_generative_ai_waits_for_its_rules(engine, org):
    at = open_plan()
    assert "先に S5-4、S5-7 を済ませましょう。" in texts(at)  # under S5-3
    for item in ("S5-4", "S5-7"):
        repo_plan.update_item(engine, org.id, item, {"status": "done"})
    assert "を済ませましょう" not in texts(open_plan())


def test_without_a_diagnosis_the_first_unfinished_step_is_open(engine, org):
    at = open_plan()
    steps = [e for e in at.expander if e.label.startswith("**S")]
    assert [e.label.split()[0].strip("*") for e in steps if e.proto.expanded] == ["S1"]
    assert [h.value for h in at.header][:2] == ["7つの再起動ステップ", "成功している自治体の3つの習慣"]
