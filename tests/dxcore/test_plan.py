"""The restart plan's pure logic: progress arithmetic, priority from the latest diagnosis,
overdue items, validation of a change, history in words, exports and the CLI's JSON."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from dxcore import plan
from dxcore.advice import advise
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.exports import csv_bytes, xlsx_bytes
from dxcore.i18n import catalogue
from dxcore.plan import Event, ItemState, Milestone
from dxcore.scoring import score
from dxcore.store.repo import DiagnosisRecord

C = load()
TODAY = date(2026, 11, 26)
ALL = sum(len(s.items) for s in C.steps)


def risky(*patterns: str) -> dict:
    """Answers giving the named patterns risk 100 and every other pattern risk 0."""
    out = {}
    for p in C.patterns:
        hot = p.id in patterns
        for q in p.questions:
            out[q.id] = (1 if q.reverse else 5) if hot else (5 if q.reverse else 1)
    return out


def record(i: int, answers: dict, days_ago: int) -> DiagnosisRecord:
    taken = datetime(2026, 11, 1, tzinfo=timezone.utc) - timedelta(days=days_ago)
    return DiagnosisRecord(i, 1, taken, "dx_office", "self", "full", 1, answers)


# progress ---------------------------------------------------------------------------

def test_an_untouched_plan_is_every_step_and_item_of_the_content_not_started():
    p = plan.build([])
    assert [s.id for s in p.steps] == [f"S{i}" for i in range(1, 8)]
    assert [i.id for i in p.step("S3").items] == [i.id for i in C.step_index["S3"].items]
    assert all(i.status == "todo" and not i.own for i in p.items)
    assert (p.progress.done, p.progress.total, p.progress.ratio) == (0, ALL, 0.0)
    assert p.item("S3-3").label("ja") == "RPAで定型入力業務を自動化する"
    assert p.advice is None and all(s.priority is None for s in p.steps)


def test_progress_per_step_and_overall_counts_active_items_once():
    states = [
        ItemState("S1-1", "S1", status="done", completed_on=TODAY),
        ItemState("S1-2", "S1", status="done", completed_on=TODAY),
        ItemState("S1-3", "S1", status="doing"),
        ItemState("S1-4", "S1", status="done", completed_on=TODAY, archived=True),  # archived: not counted
        ItemState("S1-C1", "S1", text="窓口の受付票を見直す", status="done", completed_on=TODAY),  # own: counted
        ItemState("S2-1", "S2", status="doing"),
    ]
    p = plan.build(states)
    s1 = p.step("S1").progress
    assert (s1.done, s1.doing, s1.todo, s1.total) == (3, 1, 2, 6)  # 6 - 1 archived + 1 own
    assert s1.ratio == pytest.approx(3 / 6)
    s2 = p.step("S2").progress
    assert (s2.done, s2.doing, s2.total, s2.ratio) == (0, 1, 6, 0.0)
    # overall is over items, not the mean of the steps' ratios
    assert (p.progress.done, p.progress.doing, p.progress.total) == (3, 2, ALL)
    assert p.progress.ratio == pytest.approx(3 / ALL)
    assert [i.id for i in p.step("S1").archived] == ["S1-4"]
    assert p.find("S1-4").archived and p.item("S1-C1").own and p.item("S1-C1").label("en") == "窓口の受付票を見直す"


def test_a_step_whose_items_are_all_archived_has_zero_progress_not_a_division_error():
    states = [ItemState(i.id, "S7", archived=True) for i in C.step_index["S7"].items]
    s7 = plan.build(states).step("S7")
    assert s7.items == () and (s7.progress.total, s7.progress.ratio) == (0, 0.0)


def test_own_items_follow_the_catalogue_in_number_order_and_removed_content_keeps_its_history():
    states = [ItemState("S3-C10", "S3", text="十"), ItemState("S3-C2", "S3", text="二"),
              ItemState("S3-99", "S3", status="done", completed_on=TODAY)]  # an id the content no longer has
    ids = [i.id for i in plan.build(states).step("S3").items]
    assert ids[-3:] == ["S3-C2", "S3-C10", "S3-99"]


# priority -----------------------------------------------------------------------------

def test_priority_marks_the_steps_the_advice_recommends_with_the_patterns_they_address():
    advice = advise(score(risky("P3", "P6")))
    p = plan.build([], advice=advice)
    assert [s.id for s in p.priority_steps] == list(advice.steps)
    expected = {}
    for item in advice.items:
        for s in item.steps:
            expected.setdefault(s, []).append(item.pattern)
    for s in p.steps:
        if s.id in expected or s.id in ("S1", "S2"):
            assert s.priority.patterns == tuple(expected.get(s.id, ()))
            assert s.priority.rank == advice.steps.index(s.id) + 1
            assert s.priority.foundation == (s.id in ("S1", "S2"))
        else:
            assert s.priority is None
    # S1 and S2 first; then P3 (vendor dependence; tied with P6, first in the article's order) S5, S7;
    # then P6 (results not measured) S6 (its S2 is already placed)
    assert [s.id for s in p.priority_steps] == ["S1", "S2", "S5", "S7", "S6"]
    assert [s.priority.ranked for s in p.priority_steps] == [True, True, True, False, False]
    assert p.current_step.id == "S1"


def test_finished_steps_are_left_out_of_the_priorities_and_the_current_step_moves_on():
    s1_done = [ItemState(i.id, "S1", status="done", completed_on=date(2026, 1, 5)) for i in C.step_index["S1"].items]
    finished = plan.finished_steps(s1_done)
    assert finished == {"S1"}
    # one S1 item archived instead of done: still finished (nothing left to do); one reopened: not finished
    assert plan.finished_steps(s1_done[:-1] + [ItemState(s1_done[-1].item_id, "S1", archived=True)]) == {"S1"}
    assert plan.finished_steps(s1_done[:-1]) == frozenset()
    advice = advise(score(risky("P3")), finished=finished)
    p = plan.build(s1_done, advice=advice)
    assert [s.id for s in p.priority_steps] == ["S2", "S5", "S7"] and p.step("S1").priority is None
    assert p.current_step.id == "S2"
    # without a diagnosis the current step is the first one with work left
    assert plan.build(s1_done).current_step.id == "S2"


def test_habit_progress_counts_the_items_that_practise_it():
    ids = [i.id for i in C.items_practising("share_results")]
    p = plan.build([ItemState(ids[0], ids[0].split("-")[0], status="done", completed_on=date(2026, 1, 5))])
    got = p.habit_progress("share_results")
    assert (got.done, got.total) == (1, len(ids))


def test_only_the_latest_diagnosis_sets_the_emphasis():
    records = [record(1, risky("P3"), 200), record(2, risky("P2"), 10)]
    latest, advice = plan.latest_advice(records)
    assert latest.id == 2 and advice.items[0].pattern == "P2"
    p = plan.build([], advice=advice, basis=latest)
    assert p.priority_steps[0].id == "S1" and p.priority_steps[2].id == C.pattern_index["P2"].steps[0] == "S3"
    assert "P2" in p.step(C.pattern_index["P2"].steps[0]).priority.patterns
    newest = plan.priorities(advise(score(risky("P2"))))
    assert {s.id: s.priority for s in p.steps if s.priority} == newest != plan.priorities(advise(score(risky("P3"))))
    assert plan.latest_advice([]) is None


# overdue ------------------------------------------------------------------------------

def test_overdue_is_past_due_not_done_and_not_archived_soonest_first():
    day = timedelta(days=1)
    states = [
        ItemState("S2-1", "S2", due=TODAY - 3 * day),
        ItemState("S1-1", "S1", status="doing", due=TODAY - day),
        ItemState("S1-2", "S1", due=TODAY),  # due today: not yet overdue
        ItemState("S1-3", "S1", status="done", due=TODAY - day, completed_on=TODAY),
        ItemState("S1-4", "S1", due=TODAY - day, archived=True),
        ItemState("S5-1", "S5", due=TODAY - 3 * day),
    ]
    assert [i.id for i in plan.build(states).overdue(TODAY)] == ["S2-1", "S5-1", "S1-1"]


# validating a change --------------------------------------------------------------------

def test_changes_are_normalised():
    got = plan.clean_changes({"owner": " ＩＴ推進課　ｻﾄｳ ", "note": "  ", "due": "２０２６/１２/３",
                              "completed_on": datetime(2026, 6, 1, 9, 0), "status": "done"}, TODAY)
    assert got == {"owner": "IT推進課 サトウ", "note": None, "due": date(2026, 12, 3),
                   "completed_on": date(2026, 6, 1), "status": "done"}
    assert plan.clean_changes({"due": "2027年1月31日"}, TODAY) == {"due": date(2027, 1, 31)}


@pytest.mark.parametrize("changes,key", [
    ({"status": "finished"}, "plan.error.bad_status"),
    ({"owner": "x" * 101}, "plan.error.owner_too_long"),
    ({"note": "x" * 1001}, "plan.error.note_too_long"),
    ({"due": "来週"}, "plan.error.bad_date"),
    ({"due": "2026-02-30"}, "plan.error.bad_date"),
    ({"due": "1999-12-31"}, "plan.error.due_range"),
    ({"completed_on": "2026-11-27"}, "plan.error.completed_range"),
])
def test_bad_changes_are_refused_with_a_message(changes, key):
    with pytest.raises(DxError) as e:
        plan.clean_changes(changes, TODAY)
    assert e.value.key == key
    assert e.value.message("ja") and e.value.message("en")


def test_completing_dates_the_item_and_reopening_clears_the_date():
    todo = ItemState("S3-3", "S3")
    assert plan.effective_changes(todo, {"status": "done"}, TODAY) == {"status": "done", "completed_on": TODAY}
    back = date(2026, 6, 1)
    assert plan.effective_changes(todo, {"status": "done", "completed_on": back}, TODAY)["completed_on"] == back
    done = ItemState("S3-3", "S3", status="done", completed_on=back)
    assert plan.effective_changes(done, {"status": "doing"}, TODAY) == {"status": "doing", "completed_on": None}
    assert plan.effective_changes(done, {"status": "done", "owner": None}, TODAY) == {}  # nothing really changes
    assert plan.effective_changes(done, {"completed_on": date(2026, 5, 1)}, TODAY) == {"completed_on": date(2026, 5, 1)}
    assert plan.effective_changes(done, {"completed_on": None}, TODAY) == {}  # a completed item keeps its date
    with pytest.raises(DxError) as e:
        plan.effective_changes(todo, {"completed_on": back}, TODAY)
    assert e.value.key == "plan.error.completed_needs_done"


def test_a_conflict_is_only_a_field_someone_else_changed_since_it_was_shown():
    now = ItemState("S1-1", "S1", status="doing", owner="市民課")
    seen = plan.build([]).item("S1-1").fields()
    assert plan.conflicts(now, seen, {"owner": "総務課"}) == ["owner"]
    assert plan.conflicts(now, seen, {"due": TODAY}) == []  # a different field: fine
    assert plan.conflicts(now, None, {"owner": "総務課"}) == []


# words --------------------------------------------------------------------------------

def test_annotation_labels_are_short_and_say_done():
    assert plan.annotation_label("RPAで定型入力業務を自動化する") == "RPAで定型入力業務を自動化する 完了"
    long = C.step_index["S1"].items[0].text["ja"]  # 紙・Excel・手作業で回している業務を、課ごとに一覧にする
    label = plan.annotation_label(long)
    assert label.endswith("… 完了") and len(label) <= plan.ANNOTATION_CHARS["ja"] + 3
    en = plan.annotation_label(C.item_index["S3-3"].text["en"] + " in every section of the city", "en")
    assert en == "Automate routine data entry with RPA… done"  # cut at a word break
    assert plan.shorten("短い", 10) == "短い"


def test_completed_marks_come_from_completed_active_items_oldest_first():
    states = [ItemState("S3-3", "S3", status="done", completed_on=date(2026, 5, 20)),
              ItemState("S1-1", "S1", status="done", completed_on=date(2025, 12, 1)),
              ItemState("S1-2", "S1", status="done", completed_on=date(2026, 1, 1), archived=True),
              ItemState("S1-3", "S1", status="doing")]
    marks = plan.completed_marks(plan.build(states))
    assert [d for d, _ in marks] == [date(2025, 12, 1), date(2026, 5, 20)]
    assert marks[1][1] == "RPAで定型入力業務を自動化する 完了"


def test_recent_changes_join_the_fields_saved_together():
    at = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    later = at + timedelta(hours=1)
    events = [  # newest first, as the store lists them
        Event(5, later, None, None, 1, "milestone", None, "電子申請の受付開始"),
        Event(4, later, "it", "S3-C1", None, "added", None, "窓口予約"),
        Event(2, at, "dx_office", "S3-3", None, "completed_on", None, "2026-11-20"),
        Event(1, at, "dx_office", "S3-3", None, "status", "doing", "done"),
    ]
    p = plan.build([ItemState("S3-C1", "S3", text="窓口予約")])
    rows = plan.recent_changes(events, p, [Milestone(1, date(2026, 4, 1), "電子申請の受付開始")])
    assert [r.what for r in rows] == ["マイルストーン", "S3-C1 窓口予約", "S3-3 RPAで定型入力業務を自動化する"]
    assert rows[0].change == "「電子申請の受付開始」(2026/04/01)を追加"
    assert rows[2].change == "状態: 進行中 → 完了、完了日: — → 2026/11/20" and rows[2].role == "dx_office"
    en = plan.recent_changes(events, p, [], "en", limit=1)
    assert len(en) == 1 and en[0].what == "Milestone"


def test_every_status_and_field_has_words_in_both_languages():
    keys = set(catalogue())
    assert {f"plan.status.{s}" for s in plan.STATUSES} <= keys
    assert {f"plan.field.{f}" for f in plan.FIELDS} <= keys
    assert {f"plan.export.{c}" for c in plan.EXPORT_COLUMNS} <= keys


# exports and JSON ---------------------------------------------------------------------------

def test_export_has_one_row_per_active_item_and_is_formula_safe():
    states = [ItemState("S3-3", "S3", status="done", owner="=HYPERLINK(\"http://x\")", note="+1 確認",
                        due=date(2026, 3, 31), completed_on=date(2026, 5, 20)),
              ItemState("S1-1", "S1", archived=True)]
    p = plan.build(states, advice=advise(score(risky("P2"))))
    header, rows = plan.export_rows(p)
    assert header[:5] == ["ステップ", "ステップ名", "項目ID", "チェック項目", "状態"]
    assert len(rows) == ALL - 1
    rpa = next(r for r in rows if r[2] == "S3-3")
    assert rpa[4] == "完了" and rpa[6] == date(2026, 3, 31) and rpa[8] == date(2026, 5, 20)
    assert rpa[9] == 3  # S1 and S2 first, then P2's own first step, S3
    data = csv_bytes(header, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    got = next(r for r in table if r[2] == "S3-3")
    assert got[5].startswith("'=") and got[7] == "'+1 確認" and got[6] == "2026-03-31"
    wb = load_workbook(io.BytesIO(xlsx_bytes([("plan", header, rows)])))
    cells = {c.value for row in wb["plan"].iter_rows() for c in row}
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert plan.export_rows(p, "en")[0][4] == "Status"


def test_json_for_the_command_line():
    states = [ItemState("S3-3", "S3", status="doing", owner="情報政策課", due=date(2027, 1, 15))]
    doc = plan.to_dict(plan.build(states, advice=advise(score(risky("P2")))), "en")
    assert list(doc) == ["steps"] and [s["id"] for s in doc["steps"]] == [f"S{i}" for i in range(1, 8)]
    s3 = doc["steps"][2]
    assert set(s3) == {"id", "title", "priority", "progress", "items"}
    assert s3["title"] == C.step_index["S3"].title["en"] and s3["priority"] is True and s3["progress"] == 0.0
    rpa = next(i for i in s3["items"] if i["id"] == "S3-3")
    assert rpa == {"id": "S3-3", "text": "Automate routine data entry with RPA", "status": "doing",
                   "owner": "情報政策課", "due": "2027-01-15"}
    assert doc["steps"][3]["priority"] is False
