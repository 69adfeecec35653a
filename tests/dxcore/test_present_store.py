"""The projector's screen in the database (repo_present), on SQLite and PostgreSQL: one small
query per refresh, a version that changes exactly when the room's answers do."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, select

from dxcore.content import load
from dxcore.errors import DxError
from dxcore.present import FIRST, GAP, RISK, STATEMENT, Screen
from dxcore.store import repo
from dxcore.store import repo_present as prepo
from dxcore.store import repo_workshop as wrepo
from dxcore.store.models_present import WorkshopScreen
from dxcore.store.models_workshop import Workshop

C = load()
PULSE = C.question_ids("pulse")


@pytest.fixture
def workshop(any_engine):
    org = repo.create_org(any_engine, "投影市")
    return wrepo.create_workshop(any_engine, org.id, "朝の研修", "pulse")


class Statements:
    """Counts the SQL statements an engine runs."""

    def __init__(self, engine):
        self.sql: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engine = engine

    def _seen(self, conn, cursor, statement, *args):
        self.sql.append(statement)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_a_new_workshop_shows_the_join_screen_and_reads_in_one_query(any_engine, workshop):
    counter = Statements(any_engine)
    try:
        now = prepo.on_screen(any_engine, workshop.code)
    finally:
        counter.close()
    assert len(counter.sql) == 1  # the refresh every few seconds: one small query
    assert (now.code, now.title, now.question_set) == (workshop.code, "朝の研修", "pulse")
    assert now.stored is None and now.screen == FIRST
    assert (now.joined, now.answered, now.revealed, now.is_open) == (0, 0, False, True)
    assert now.pin is None and now.joins_open  # until the room's PIN and join switch exist
    assert not now.agreed


def test_the_facilitator_moves_the_screen_and_any_reader_sees_it(any_engine, workshop):
    assert prepo.move(any_engine, workshop.code, 1) == Screen(RISK)
    assert prepo.move(any_engine, workshop.code, 1) == Screen(GAP)
    assert prepo.on_screen(any_engine, workshop.code).screen == Screen(GAP)
    assert prepo.show(any_engine, workshop.code, f"statement:{PULSE[3]}") == Screen(STATEMENT, PULSE[3])
    assert prepo.screen(any_engine, workshop.code) == Screen(STATEMENT, PULSE[3])
    assert prepo.move(any_engine, workshop.code, -1) == Screen(STATEMENT, PULSE[2])
    assert prepo.move(any_engine, workshop.code, -100) == FIRST
    assert prepo.move(any_engine, workshop.code, -1) == FIRST  # already first: stays
    table = WorkshopScreen.__table__
    with any_engine.connect() as conn:  # one row per workshop, however often it moved
        assert conn.execute(select(table.c.workshop_id, table.c.kind, table.c.item)).all() == [
            (workshop.id, "join", None)]


@pytest.mark.parametrize("screen_id", ["myth:M1", "statement:P9-9", "statement", "nonsense", "", None])
def test_a_screen_the_workshop_does_not_have_is_refused_and_nothing_changes(any_engine, workshop, screen_id):
    prepo.show(any_engine, workshop.code, "gap")
    with pytest.raises(DxError) as e:
        prepo.show(any_engine, workshop.code, screen_id)
    assert e.value.key == "projector.error.screen"
    assert "進行役の画面" in e.value.message("ja")
    assert prepo.screen(any_engine, workshop.code) == Screen(GAP)


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc", "", "0O1I00"])
def test_an_unknown_or_malformed_code_is_a_clear_error(any_engine, workshop, code):
    for call in (lambda: prepo.on_screen(any_engine, code), lambda: prepo.move(any_engine, code, 1),
                 lambda: prepo.show(any_engine, code, "risk")):
        with pytest.raises(DxError) as e:
            call()
        assert e.value.key.startswith("workshop.error.")


def test_the_answers_version_changes_exactly_when_the_room_answers(any_engine, workshop):
    code = workshop.code

    def version():
        return prepo.on_screen(any_engine, code).answers_version

    start = version()
    wrepo.join(any_engine, code, "joiner-xxxxxxxx", "frontline")
    now = prepo.on_screen(any_engine, code)
    assert now.joined == 1 and now.answers_version == start  # joining is not answering
    prepo.move(any_engine, code, 1)
    wrepo.set_revealed(any_engine, code, True)
    assert version() == start  # neither is moving or revealing
    wrepo.submit(any_engine, code, "joiner-xxxxxxxx", "frontline", {q: 2 for q in PULSE})
    first = version()
    assert first != start and first[0] == 1
    wrepo.submit(any_engine, code, "joiner-xxxxxxxx", "frontline", {q: 4 for q in PULSE})  # answers again
    again = version()
    assert again != first and again[0] == 1
    assert version() == again  # nothing new: the projector keeps its chart


def test_the_consensus_answer_of_the_statement_on_screen_comes_with_the_same_query(any_engine, workshop):
    code = workshop.code
    prepo.show(any_engine, code, f"statement:{PULSE[1]}")
    wrepo.record_consensus(any_engine, code, PULSE[0], 5)  # another statement
    now = prepo.on_screen(any_engine, code)
    assert not now.agreed and now.agreed_value is None
    wrepo.record_consensus(any_engine, code, PULSE[1], 4)
    now = prepo.on_screen(any_engine, code)
    assert now.agreed and now.agreed_value == 4
    wrepo.record_consensus(any_engine, code, PULSE[1], None)  # 「わからない」 is an answer too
    now = prepo.on_screen(any_engine, code)
    assert now.agreed and now.agreed_value is None


def test_a_closed_workshop_can_still_be_presented(any_engine, workshop):
    wrepo.submit(any_engine, workshop.code, "someone-xxxxxxxx", "frontline", {q: 3 for q in PULSE})
    wrepo.close(any_engine, workshop.code)
    assert prepo.move(any_engine, workshop.code, 2) == Screen(GAP)
    now = prepo.on_screen(any_engine, workshop.code)
    assert not now.is_open and now.answered == 1 and now.screen == Screen(GAP)


def test_the_screen_goes_with_its_workshop(any_engine, workshop):
    prepo.show(any_engine, workshop.code, "risk")
    with any_engine.begin() as conn:
        if any_engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(delete(Workshop.__table__).where(Workshop.__table__.c.id == workshop.id))
    with any_engine.connect() as conn:
        assert conn.execute(select(WorkshopScreen.__table__)).all() == []


def test_the_rooms_pin_and_join_switch_come_with_the_same_query(any_engine, workshop):
    """Read with the rest once the room's change adds them to the workshop table."""
    table = Workshop.__table__
    if "pin" not in table.c or "joins_open" not in table.c:
        pytest.skip("the workshop has no PIN or join switch yet (the room's change adds them)")
    assert prepo.on_screen(any_engine, workshop.code).pin is None
    with any_engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == workshop.id).values(pin="4821", joins_open=False))
    now = prepo.on_screen(any_engine, workshop.code)
    assert now.pin == "4821" and not now.joins_open
