"""The restart plan in the database (SQLite and PostgreSQL): per-item rows, one history
row per changed field, nothing lost when two sessions save at once, nothing stored on
bad input, archived never deleted, milestones, and the annotations for the KPI charts."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from dxcore.errors import DxError
from dxcore.store import annotations, repo, repo_plan
from dxcore.store import engine as engine_mod
from dxcore.store.annotations import Annotation
from dxcore.store.models_plan import PlanEvent, PlanItem

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)  # 12:00 in Tokyo
TODAY = date(2026, 11, 26)


def rows(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def second_engine(engine):
    """Another process's engine on the same database (its own connections)."""
    return engine_mod.make_engine(engine.url.render_as_string(hide_password=False))


def test_a_change_writes_only_the_changed_fields_with_one_history_row_each(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    assert repo_plan.list_items(engine, org.id) == []  # untouched items have no row
    got = repo_plan.update_item(engine, org.id, "S3-3", {"status": "doing", "owner": "情報政策課", "note": ""},
                                role="dx_office", now=NOW)
    assert (got.status, got.owner, got.note) == ("doing", "情報政策課", None)
    events = repo_plan.list_events(engine, org.id)
    assert {(e.field, e.old, e.new, e.role) for e in events} == {
        ("status", "todo", "doing", "dx_office"), ("owner", None, "情報政策課", "dx_office")}  # note did not change
    done = repo_plan.update_item(engine, org.id, "S3-3", {"status": "done", "owner": "情報政策課"}, now=NOW)
    assert done.completed_on == TODAY and done.owner == "情報政策課"
    newest = repo_plan.list_events(engine, org.id, limit=2)
    assert [(e.field, e.old, e.new, e.role) for e in newest] == [
        ("completed_on", None, "2026-11-26", None), ("status", "doing", "done", None)]
    assert repo_plan.list_items(engine, org.id) == [done]
    same = repo_plan.update_item(engine, org.id, "S3-3", {"status": "done"}, now=NOW)
    assert same == done and repo_plan.count_events(engine, org.id) == 4  # no change, no history row


@pytest.mark.parametrize("call,key", [
    (lambda e, o: repo_plan.update_item(e, o, "S9-1", {"status": "done"}), "plan.error.unknown_item"),
    (lambda e, o: repo_plan.update_item(e, o, "S1-1", {"status": "finished"}), "plan.error.bad_status"),
    (lambda e, o: repo_plan.update_item(e, o, "S1-1", {"status": "done"}, role="mayor"),
     "diagnosis.error.unknown_role"),
    (lambda e, o: repo_plan.update_item(e, o, "S1-1", {"owner": "課" * 101}), "plan.error.owner_too_long"),
    (lambda e, o: repo_plan.update_item(e, o, "S1-1", {"completed_on": "2026-01-01"}),
     "plan.error.completed_needs_done"),
    (lambda e, o: repo_plan.update_item(e, o + 99, "S1-1", {"status": "done"}), "org.error.not_found"),
    (lambda e, o: repo_plan.add_item(e, o, "S8", "x"), "plan.error.unknown_step"),
    (lambda e, o: repo_plan.add_item(e, o, "S1", "  "), "plan.error.text_required"),
    (lambda e, o: repo_plan.add_milestone(e, o, "いつか", "稼働"), "plan.error.bad_date"),
    (lambda e, o: repo_plan.add_milestone(e, o, "2026-04-01", ""), "plan.error.label_required"),
    (lambda e, o: repo_plan.add_milestone(e, o, "2026-04-01", "x" * 61), "plan.error.label_too_long"),
])
def test_bad_input_is_refused_and_nothing_is_stored(engine, call, key):
    org = repo.create_org(engine, "A市")
    with pytest.raises(DxError) as e:
        call(engine, org.id)
    assert e.value.key == key
    assert repo_plan.list_items(engine, org.id) == [] and repo_plan.count_events(engine, org.id) == 0
    assert repo_plan.list_milestones(engine, org.id, include_archived=True) == []


def test_own_items_are_numbered_per_step_and_archiving_never_deletes(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    a = repo_plan.add_item(engine, org.id, "S3", " 窓口の受付票をオンライン予約に切り替える ", role="frontline",
                           now=NOW)
    b = repo_plan.add_item(engine, org.id, "S3", "押印廃止の条例改正", now=NOW)
    c = repo_plan.add_item(engine, org.id, "S5", "庁内ポータルに事例集を載せる", now=NOW)
    assert (a.item_id, b.item_id, c.item_id) == ("S3-C1", "S3-C2", "S5-C1")
    assert a.text == "窓口の受付票をオンライン予約に切り替える"
    repo_plan.archive_item(engine, org.id, "S3-C1", now=NOW)
    repo_plan.archive_item(engine, org.id, "S1-1", now=NOW)  # a catalogue item nobody touched yet
    p = repo_plan.load_plan(engine, org.id)
    assert [i.id for i in p.step("S3").items][-1] == "S3-C2" and [i.id for i in p.step("S3").archived] == ["S3-C1"]
    assert "S1-1" not in [i.id for i in p.step("S1").items]
    assert repo_plan.add_item(engine, org.id, "S3", "もう一つ").item_id == "S3-C3"  # archived numbers stay taken
    repo_plan.archive_item(engine, org.id, "S3-C1", archived=False)
    assert "S3-C1" in [i.id for i in repo_plan.load_plan(engine, org.id).step("S3").items]
    assert rows(engine, PlanItem) == 5
    fields = [e.field for e in reversed(repo_plan.list_events(engine, org.id, limit=None))]
    assert fields == ["added", "added", "added", "archived", "archived", "added", "archived"]


def test_milestones_are_listed_oldest_first_and_withdrawn_without_deleting(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    late = repo_plan.add_milestone(engine, org.id, "2026/10/1", " 電子申請の受付開始 ", role="it", now=NOW)
    early = repo_plan.add_milestone(engine, org.id, date(2025, 4, 1), "DX推進本部を設置", now=NOW)
    assert [m.label for m in repo_plan.list_milestones(engine, org.id)] == ["DX推進本部を設置", "電子申請の受付開始"]
    assert late.on == date(2026, 10, 1)
    assert repo_plan.archive_milestone(engine, org.id, early.id, now=NOW)
    assert not repo_plan.archive_milestone(engine, org.id, early.id)  # already withdrawn
    assert [m.id for m in repo_plan.list_milestones(engine, org.id)] == [late.id]
    assert len(repo_plan.list_milestones(engine, org.id, include_archived=True)) == 2
    assert [e.field for e in repo_plan.list_events(engine, org.id)] == ["milestone_archived", "milestone", "milestone"]


def test_annotations_are_completed_items_and_milestones_oldest_first(engine):
    org = repo.create_org(engine, "A市")
    other = repo.create_org(engine, "B市")
    repo_plan.update_item(engine, org.id, "S3-3", {"status": "done", "completed_on": "2026-05-20"}, now=NOW)
    repo_plan.update_item(engine, org.id, "S1-1", {"status": "done", "completed_on": "2025-12-01"}, now=NOW)
    repo_plan.update_item(engine, org.id, "S1-2", {"status": "done"}, now=NOW)
    repo_plan.archive_item(engine, org.id, "S1-2", now=NOW)  # archived: off the charts
    repo_plan.update_item(engine, org.id, "S2-1", {"status": "doing"}, now=NOW)  # not done: no annotation
    own = repo_plan.add_item(engine, org.id, "S6", "KPIの月次報告を庁議に出す", now=NOW)
    repo_plan.update_item(engine, org.id, own.item_id, {"status": "done", "completed_on": "2026-08-03"}, now=NOW)
    repo_plan.add_milestone(engine, org.id, "2026-04-01", "新年度のKPI運用開始", now=NOW)
    gone = repo_plan.add_milestone(engine, org.id, "2026-01-10", "取り下げた予定", now=NOW)
    repo_plan.archive_milestone(engine, org.id, gone.id)
    repo_plan.add_milestone(engine, other.id, "2026-02-01", "よその団体", now=NOW)
    got = annotations.for_org(engine, org.id)
    assert got == [
        Annotation(date(2025, 12, 1), "紙・Excel・手作業で回している… 完了", "completed"),
        Annotation(date(2026, 4, 1), "新年度のKPI運用開始", "milestone"),
        Annotation(date(2026, 5, 20), "RPAで定型入力業務を自動化する 完了", "completed"),
        Annotation(date(2026, 8, 3), "KPIの月次報告を庁議に出す 完了", "completed"),
    ]
    assert annotations.for_org(engine, org.id, lang="en")[2].label == "Automate routine data entry with RPA done"
    assert annotations.for_org(engine, 999) == []


# two sessions at once -------------------------------------------------------------------

def test_two_sessions_editing_different_items_keep_both_changes(any_engine):
    """Both sessions opened the plan, then each saved a different item (and a different
    field of one shared item): every change and every history row survives."""
    engine = any_engine
    other = second_engine(engine)
    org = repo.create_org(engine, "A市")
    repo_plan.update_item(engine, org.id, "S1-1", {"owner": "市民課"}, now=NOW)
    seen_a = repo_plan.load_plan(engine, org.id)  # session A's screen
    seen_b = repo_plan.load_plan(other, org.id)  # session B's screen
    repo_plan.update_item(other, org.id, "S1-1", {"status": "done"}, role="frontline",
                          expected=seen_b.item("S1-1").fields())
    repo_plan.update_item(engine, org.id, "S2-3", {"status": "doing", "due": "2027-03-31"}, role="dx_office",
                          expected=seen_a.item("S2-3").fields())
    # A, still on its old screen, changes another field of S1-1: B's status stays
    repo_plan.update_item(engine, org.id, "S1-1", {"due": "2027-01-31"}, expected=seen_a.item("S1-1").fields())
    p = repo_plan.load_plan(engine, org.id)
    assert (p.item("S1-1").status, p.item("S1-1").owner, p.item("S1-1").due) == ("done", "市民課", date(2027, 1, 31))
    assert (p.item("S2-3").status, p.item("S2-3").due) == ("doing", date(2027, 3, 31))
    # but A may not overwrite the status B changed after A's screen was drawn
    with pytest.raises(DxError) as e:
        repo_plan.update_item(engine, org.id, "S1-1", {"status": "doing"}, expected=seen_a.item("S1-1").fields())
    assert e.value.key == "plan.error.conflict"
    assert repo_plan.load_plan(engine, org.id).item("S1-1").status == "done"
    changes = {(e.item_id, e.field, e.role) for e in repo_plan.list_events(engine, org.id, limit=None)}
    assert changes == {("S1-1", "owner", None), ("S1-1", "status", "frontline"), ("S1-1", "completed_on", "frontline"),
                       ("S2-3", "status", "dx_office"), ("S2-3", "due", "dx_office"), ("S1-1", "due", None)}
    other.dispose()


def test_concurrent_saves_from_two_engines_and_threads_lose_nothing(any_engine):
    """Two threads, each with its own engine, save at the same moment, round after round:
    different items, and different fields of the same never-touched item (both create
    its row)."""
    engine = any_engine
    other = second_engine(engine)
    org = repo.create_org(engine, "A市")
    rounds = [(("S1-1", {"status": "done"}), ("S4-1", {"owner": "企画課"})),
              (("S2-2", {"owner": "情報政策課"}), ("S2-3", {"due": "2027-03-31"})),
              (("S5-4", {"status": "doing"}), ("S5-4", {"note": "個人情報は入力しない"})),  # same new item
              (("S1-1", {"note": "課ごとに一覧済み"}), ("S1-1", {"owner": "総務課"}))]  # same row, other fields
    seen = repo_plan.load_plan(engine, org.id)
    errors: list[BaseException] = []

    def session(eng, role, picks):
        try:
            for item_id, changes in picks:
                barrier.wait(timeout=30)
                repo_plan.update_item(eng, org.id, item_id, changes, role=role, expected=seen.item(item_id).fields())
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)
            barrier.abort()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=session, args=(engine, "dx_office", [r[0] for r in rounds])),
               threading.Thread(target=session, args=(other, "frontline", [r[1] for r in rounds]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    other.dispose()
    assert errors == []
    p = repo_plan.load_plan(engine, org.id)
    s11 = p.item("S1-1")
    assert (s11.status, s11.note, s11.owner) == ("done", "課ごとに一覧済み", "総務課") and s11.completed_on
    assert p.item("S4-1").owner == "企画課" and p.item("S2-2").owner == "情報政策課"
    assert p.item("S2-3").due == date(2027, 3, 31)
    assert (p.item("S5-4").status, p.item("S5-4").note) == ("doing", "個人情報は入力しない")
    events = repo_plan.list_events(engine, org.id, limit=None)
    by_role = {}
    for e in events:
        by_role.setdefault(e.role, set()).add((e.item_id, e.field))
    assert by_role == {"dx_office": {("S1-1", "status"), ("S1-1", "completed_on"), ("S2-2", "owner"),
                                     ("S5-4", "status"), ("S1-1", "note")},
                       "frontline": {("S4-1", "owner"), ("S2-3", "due"), ("S5-4", "note"), ("S1-1", "owner")}}
    assert len(events) == 9 and rows(engine, PlanEvent) == 9
    assert rows(engine, PlanItem) == 5  # one row per item, never two


def test_import_plan_writes_items_events_and_milestones_in_bulk(engine):
    org = repo.create_org(engine, "A市")
    from dxcore.plan import ItemState
    at = NOW - timedelta(days=30)
    repo_plan.import_plan(
        engine, org.id,
        [(ItemState("S3-3", "S3", status="done", completed_on=date(2026, 5, 20)), at),
         (ItemState("S3-C1", "S3", text="独自の項目"), at)],
        [{"changed_at": at, "role": "it", "item_id": "S3-3", "field": "status", "old": "todo", "new": "done"}],
        [(date(2026, 4, 1), "KPI運用開始", at, "dx_office")])
    p = repo_plan.load_plan(engine, org.id)
    assert p.item("S3-3").status == "done" and p.item("S3-C1").own
    assert [e.field for e in repo_plan.list_events(engine, org.id)] == ["milestone", "status"]  # newest first
    assert [a.kind for a in annotations.for_org(engine, org.id)] == ["milestone", "completed"]
