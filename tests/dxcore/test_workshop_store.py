"""Workshop storage, on SQLite and on PostgreSQL: joining, answering again, limits, closing
into the organisation's history, consensus, and nothing stored on bad input."""

import secrets

import pytest
from sqlalchemy import func, select

from dxcore import workshop as ws
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.store import repo
from dxcore.store import repo_workshop as wrepo
from dxcore.store.models_workshop import Workshop, WorkshopAnswer, WorkshopConsensus, WorkshopParticipant

C = load()
PULSE = C.question_ids("pulse")


def token() -> str:
    return secrets.token_urlsafe(24)


def rows(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def org(any_engine):
    return repo.create_org(any_engine, "ワークショップ市")


def test_create_and_find_by_code_as_typed(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, " 午後の研修 ", "pulse", 40)
    assert (w.title, w.question_set, w.max_participants, w.is_open, w.revealed) == ("午後の研修", "pulse", 40,
                                                                                    True, False)
    assert wrepo.require_workshop(any_engine, w.code.lower()).id == w.id
    typed = " " + "-".join([w.code[:3], w.code[3:]]) + " "
    assert wrepo.require_open(any_engine, typed).id == w.id
    assert wrepo.get_workshop(any_engine, "nonsense") is None
    other = wrepo.create_workshop(any_engine, org.id, "二回目", "myths")
    assert other.code != w.code
    assert [s.workshop.code for s in wrepo.list_workshops(any_engine, org.id)] == [other.code, w.code]


@pytest.mark.parametrize("title, qset, limit, key", [
    ("", "pulse", None, "workshop.error.title_required"),
    ("研修", "quiz", None, "workshop.error.unknown_set"),
    ("研修", "pulse", -3, "workshop.error.bad_limit"),
])
def test_bad_workshop_is_refused_and_nothing_stored(any_engine, org, title, qset, limit, key):
    with pytest.raises(DxError) as e:
        wrepo.create_workshop(any_engine, org.id, title, qset, limit)
    assert e.value.key == key and rows(any_engine, Workshop) == 0


def test_unknown_organisation_is_refused(any_engine):
    with pytest.raises(DxError, match="org.error.not_found"):
        wrepo.create_workshop(any_engine, 999, "研修", "pulse")


def test_join_counts_once_per_token_and_updates_the_role(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    me = token()
    first = wrepo.join(any_engine, w.code, me, "frontline")
    again = wrepo.join(any_engine, w.code, me, "executive")
    assert first.new and not again.new and first.participant_id == again.participant_id
    wrepo.join(any_engine, w.code, token(), "it")
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=2, answered=0)
    wrepo.submit(any_engine, w.code, me, "executive", {PULSE[0]: 4})
    assert wrepo.headcount(any_engine, w.id).people == {"executive": 1}


def test_answering_again_replaces_the_earlier_answers(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    me = token()
    first = wrepo.submit(any_engine, w.code, me, "frontline", {PULSE[0]: 5, PULSE[1]: 4, PULSE[2]: None})
    second = wrepo.submit(any_engine, w.code, me, "frontline", {PULSE[0]: 1, PULSE[3]: None})
    assert not first.replaced and second.replaced and first.participant_id == second.participant_id
    assert wrepo.responses(any_engine, w.id) == [ws.Response("frontline", {PULSE[0]: 1, PULSE[3]: None})]
    assert wrepo.counts(any_engine, w.id).answered == 1 and rows(any_engine, WorkshopAnswer) == 2


def test_bad_answers_change_nothing(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    me = token()
    wrepo.submit(any_engine, w.code, me, "frontline", {PULSE[0]: 3})
    for answers, key in (({PULSE[0]: 9}, "workshop.error.bad_value"),
                         ({"P9-9": 3}, "workshop.error.unknown_statement"),
                         ({}, "workshop.error.no_answers")):
        with pytest.raises(DxError) as e:
            wrepo.submit(any_engine, w.code, me, "frontline", answers)
        assert e.value.key == key
    with pytest.raises(DxError, match="unknown_role"):
        wrepo.submit(any_engine, w.code, me, "mayor", {PULSE[0]: 1})
    assert wrepo.responses(any_engine, w.id) == [ws.Response("frontline", {PULSE[0]: 3})]
    with pytest.raises(DxError, match="workshop.error.not_found"):
        wrepo.submit(any_engine, "ZZZZZZ", token(), "frontline", {PULSE[0]: 1})


def test_participant_limit_holds(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "少人数", "pulse", 2)
    a, b = token(), token()
    wrepo.join(any_engine, w.code, a, "frontline")
    wrepo.submit(any_engine, w.code, b, "frontline", {PULSE[0]: 2})
    with pytest.raises(DxError) as e:
        wrepo.join(any_engine, w.code, token(), "frontline")
    assert e.value.key == "workshop.error.full" and e.value.params == {"limit": 2}
    with pytest.raises(DxError, match="workshop.error.full"):
        wrepo.submit(any_engine, w.code, token(), "frontline", {PULSE[0]: 2})
    wrepo.submit(any_engine, w.code, a, "frontline", {PULSE[0]: 4})  # those inside still answer
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=2, answered=2)


def test_close_saves_the_room_mean_as_a_workshop_diagnosis(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    q0, q1, q2 = PULSE[:3]
    wrepo.submit(any_engine, w.code, token(), "executive", {q0: 5, q1: None})
    wrepo.submit(any_engine, w.code, token(), "frontline", {q0: 2})
    wrepo.submit(any_engine, w.code, token(), "frontline", {q0: 2, q1: None})
    wrepo.join(any_engine, w.code, token(), "it")  # joined, never answered: not counted
    done = wrepo.close(any_engine, w.code)
    assert done.source == "aggregate" and done.participants == 3 and not done.workshop.is_open
    assert done.workshop.diagnosis_id == done.diagnosis_id
    [saved] = repo.list_diagnoses(any_engine, org.id)
    assert (saved.id, saved.mode, saved.question_set, saved.participants, saved.role) == (
        done.diagnosis_id, "workshop", "pulse", 3, "other")
    assert saved.answers[q0] == pytest.approx(3.0) and saved.answers[q1] is None and saved.answers[q2] is None
    assert set(saved.answers) == set(PULSE)
    # closed: nothing more is accepted, and it cannot be closed twice
    for call in (lambda: wrepo.submit(any_engine, w.code, token(), "frontline", {q0: 1}),
                 lambda: wrepo.join(any_engine, w.code, token(), "frontline")):
        with pytest.raises(DxError) as e:
            call()
        assert e.value.key == "workshop.error.closed"
    with pytest.raises(DxError, match="already_closed"):
        wrepo.close(any_engine, w.code)
    assert len(repo.list_diagnoses(any_engine, org.id)) == 1


def test_a_room_of_one_role_is_saved_under_that_role(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "現場の会", "pulse")
    for v in (4, 5):
        wrepo.submit(any_engine, w.code, token(), "frontline", {q: v for q in PULSE})
    done = wrepo.close(any_engine, w.code)
    [saved] = repo.list_diagnoses(any_engine, org.id)
    assert saved.role == "frontline" and saved.participants == 2 and saved.answers[PULSE[0]] == 4.5
    assert done.diagnosis_id == saved.id


def test_closing_an_empty_room_or_the_warm_up_saves_no_diagnosis(any_engine, org):
    empty = wrepo.create_workshop(any_engine, org.id, "誰も来ない", "full")
    quiz = wrepo.create_workshop(any_engine, org.id, "クイズ", "myths")
    wrepo.submit(any_engine, quiz.code, token(), "frontline", {"M1": False, "M2": True})
    assert wrepo.close(any_engine, empty.code).diagnosis_id is None
    done = wrepo.close(any_engine, quiz.code)
    assert done.diagnosis_id is None and done.participants == 1 and done.source is None
    assert repo.list_diagnoses(any_engine, org.id) == []


def test_consensus_is_an_upsert_and_wins_on_close(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "紙の会場", "pulse")
    wrepo.submit(any_engine, w.code, token(), "frontline", {q: 1 for q in PULSE})
    wrepo.record_consensus(any_engine, w.code, PULSE[0], 2)
    wrepo.record_consensus(any_engine, w.code, PULSE[0], 4)  # changed its mind
    wrepo.record_consensus(any_engine, w.code, PULSE[1], None)
    wrepo.record_consensus(any_engine, w.code, PULSE[2], 3)
    wrepo.clear_consensus(any_engine, w.code, PULSE[2])
    assert wrepo.consensus(any_engine, w.id) == {PULSE[0]: 4, PULSE[1]: None}
    assert rows(any_engine, WorkshopConsensus) == 2
    with pytest.raises(DxError, match="bad_value"):
        wrepo.record_consensus(any_engine, w.code, PULSE[0], 7)
    wrepo.set_consensus_size(any_engine, w.code, 12)
    done = wrepo.close(any_engine, w.code)
    assert done.source == "consensus" and done.participants == 12
    [saved] = repo.list_diagnoses(any_engine, org.id)
    assert saved.answers == {PULSE[0]: 4.0, PULSE[1]: None} and saved.participants == 12


def test_the_warm_up_has_no_consensus_mode(any_engine, org):
    quiz = wrepo.create_workshop(any_engine, org.id, "クイズ", "myths")
    with pytest.raises(DxError, match="consensus_myths"):
        wrepo.record_consensus(any_engine, quiz.code, "M1", 1)


def test_reveal_and_live_view(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    for role, v in (("executive", 5), ("executive", 5), ("executive", 4), ("frontline", 1), ("frontline", 2),
                    ("frontline", 1)):
        wrepo.submit(any_engine, w.code, token(), role, {q: v for q in PULSE})
    assert wrepo.set_revealed(any_engine, w.code, True).revealed
    live = wrepo.live(any_engine, w.code)
    assert live.workshop.revealed and live.counts.answered == 6 and live.room.participants == 6
    assert live.room.gaps and live.room.gaps[0].difference == pytest.approx(14 / 3 - 4 / 3, abs=0.01)
    assert live.room.result.overall is not None
    assert not wrepo.set_revealed(any_engine, w.code, False).revealed


def test_responses_do_not_come_in_order_of_arrival(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    for v in range(1, 6):
        for _ in range(4):
            wrepo.submit(any_engine, w.code, token(), "frontline", {PULSE[0]: v})
    arrival = [v for v in range(1, 6) for _ in range(4)]
    order = [r.answers[PULSE[0]] for r in wrepo.responses(any_engine, w.id)]
    assert sorted(order) == arrival and order != arrival  # 20 in arrival order by chance: 1 in ~10¹¹


def test_deleting_the_organisation_takes_its_workshops(any_engine, org):
    from sqlalchemy import delete

    from dxcore.store.models import Organization

    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    wrepo.submit(any_engine, w.code, token(), "frontline", {PULSE[0]: 3})
    with any_engine.begin() as conn:
        conn.execute(delete(Organization).where(Organization.id == org.id))
    assert rows(any_engine, Workshop) == rows(any_engine, WorkshopParticipant) == rows(any_engine, WorkshopAnswer) == 0


def test_the_demo_municipality_has_an_open_workshop_with_a_gap(engine):
    from dxcore import demo, workshop_demo

    org = demo.load_demo(engine)
    [summary] = wrepo.list_workshops(engine, org.id)
    assert summary.workshop.title == workshop_demo.TITLE and summary.workshop.is_open
    assert summary.counts.answered == sum(people for _, people, _ in workshop_demo.ROOM)
    room = wrepo.live(engine, summary.workshop.code).room
    # the front line sees more risk than the top: it agrees less with a health-worded statement,
    # more with a risk-worded one
    gap = room.gaps[0]
    assert (gap.difference > 0) if load().question_index[gap.question_id].reverse else (gap.difference < 0)
    assert all(d.mode == "self" for d in repo.list_diagnoses(engine, org.id))
    demo.load_demo(engine)
    assert len(wrepo.list_workshops(engine, org.id)) == 1


def test_a_returning_participant_finds_their_role_and_answers(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    other = wrepo.create_workshop(any_engine, org.id, "別の研修", "pulse")
    me = token()
    assert wrepo.returning(any_engine, w.code, me) is None
    wrepo.join(any_engine, w.code, me, "dx_office")
    assert wrepo.returning(any_engine, w.code, me) == wrepo.Returning("dx_office", False, {})
    wrepo.submit(any_engine, w.code, me, "frontline", {PULSE[0]: 2, PULSE[1]: None})
    back = wrepo.returning(any_engine, w.code.lower(), me)
    assert back == wrepo.Returning("frontline", True, {PULSE[0]: 2, PULSE[1]: None})
    assert wrepo.returning(any_engine, other.code, me) is None  # a token is per workshop
    assert wrepo.returning(any_engine, w.code, token()) is None


# the room's door: stop new joins, a room PIN ---------------------------------------------

def test_a_new_workshop_lets_anyone_in_without_a_pin(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    assert (w.pin, w.joins_open) == (None, True)
    assert wrepo.join(any_engine, w.code, token(), "frontline", wrepo.Admission(pin=None)).new


def test_stopping_joins_keeps_newcomers_out_and_lets_those_in_answer(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    inside = token()
    wrepo.join(any_engine, w.code, inside, "frontline", wrepo.Admission())
    assert wrepo.set_joins_open(any_engine, w.code, False).joins_open is False
    with pytest.raises(DxError) as e:
        wrepo.submit(any_engine, w.code, token(), "frontline", {PULSE[0]: 3}, wrepo.Admission())
    assert e.value.key == "room.error.joins_closed"
    with pytest.raises(DxError):
        wrepo.join(any_engine, w.code, token(), "frontline", wrepo.Admission())
    assert wrepo.submit(any_engine, w.code, inside, "executive", {PULSE[0]: 3}, wrepo.Admission()).answers == 1
    # the facilitator's own paper forms (no admission) still go in
    wrepo.submit(any_engine, w.code, token(), "other", {PULSE[0]: 2})
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=2, answered=2)
    assert wrepo.set_joins_open(any_engine, w.code, True).joins_open


def test_a_room_pin_is_asked_of_newcomers_only(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    inside = token()
    wrepo.submit(any_engine, w.code, inside, "frontline", {PULSE[0]: 3}, wrepo.Admission())
    pin = wrepo.set_pin(any_engine, w.code, True).pin
    assert pin is not None and len(pin) == ws.PIN_LENGTH and pin.isdigit()
    assert wrepo.get_workshop(any_engine, w.code).pin == pin
    for typed, key in ((None, "room.error.need_pin"), ("", "room.error.need_pin"),
                       (str((int(pin) + 1) % 10_000).zfill(4), "room.error.wrong_pin")):
        with pytest.raises(DxError) as e:
            wrepo.submit(any_engine, w.code, token(), "frontline", {PULSE[0]: 3}, wrepo.Admission(typed))
        assert e.value.key == key
    assert rows(any_engine, WorkshopParticipant) == 1  # nothing stored for them
    wrepo.submit(any_engine, w.code, inside, "frontline", {PULSE[0]: 4}, wrepo.Admission())  # already in
    wide = pin.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert wrepo.join(any_engine, w.code, token(), "other", wrepo.Admission(f" {wide} ")).new
    assert wrepo.set_pin(any_engine, w.code, False).pin is None


def test_a_burst_with_a_wrong_pin_refuses_only_that_newcomer(any_engine, org):
    import threading

    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    pin = wrepo.set_pin(any_engine, w.code, True).pin
    wrong = str((int(pin) + 5) % 10_000).zfill(4)
    people = [(token(), pin if i % 5 else wrong) for i in range(20)]
    barrier = threading.Barrier(len(people))
    outcome: dict[str, str] = {}

    def send(t: str, typed: str) -> None:
        barrier.wait()
        try:
            wrepo.submit(any_engine, w.code, t, "frontline", {PULSE[0]: 2}, wrepo.Admission(typed))
            outcome[t] = "in"
        except DxError as e:
            outcome[t] = e.key

    threads = [threading.Thread(target=send, args=p) for p in people]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcome.values()) == ["in"] * 16 + ["room.error.wrong_pin"] * 4
    assert wrepo.counts(any_engine, w.id) == wrepo.Counts(joined=16, answered=16)


def test_the_door_cannot_be_changed_once_closed(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    wrepo.close(any_engine, w.code)
    for change in (lambda: wrepo.set_pin(any_engine, w.code, True),
                   lambda: wrepo.set_joins_open(any_engine, w.code, False)):
        with pytest.raises(DxError):
            change()


def test_a_recent_read_is_reused_only_when_asked_and_refreshed_by_a_fresh_read(any_engine, org):
    w = wrepo.create_workshop(any_engine, org.id, "研修", "pulse")
    assert wrepo.get_workshop(any_engine, w.code, max_age=60).joins_open
    with any_engine.begin() as conn:  # another process closes the door
        conn.execute(Workshop.__table__.update().values(joins_open=False))
    assert wrepo.get_workshop(any_engine, w.code, max_age=60).joins_open  # as read a moment ago
    assert not wrepo.get_workshop(any_engine, w.code).joins_open  # read now (and remembered)
    assert not wrepo.get_workshop(any_engine, w.code, max_age=60).joins_open
    assert wrepo.get_workshop(any_engine, "ZZZZZZ", max_age=60) is None
