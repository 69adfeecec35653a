"""The demo tells its story; history rows, changes and standing are right."""

from dxcore import demo, history
from dxcore.advice import advise
from dxcore.store import repo


def test_demo_is_idempotent_and_tells_a_story(engine):
    org = demo.load_demo(engine)
    assert demo.load_demo(engine) == org and len(repo.list_orgs(engine)) == 1
    past = history.entries(repo.list_diagnoses(engine, org.id))
    assert len(past) == len(demo.STORY)
    first, last = past[0].result, past[-1].result
    assert org.is_demo and last.overall > first.overall  # the restart is working
    for p in ("P1", "P6"):  # KPIs set and results shared: these fell the most
        assert last.pattern(p).risk < first.pattern(p).risk - 20
    assert advise(first).items[0].pattern in ("P1", "P6")
    roles = {e.record.role for e in past}
    assert {"executive", "frontline"} <= roles and {e.record.question_set for e in past} == {"full", "pulse"}
    # the questionnaire was revised during the year: the history shows where, and the latest
    # diagnosis is compared with the last full one of the same version, not the quick check
    assert [e.version for e in past] == [v for _, _, _, v, _ in demo.STORY] == [1, 1, 2, 2]
    assert [e.record.id for e in history.version_starts(past)] == [past[2].record.id]
    assert history.standing(past).previous is past[2]


def test_history_rows_changes_and_standing(engine):
    org = repo.create_org(engine, "A市")
    assert history.standing([]) is None
    a = repo.save_diagnosis(engine, org.id, {"P1-1": 3}, "frontline")
    b = repo.save_diagnosis(engine, org.id, {"P1-1": 5}, "frontline")
    past = history.entries(repo.list_diagnoses(engine, org.id))
    header, rows = history.rows(past)
    assert header[-9:-2] == [f"P{i}" for i in range(1, 8)] and [r[0] for r in rows] == [a, b]
    assert history.changes(past, a) is None
    change = history.changes(past, b)[0]
    assert change.id == "P1" and change.before == 50.0 and abs(change.delta) == 50.0
    now = history.standing(past)
    assert now.latest.record.id == b and now.overall_delta == -change.delta
    assert [p["pattern"] for p in history.long_rows(past)] == ["P1", "P1"]
