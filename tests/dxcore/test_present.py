"""The projector's screens (dxcore.present) and its charts (dxcore.charts_workshop), without Streamlit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxcore import charts_workshop as wc
from dxcore import present
from dxcore import workshop as ws
from dxcore.content import load
from dxcore.i18n import pick
from dxcore.present import FIRST, GAP, JOIN, MYTH, RISK, STATEMENT, Screen

C = load()
PULSE = C.question_ids("pulse")


def room_of(people, question_set="pulse", min_group=ws.MIN_GROUP_SIZE):
    """``people``: (role, value for every statement)."""
    ids = ws.statement_ids(question_set, C)
    return ws.aggregate([ws.Response(role, {q: value for q in ids}) for role, value in people], question_set, C,
                        min_group=min_group)


# the sequence of screens -----------------------------------------------------------------

def test_a_diagnosis_workshop_shows_join_risk_gap_then_each_statement_in_order():
    screens = present.sequence("pulse", C)
    assert [s.id for s in screens] == ["join", "risk", "gap", *(f"statement:{q}" for q in PULSE)]
    full = present.sequence("full", C)
    assert len(full) == 3 + len(C.question_ids("full")) and full[3] == Screen(STATEMENT, C.question_ids("full")[0])


def test_the_warm_up_shows_join_then_each_myth():
    assert present.sequence("myths", C) == (FIRST, *(Screen(MYTH, m.id) for m in C.myths))


def test_moving_stops_at_both_ends_and_an_unknown_screen_counts_as_the_first():
    screens = present.sequence("pulse", C)
    assert present.move(screens, None, present.NEXT) == Screen(RISK)
    assert present.move(screens, FIRST, present.PREVIOUS) == FIRST
    assert present.move(screens, screens[-1], present.NEXT) == screens[-1]
    assert present.move(screens, Screen(GAP), present.NEXT) == Screen(STATEMENT, PULSE[0])
    assert present.move(screens, Screen(GAP), 100) == screens[-1]
    elsewhere = Screen(MYTH, "M1")  # stored for another set: not a pulse screen
    assert present.current(screens, elsewhere) == FIRST and present.position(screens, elsewhere) == 0
    assert present.move(screens, elsewhere, present.NEXT) == Screen(RISK)


@given(st.lists(st.sampled_from([present.NEXT, present.PREVIOUS, 3, -2]), max_size=40))
def test_any_walk_stays_within_the_sequence(steps):
    screens = present.sequence("pulse", C)
    now = None
    for step in steps:
        before = present.position(screens, now)
        now = present.move(screens, now, step)
        assert now in screens
        assert present.position(screens, now) == min(max(before + step, 0), len(screens) - 1)


@pytest.mark.parametrize("screen_id, expected", [
    ("join", Screen(JOIN)), ("risk", Screen(RISK)), ("gap", Screen(GAP)),
    ("statement:P1-2", Screen(STATEMENT, "P1-2")), ("myth:M2", Screen(MYTH, "M2")),
    ("statement", None), ("risk:P1", None), ("join:", Screen(JOIN)), ("<script>", None), ("", None),
    (None, None), (3, None),
])
def test_a_screen_id_parses_back_or_names_nothing(screen_id, expected):
    assert Screen.parse(screen_id) == expected
    if expected is not None:
        assert Screen.parse(expected.id) == expected


def test_only_the_join_screen_shows_no_results():
    assert [s.shows_results for s in present.sequence("myths", C)] == [False] + [True] * len(C.myths)


# what each screen shows ------------------------------------------------------------------

def test_the_gap_needs_enough_executives_and_front_line_staff():
    few_execs = room_of([("executive", 5)] * 2 + [("frontline", 1)] * 3)
    assert present.pattern_gaps(few_execs) is None
    assert present.hidden_groups(few_execs) == ["executive"]  # answered, but too few to show
    room = room_of([("executive", 5)] * 3 + [("frontline", 1)] * 3 + [("it", 3)])
    gaps = present.pattern_gaps(room)
    assert [g.pattern for g in gaps] == [p.id for p in C.patterns]
    exec_result, front_result = room.group("executive").result, room.group("frontline").result
    for g in gaps:
        assert g.executive == exec_result.pattern(g.pattern).risk
        assert g.frontline == front_result.pattern(g.pattern).risk
        assert g.difference == pytest.approx(g.executive - g.frontline)
    assert present.hidden_groups(room) == ["other"]  # one IT person stays inside the room's figures
    widest = present.widest_gap(gaps)
    assert abs(widest.difference) == max(abs(g.difference) for g in gaps)


def test_a_pattern_nobody_rated_has_no_gap():
    gap = present.PatternGap("P1", None, 40.0)
    assert gap.difference is None
    assert present.widest_gap([gap]) is None and present.widest_gap(None) is None


def test_a_statements_answers_count_every_value_and_dont_know():
    room = ws.aggregate([ws.Response("frontline", {PULSE[0]: v}) for v in (1, 1, 4, None)], "pulse", C)
    answers = present.statement_answers(room, PULSE[0])
    assert answers.counts == (2, 0, 0, 1, 0) and answers.unknown == 1 and answers.responses == 4
    assert answers.mean == pytest.approx(2.0)
    nobody = present.statement_answers(room, PULSE[1])
    assert nobody.responses == 0 and nobody.mean is None


def test_a_myths_split_and_nothing_before_anyone_answers():
    room = ws.aggregate([ws.Response("frontline", {"M1": a}) for a in (True, False, False, None)], "myths", C)
    tally = present.myth_tally(room, "M1")
    assert (tally.true, tally.false, tally.unknown) == (1, 2, 1)
    empty = present.myth_tally(ws.aggregate([], "myths", C), "M1")
    assert empty.responses == 0 and empty.correct_rate is None
    assert present.share(1, 4) == 25.0 and present.share(3, 0) == 0.0


# charts made for the room ---------------------------------------------------------------

def _texts(spec: dict) -> list[str]:
    """Every string value in the chart's data."""
    return [v for rows in spec["datasets"].values() for row in rows for v in row.values() if isinstance(v, str)]


