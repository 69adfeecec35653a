from dxcore.advice import advice_to_dict, advise
from dxcore.content import load
from dxcore.scoring import score

C = load()


def answers_with_risk(risks: dict[str, int]) -> dict:
    """Answer so that each pattern's risk is exactly 0 or 100 (all or nothing)."""
    out = {}
    for p in C.patterns:
        hot = risks.get(p.id, 0) == 100
        for q in p.questions:
            out[q.id] = (1 if q.reverse else 5) if hot else (5 if q.reverse else 1)
    return out


def test_top_three_in_risk_order_with_steps_and_kpis():
    r = score(answers_with_risk({"P6": 100, "P1": 100, "P3": 100}))
    a = advise(r)
    # equal risk: the article's order breaks the tie
    assert [i.pattern for i in a.items] == ["P1", "P3", "P6"]
    assert a.ranking[:3] == ("P1", "P3", "P6") and len(a.ranking) == 7
    assert a.items[0].steps[0] == "S2"
    # S1 and S2 first (nothing is finished yet), then the patterns' own steps in their order:
    # P1 ["S2", "S1", "S6"], P3 ["S5", "S7"], P6 ["S6", "S2"]
    assert a.steps == ("S1", "S2", "S6", "S5", "S7") and a.finished == ()
    assert a.next_step == "S1"
    assert set(a.kpis) == {k for p in ("P1", "P3", "P6") for k in C.pattern_index[p].kpis}


def test_p3_on_top_starts_with_taking_stock_while_it_is_unfinished():
    """The article: skipping 棚卸し (S1) repeats the failure, whatever the top pattern."""
    a = advise(score(answers_with_risk({"P3": 100})))
    assert [i.pattern for i in a.items] == ["P3"] and C.pattern_index["P3"].steps == ("S5", "S7")
    assert a.steps == ("S1", "S2", "S5", "S7") and a.next_step == "S1"
    # S1 done: S2 is next; S1 and S2 done: the pattern's own first step
    assert advise(score(answers_with_risk({"P3": 100})), finished={"S1"}).steps == ("S2", "S5", "S7")
    done = advise(score(answers_with_risk({"P3": 100})), finished={"S1", "S2"})
    assert done.next_step == "S5" and done.finished == ("S1", "S2")


def test_a_finished_step_is_never_the_next_step():
    a = advise(score(answers_with_risk({"P2": 100})), finished={"S1", "S2", "S3"})
    assert C.pattern_index["P2"].steps == ("S3", "S1")
    assert a.steps == () and a.next_step is None and a.finished == ("S1", "S2", "S3")


def test_unscored_patterns_are_not_advised():
    q = C.pattern_index["P4"].questions[0]
    a = advise(score({q.id: 1 if q.reverse else 5}))
    assert a.ranking == ("P4",) and [i.pattern for i in a.items] == ["P4"]


def test_advice_dict_has_hint_in_language():
    a = advise(score(answers_with_risk({"P2": 100})))
    d = advice_to_dict(a, lang="en")
    assert d[0]["pattern"] == "P2" and d[0]["hint"] == C.pattern_index["P2"].hint["en"]
    assert d[0]["steps"] == list(C.pattern_index["P2"].steps)


def test_low_risk_patterns_get_no_advice():
    r = score(answers_with_risk({"P5": 100}))  # every other pattern at risk 0
    a = advise(r)
    assert [i.pattern for i in a.items] == ["P5"] and a.steps == ("S1", "S2") + C.pattern_index["P5"].steps
    assert len(a.ranking) == 7
    healthy = advise(score(answers_with_risk({})))
    assert healthy.items == () and healthy.steps == () and healthy.next_step is None
