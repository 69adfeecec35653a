"""Scoring: hand-computed cases and properties (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxcore.content import load
from dxcore.scoring import AnswerError, band, infer_set, question_risk, score, validate_answers

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
    assert [band(x) for x in (None, 0, 34.9, 35, 64.9, 65, 100)] == [
        None, "low", "low", "medium", "medium", "high", "high"]


def test_validate_answers_lists_every_problem():
    with pytest.raises(AnswerError) as e:
        validate_answers({"P1-1": 6, "ZZ": 3, "P1-2": True, "P1-3": 2.5, "P1-4": None})
    assert sorted(p[0] for p in e.value.problems) == ["P1-1", "P1-2", "P1-3", "ZZ"]
    assert validate_answers({"P1-1": 1, "P1-2": None}) == {"P1-1": 1, "P1-2": None}
    with pytest.raises(AnswerError):
        validate_answers(["P1-1"])


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
