"""History stays comparable: every diagnosis carries the questionnaire version and the
statements it asked; migration 0007 carries the diagnoses of a database built at 0006
over without loss, and they score exactly as they did (hand-computed with version 1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from dxcore import history
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.store import engine as engine_mod
from dxcore.store import repo

C = load()
V1 = C.questionnaire(1)
WHEN = datetime(2025, 6, 1, 3, 0, tzinfo=timezone.utc)

# A full diagnosis of version 1, by hand (risk per answer: plain (v-1)/4, reverse (5-v)/4):
#   P1-1 reverse 1 → 1.0, P1-2 plain 3 → 0.5                          P1 = 75.0 (2 of 6: low confidence)
#   P6-1 plain 5 → 1.0, P6-2 reverse 2 → 0.75, P6-3 「わからない」,
#   P6-4 reverse 4 → 0.25, P6-5 plain 4 → 0.75, P6-6 plain 1 → 0.0    P6 = 2.75 / 5 = 55.0
#   process: P1-1, P6-2, P6-4, P6-5 = 2.75 / 4 → 68.75 → 68.8; culture: P1-2, P6-1 → 75.0; people: P6-6 → 0.0
#   overall = 100 - (75.0 + 55.0) / 2 = 35.0
FULL_V1 = {"P1-1": 1, "P1-2": 3, "P6-1": 5, "P6-2": 2, "P6-3": None, "P6-4": 4, "P6-5": 4, "P6-6": 1}
# The version 1 pulse set was all risk-worded: answering 5 everywhere scored every pattern 100 and
# DX健全度 0; its causes were process (P2-1, P3-1, P4-2, P7-1) and culture (P1-2, P5-2, P6-1), never people.
PULSE_V1 = {q: 5 for q in V1.question_ids("pulse")}
# A workshop room's means are fractional: P2-1 at 2.5 → 0.375 → 37.5
ROOM_V1 = {"P2-1": 2.5, "P5-2": 4.0}


def _alembic(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_mod.MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def _build_at_0006(url: str) -> None:
    """A database as the previous release left it, with three diagnoses (rows written with
    the columns that release had)."""
    old = engine_mod.make_engine(url)
    with old.begin() as conn:
        command.upgrade(_alembic(conn), "0006")
    with old.begin() as conn:
        org = conn.execute(text("INSERT INTO organization (name, is_demo, created_at) "
                                "VALUES ('旧市', false, :at) RETURNING id"), {"at": WHEN}).scalar_one()
        for i, (role, mode, qset, people, answers) in enumerate((
                ("dx_office", "self", "full", 1, FULL_V1),
                ("executive", "self", "pulse", 1, PULSE_V1),
                ("other", "workshop", "pulse", 12, ROOM_V1))):
            diag = conn.execute(text(
                "INSERT INTO diagnosis (org_id, taken_at, role, mode, question_set, participants) "
                "VALUES (:org, :at, :role, :mode, :qset, :people) RETURNING id"),
                {"org": org, "at": WHEN + timedelta(days=i), "role": role, "mode": mode, "qset": qset,
                 "people": people}).scalar_one()
            for qid, value in answers.items():
                conn.execute(text("INSERT INTO diagnosis_answer (diagnosis_id, question_id, value) "
                                  "VALUES (:d, :q, :v)"), {"d": diag, "q": qid, "v": value})
    old.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_migration_0007_carries_old_diagnoses_over_and_they_score_as_before(old_url):
    _build_at_0006(old_url)
    engine = engine_mod.get_engine(old_url)  # start-up migrates to the head
    org = repo.find_org(engine, "旧市")
    full, pulse, room = repo.list_diagnoses(engine, org.id)
    # nothing lost: every answer as it was, and what each one was answered against
    assert full.answers == {q: (None if v is None else float(v)) for q, v in FULL_V1.items()}
    assert pulse.answers == {q: 5.0 for q in PULSE_V1} and room.answers == ROOM_V1
    assert (full.content_version, pulse.content_version, room.content_version) == (1, 1, 1)
    assert full.asked == V1.question_ids("full") and pulse.asked == room.asked == V1.question_ids("pulse")
    assert (room.mode, room.role, room.participants) == ("workshop", "other", 12)

    f, p, r = (e.result for e in history.entries([full, pulse, room]))
    assert f.version == p.version == 1
    assert (f.pattern("P1").risk, f.pattern("P1").confidence) == (75.0, "low")
    assert (f.pattern("P6").risk, f.pattern("P6").answered, f.pattern("P6").unknown) == (55.0, 5, 1)
    assert {c.id: c.risk for c in f.causes} == {"process": 68.8, "people": 0.0, "culture": 75.0}
    assert f.overall == 35.0 and f.answered == 7 and f.unknown == 1
    assert all(x.risk == 100.0 for x in p.patterns) and p.overall == 0.0
    assert {c.id: c.risk for c in p.causes} == {"process": 100.0, "people": None, "culture": 100.0}
    assert r.pattern("P2").risk == 37.5 and r.pattern("P5").risk == 75.0 and r.pattern("P1").risk is None
    # today's statements would have scored the same answers differently (the test can fail)
    from dxcore.scoring import score
    assert score(full.answers, "full").overall != f.overall


def test_a_new_diagnosis_records_the_current_version_and_what_it_asked(any_engine):
    org = repo.create_org(any_engine, "A市")
    d = repo.save_diagnosis(any_engine, org.id, {q: 3 for q in C.question_ids("pulse")}, "frontline",
                            question_set="pulse")
    [got] = repo.list_diagnoses(any_engine, org.id)
    assert got.id == d and got.content_version == C.version == 2 and got.asked == C.question_ids("pulse")


def test_answers_collected_against_an_earlier_version_are_stored_as_that_version(any_engine):
    """E.g. a workshop opened before an upgrade and closed after it: its answers use old ids."""
    org = repo.create_org(any_engine, "A市")
    repo.save_diagnosis(any_engine, org.id, ROOM_V1, "other", mode="workshop", question_set="pulse", participants=9)
    [got] = repo.list_diagnoses(any_engine, org.id)
    assert got.content_version == 1 and got.asked == V1.question_ids("pulse")
    assert history.entries([got])[0].result.pattern("P2").risk == 37.5


@pytest.mark.parametrize("answers,kwargs,key", [
    ({"P6-1": 3, "P6-10": 3}, {}, "diagnosis.error.unknown_question"),  # two versions mixed
    ({"P6-1": 3}, {"version": 2}, "diagnosis.error.unknown_question"),  # not a statement of version 2
    ({"P1-1": 3}, {"version": 9}, "diagnosis.error.unknown_question"),
    ({"P1-1": 6}, {}, "diagnosis.error.bad_value"),
    ({"P1-1": "3"}, {}, "diagnosis.error.bad_value"),
    ({"P1-1": float("nan")}, {}, "diagnosis.error.bad_value"),
])
def test_bad_versions_and_values_store_nothing(engine, answers, kwargs, key):
    org = repo.create_org(engine, "A市")
    with pytest.raises(DxError) as e:
        repo.save_diagnosis(engine, org.id, answers, "frontline", **kwargs)
    assert e.value.key == key and repo.list_diagnoses(engine, org.id) == []


def _entries(engine, org_id):
    return history.entries(repo.list_diagnoses(engine, org_id))


def test_a_change_is_only_computed_between_the_same_set_and_version(engine):
    org = repo.create_org(engine, "A市")
    full_answers = {q: 3 for q in C.question_ids("full")}
    at = [WHEN + timedelta(days=30 * i) for i in range(5)]
    a = repo.save_diagnosis(engine, org.id, {q: 3 for q in V1.question_ids("full")}, "dx_office", taken_at=at[0])
    b = repo.save_diagnosis(engine, org.id, full_answers, "dx_office", taken_at=at[1])
    c = repo.save_diagnosis(engine, org.id, {q: 5 for q in C.question_ids("pulse")}, "executive",
                            question_set="pulse", taken_at=at[2])
    d = repo.save_diagnosis(engine, org.id, {**full_answers, "P1-1": 1}, "frontline", taken_at=at[3])
    past = _entries(engine, org.id)
    assert [e.version for e in past] == [1, 2, 2, 2]
    assert history.previous(past, b) is None  # the version changed
    assert history.previous(past, c) is None  # the only quick one
    assert history.previous(past, d).record.id == b  # not c, the quick check just before it
    # why there is no change to show: b's kind was asked before, in another version; c's kind never
    assert [(w, e.record.id) for w, e in [history.not_compared(past, b), history.not_compared(past, c)]] == [
        ("version", a), ("set", b)]
    assert history.not_compared(past, a) is None and history.not_compared(past, d) is None
    assert history.changes(past, d)[0].before == 50.0  # P1 from b, not from the quick check c
    assert history.standing(past).previous.record.id == b
    assert [e.record.id for e in history.version_starts(past)] == [b]
    assert [e.record.id for e in history.narrowed(past, "full")] == [a, b, d]
    assert [e.record.id for e in history.narrowed(past, who="executive")] == [c]


def test_the_workshops_entry_carries_its_title(engine):
    from dxcore.store.models_workshop import Workshop

    org = repo.create_org(engine, "A市")
    d = repo.save_diagnosis(engine, org.id, {q: 3 for q in C.question_ids("pulse")}, "other", mode="workshop",
                            question_set="pulse", participants=14)
    with engine.begin() as conn:
        conn.execute(Workshop.__table__.insert().values(
            code="ABC234", org_id=org.id, title="庁内DX研修", question_set="pulse", revealed=False,
            created_at=WHEN, diagnosis_id=d))
    [e] = _entries(engine, org.id)
    assert e.who == history.WORKSHOP and e.record.workshop_title == "庁内DX研修" and e.record.participants == 14
    header, rows = history.rows([e])
    assert dict(zip(header, rows[0]))["workshop"] == "庁内DX研修" and dict(zip(header, rows[0]))["version"] == 2
