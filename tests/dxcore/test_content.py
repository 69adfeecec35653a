"""The questionnaire, steps, KPIs and myths are complete and consistent."""

from collections import Counter

import pytest

from dxcore.content import load
from dxcore.i18n import LANGS

C = load()


def all_texts():
    for p in C.patterns:
        yield p.id, p.title
        yield p.id, p.summary
        yield p.id, p.hint
        for q in p.questions:
            yield q.id, q.text
    for s in C.steps:
        yield s.id, s.title
        yield s.id, s.summary
        for i in s.items:
            yield i.id, i.text
    for k in C.kpis:
        yield k.id, k.name
        yield k.id, k.formula
    for m in C.myths:
        yield m.id, m.statement
        yield m.id, m.explanation
    for x in (*C.causes, *C.roles):
        yield x.id, x.name
    for o in C.scale:
        yield str(o.value), o.label
    yield "unknown", C.unknown


def test_seven_patterns_and_steps_in_the_articles_order():
    assert [p.id for p in C.patterns] == [f"P{i}" for i in range(1, 8)]
    assert [s.id for s in C.steps] == [f"S{i}" for i in range(1, 8)]


def test_ids_are_unique():
    ids = [q.id for q in C.questions] + [i.id for s in C.steps for i in s.items] + [k.id for k in C.kpis]
    assert [x for x, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_exists_in_both_languages(lang):
    missing = [owner for owner, texts in all_texts() if not str(texts.get(lang, "")).strip()]
    assert missing == []


def test_questions_per_pattern_mix_reverse_and_causes():
    assert len(C.questions) >= 35
    for p in C.patterns:
        assert len(p.questions) >= 5, p.id
        kinds = Counter(q.reverse for q in p.questions)
        assert kinds[True] >= 1 and kinds[False] >= 1, p.id
        assert all(q.id.startswith(p.id + "-") for q in p.questions)
    assert {q.cause for q in C.questions} == {c.id for c in C.causes} == {"process", "people", "culture"}


def test_pulse_set_has_one_statement_per_pattern():
    pulse = C.questions_of("pulse")
    assert len(pulse) == 7
    assert sorted(q.pattern for q in pulse) == [p.id for p in C.patterns]


def test_steps_have_items_and_every_mapping_is_valid():
    steps = set(C.step_index)
    kpis = set(C.kpi_index)
    for s in C.steps:
        assert len(s.items) >= 4, s.id
    for p in C.patterns:
        assert p.steps and set(p.steps) <= steps, p.id
        assert p.kpis and set(p.kpis) <= kpis, p.id
    assert C.pattern_index["P1"].steps[0] == "S2"
    assert set().union(*(p.steps for p in C.patterns)) == steps  # every step reachable


def test_scale_roles_kpis_and_myths():
    assert [o.value for o in C.scale] == [1, 2, 3, 4, 5]
    assert [r.id for r in C.roles] == ["executive", "dx_office", "frontline", "it", "other"]
    assert {r.group for r in C.roles} == {"executive", "frontline", "other"}
    assert {k.direction for k in C.kpis} <= {"higher", "lower", "none"}
    for wanted in ("time_reduction_rate", "resident_satisfaction", "automations", "inquiries"):
        assert wanted in C.kpi_index
    assert len(C.myths) == 3 and all(m.answer is False for m in C.myths)