def _readable_from_the_back(spec: dict) -> None:
    config = spec["config"]
    assert config["font"].startswith("Noto Sans CJK JP")
    for part in ("axis", "legend"):
        assert config[part]["labelFontSize"] >= 24 and config[part]["titleFontSize"] >= 24
        assert config[part]["labelLimit"] >= 1000  # Vega cuts a label longer than this: never on 1920 px
    sizes = [layer["mark"].get("fontSize") for layer in spec.get("layer", []) if isinstance(layer["mark"], dict)]
    assert all(size >= 24 for size in sizes if size is not None)


def test_the_risk_chart_names_every_pattern_in_full_highest_first():
    room = room_of([("executive", 5)] * 3 + [("frontline", 2)] * 3)
    spec = wc.room_risk(room.result, "ja", C).to_dict()
    _readable_from_the_back(spec)
    labels = spec["layer"][0]["encoding"]["y"]["sort"]
    assert sorted(labels) == sorted(f"{p.id} {pick(p.title, 'ja')}" for p in C.patterns)
    risks = {p.id: p.risk for p in room.result.patterns}
    in_order = [risks[label.split()[0]] for label in labels]
    assert in_order == sorted(in_order, reverse=True)
    assert not any(text.endswith("…") for text in _texts(spec))
    english = wc.room_risk(room.result, "en", C).to_dict()
    assert "P3 Vendor dependence leaves no know-how in-house" in english["layer"][0]["encoding"]["y"]["sort"]


def test_the_gap_chart_draws_both_groups_per_pattern():
    room = room_of([("executive", 5)] * 3 + [("frontline", 1)] * 3)
    spec = wc.pattern_gap(present.pattern_gaps(room), "ja", C).to_dict()
    _readable_from_the_back(spec)
    dots = next(rows for rows in spec["datasets"].values() if rows and "group" in rows[0])
    assert {d["group"] for d in dots} == {"幹部", "現場"} and len(dots) == 2 * len(C.patterns)


def test_the_answer_bars_write_people_and_share_on_each_answer():
    room = ws.aggregate([ws.Response("frontline", {PULSE[0]: v}) for v in (1, 1, 4, None)], "pulse", C)
    options = wc.statement_options(present.statement_answers(room, PULSE[0]), "ja", C)
    assert [label for label, _, _ in options] == [f"{o.value} {pick(o.label, 'ja')}" for o in C.scale] + ["わからない"]
    spec = wc.answer_bars(options, "ja").to_dict()
    _readable_from_the_back(spec)
    figures = {row["answer"]: row["figure"] for rows in spec["datasets"].values() for row in rows}
    assert figures[options[0][0]] == "2人(50%)" and figures["わからない"] == "1人(25%)"
    assert figures[options[1][0]] == "0人(0%)"
    myth = wc.myth_options(present.myth_tally(ws.aggregate([], "myths", C), "M1"), "en", C)
    assert [label for label, _, _ in myth] == ["○ True", "× False", "Don't know"]
    assert json.dumps(wc.answer_bars(myth, "en").to_dict())  # nobody yet: still a chart


def test_the_projector_shows_the_warm_up_in_the_order_the_phones_answer_it():
    from dxcore.workshop import statement_ids

    for code in ("ABC234", "XYZ789", "QWE456"):
        shown = [s.item for s in present.sequence("myths", C, code) if s.kind == MYTH]
        assert shown == list(statement_ids("myths", C, code))
        assert sorted(shown) == sorted(m.id for m in C.myths)
