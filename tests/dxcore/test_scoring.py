"""Scoring: hand-computed cases and properties (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxcore.content import load
from dxcore.scoring import AnswerError, band, infer_set, question_risk, rounded, score, shown_change, validate_answers

C = load()
QIDS = [q.id for q in C.questions]
answer_value = st.one_of(st.none(), st.integers(1, 5))
answers_st = st.dictionaries(st.sampled_from(QIDS), answer_value)


def plain(pattern="P1"):
    return next(q for q in C.pattern_index[pattern].questions if not q.reverse)


def reverse(pattern="P1"):
    return next(q for q in C.pattern_index[pattern].questions if q.reverse)


def test_question_risk_and_reverse():
    assert question_risk(5, False) == 1.0 and question_risk(1, False) == 0.0
    assert question_risk(5, True) == 0.0 and question_risk(2, True) == 0.75


def test_pattern_risk_by_hand():
    # plain 4 -> 0.75, reverse 4 -> 0.25, unknown not scored: mean 0.5 -> 50
    p = C.pattern_index["P2"]
    a, b = plain("P2"), reverse("P2")
    other = next(q for q in p.questions if q.id not in (a.id, b.id))
    r = score({a.id: 4, b.id: 4, other.id: None}, "full")
    p2 = r.pattern("P2")
    assert (p2.risk, p2.band, p2.answered, p2.unknown) == (50.0, "medium", 2, 1)
    assert p2.confidence == "low"  # 2 answers of 6 asked: fewer than half
    assert r.pattern("P1").risk is None and r.pattern("P1").confidence == "low"
    assert r.overall == 50.0 and r.confidence == "low"


def test_answering_5_everywhere_is_not_extreme():
    r = score({q: 5 for q in QIDS}, "full")
    assert all(15 < p.risk < 85 for p in r.patterns)


def test_full_and_confident():
    worst = {q.id: (1 if q.reverse else 5) for q in C.questions}
    r = score(worst)
    assert r.question_set == "full" and r.overall == 0.0 and r.confidence == "high"
    assert all(p.risk == 100.0 and p.band == "high" for p in r.patterns)
    best = score({q.id: (5 if q.reverse else 1) for q in C.questions})
    assert best.overall == 100.0 and all(c.risk == 0.0 for c in best.causes)


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_the_same_answer_everywhere_in_the_pulse_set_is_not_extreme(value):
    """An acquiescent (or contrary) respondent does not get 0 or 100: the pulse set mixes
    health-worded and risk-worded statements (4 and 3), so DX健全度 stays in 30–70."""
    r = score({q: value for q in C.question_ids("pulse")}, "pulse")
    assert 30 <= r.overall <= 70
    # by hand: 3 risk-worded statements at (value-1)/4, 4 health-worded at (5-value)/4
    assert r.overall == round(100 - 100 * (3 * (value - 1) / 4 + 4 * (5 - value) / 4) / 7, 1)
    assert all(c.risk is not None for c in r.causes)  # the pulse set scores all three root causes


def test_the_pulse_set_is_balanced():
    pulse = C.questions_of("pulse")
    assert sum(q.reverse for q in pulse) >= 3
    assert {q.cause for q in pulse} == {"process", "people", "culture"}


def test_pulse_set_needs_one_answer_per_pattern():
    pulse = C.question_ids("pulse")
    r = score({q: 3 for q in pulse})
    assert r.question_set == "pulse" and r.asked == 7
    assert all(p.confidence == "high" and p.risk == 50.0 for p in r.patterns)
    assert infer_set(pulse) == "pulse" and infer_set(QIDS[:2] + list(pulse)) == "full"


def test_causes_average_their_statements():
    q = plain("P1")
    r = score({q.id: 5})
    assert {c.id: c.risk for c in r.causes}[q.cause] == 100.0
    assert all(c.risk is None for c in r.causes if c.id != q.cause)


def test_bands():
    assert [band(x) for x in (None, 0, 34.4, 35, 64.4, 65, 100)] == [
        None, "low", "low", "medium", "medium", "high", "high"]
    # the band is read from the whole number shown: 34.5 is shown as 35, and 35 is 「中」
    assert band(34.5) == "medium" and band(64.5) == "high"


def test_one_rounding_rule_half_up():
    """Demo P3 was 62.5: home showed 62 (Python's round-half-even) and the chart 63."""
    assert [rounded(x) for x in (62.5, 62.4, 0.5, 1.5, 2.5, 99.95, 100.0, None)] == [63, 62, 1, 2, 3, 100, 100, None]
    assert rounded(-0.5) == -1 and rounded(-2.4) == -2  # changes: half away from zero
    assert shown_change(62.5, 63.4) == 0 and shown_change(62.4, 63.5) == 2 and shown_change(None, 3) is None


def test_validate_answers_lists_every_problem():
    with pytest.raises(AnswerError) as e:
        validate_answers({"P1-1": 6, "ZZ": 3, "P1-2": True, "P1-3": 2.5, "P1-5": None})
    assert sorted(p[0] for p in e.value.problems) == ["P1-1", "P1-2", "P1-3", "ZZ"]
    assert validate_answers({"P1-1": 1, "P1-2": None}) == {"P1-1": 1, "P1-2": None}
    with pytest.raises(AnswerError):
        validate_answers(["P1-1"])
    # a statement of an earlier version only passes for that version
    with pytest.raises(AnswerError):
        validate_answers({"P6-1": 3})
    assert validate_answers({"P6-1": 3}, version=1) == {"P6-1": 3}


def test_an_old_diagnosis_is_scored_with_its_own_versions_statements():
    """Version 1's P6-5 was risk-worded; version 2 asks the opposite (P6-7, health-worded).
    By hand, version 1: P6-1 (plain, culture) 5 → 1.0; P6-5 (plain, process) 4 → 0.75;
    P6-2 (reverse, process) 2 → 0.75: P6 = 83.3; process = (0.75 + 0.75) / 2 = 75.0,
    culture = 100.0; asked 6 of P6, 3 answered: high confidence."""
    old = {"P6-1": 5, "P6-5": 4, "P6-2": 2}
    r = score(old, "full", version=1)
    assert r.version == 1 and r.pattern("P6").risk == 83.3 and r.pattern("P6").confidence == "high"
    assert {c.id: c.risk for c in r.causes} == {"process": 75.0, "people": None, "culture": 100.0}
    # scored against today's version instead, the retired P6-1 and P6-5 would silently drop out
    now = score(old, "full").pattern("P6")
    assert (now.risk, now.answered, now.confidence) == (75.0, 1, "low")


@settings(max_examples=150, deadline=None)
@given(answers_st)
def test_scores_stay_in_range(answers):
    r = score(answers)
    values = [p.risk for p in r.patterns] + [c.risk for c in r.causes] + [r.overall]
    assert all(v is None or 0 <= v <= 100 for v in values)
    assert r.answered + r.unknown == len(answers)


@settings(max_examples=150, deadline=None)
@given(answers_st, st.sampled_from(QIDS), st.integers(1, 5), st.integers(1, 5))
def test_a_riskier_answer_never_lowers_its_patterns_risk(answers, qid, a, b):
    q = C.question_index[qid]
    low, high = sorted((a, b))
    if q.reverse:  # agreeing is healthy: the riskier answer is the lower value
        low, high = high, low
    safer = score({**answers, qid: low}).pattern(q.pattern).risk
    riskier = score({**answers, qid: high}).pattern(q.pattern).risk
    assert riskier >= safer


@settings(max_examples=100, deadline=None)
@given(answers_st, st.randoms())
def test_the_order_of_answers_does_not_matter(answers, rnd):
    items = list(answers.items())
    rnd.shuffle(items)
    assert score(dict(items)) == score(answers)
