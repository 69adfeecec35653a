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
        for band in ("low", "medium", "high"):
            yield f"{p.id} {band}", p.levels[band]
        for q in p.questions:
            yield q.id, q.text
    for v in C.questionnaires:
        for q in v.questions:
            yield f"v{v.version} {q.id}", q.text
    for change in C.changes:
        yield f"v{change.version}", change.summary
    for x in (*C.symptoms, *C.habits):
        yield x.id, x.name
    for s in C.symptoms:
        yield s.id, s.description
    for h in C.habits:
        yield h.id, h.summary
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
    for c in C.causes:
        yield c.id, c.summary
        yield c.id, c.covers
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


@pytest.mark.parametrize("version", C.versions)
def test_pulse_set_has_one_statement_per_pattern(version):
    pulse = C.questionnaire(version).questions_of("pulse")
    assert len(pulse) == 7
    assert sorted(q.pattern for q in pulse) == [p.id for p in C.patterns]


def test_questionnaire_versions_keep_every_old_statement_and_never_reuse_an_id():
    assert C.versions == tuple(sorted(C.versions)) and C.versions[-1] == C.version == 2
    assert C.questionnaire() is C.questionnaire(C.version) and C.questions == C.questionnaire().questions
    seen: dict[str, tuple] = {}
    for v in C.questionnaires:
        assert len(v.questions) == 42 and len(v.question_index) == 42
        for q in v.questions:
            meaning = (q.pattern, q.reverse, q.text["ja"])
            if q.id in seen:  # a kept id asks the same thing in the same direction (wording may be polished)
                assert seen[q.id][:2] == meaning[:2], q.id
            seen[q.id] = meaning
            assert q.id.startswith(q.pattern + "-") and q.cause in C.cause_index
    # version 1 as it shipped: P1-1 … P7-6, the risk-worded pulse set of the first release
    v1 = C.questionnaire(1)
    assert v1.question_ids() == tuple(f"P{p}-{n}" for p in range(1, 8) for n in range(1, 7))
    assert v1.question_ids("pulse") == ("P1-2", "P2-1", "P3-1", "P4-2", "P5-2", "P6-1", "P7-1")
    assert not any(q.reverse for q in v1.questions_of("pulse"))
    assert (v1.question_index["P6-5"].reverse, v1.question_index["P6-1"].cause) == (False, "culture")
    # every later version says what changed
    assert [c.version for c in C.changes] == list(C.versions[1:])
    assert C.version_of(["P6-1"]) == 1 and C.version_of(["P1-1", "P6-10"]) == 2 and C.version_of(["P6-1", "P6-10"]) is None


def test_the_migration_carries_version_1_as_the_content_has_it():
    """Migration 0007 fills in version 1's ids for old diagnoses from its own copy of them."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "dxcore/store/migrations/versions/0007_diagnosis_versions.py"
    spec = importlib.util.spec_from_file_location("m0007", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    assert m.V1_FULL == C.questionnaire(1).question_ids("full")
    assert m.V1_PULSE == C.questionnaire(1).question_ids("pulse")


def test_the_revised_statements_follow_the_writing_rules():
    texts = [q.text["ja"] for q in C.questions]
    for loaded in ("結局", "諦めがち"):
        assert not any(loaded in t for t in texts), loaded
    assert not any(t.endswith(("ていない。", "がない。")) for t in texts)  # no negatively worded statement
    assert not any("ことがある。" in t and "したことがある" in t for t in texts)  # no one-off past event
    culture = [q for q in C.questions if q.cause == "culture"]
    assert any(q.reverse and "学び" in q.text["ja"] for q in culture)  # a failed trial treated as learning
    assert sum(1 for q in culture if q.pattern == "P7") >= 2  # the article's culture: fear of failure stops trying


def test_symptoms_habits_and_levels():
    assert {s.name["ja"] for s in C.symptoms} >= {"定着しない", "職員の負担が増えた"}
    assert all(set(s.patterns) <= set(C.pattern_index) and s.patterns for s in C.symptoms)
    assert [h.name["ja"] for h in C.habits] == ["小さく始める", "成果を共有する", "人を育てる"]
    for h in C.habits:
        assert len(C.items_practising(h.id)) >= 2, h.id
    assert all(set(i.habits) <= set(C.habit_index) for s in C.steps for i in s.items)
    assert all(set(p.levels) == {"low", "medium", "high"} for p in C.patterns)


def test_checklist_items_come_in_a_workable_order():
    items = C.item_index
    for s in C.steps:
        order = [i.id for i in s.items]
        for i in s.items:
            for before in i.requires:
                assert before in items and (items[before].step != s.id or order.index(before) < order.index(i.id)), i.id
    s5 = [i.id for i in C.step_index["S5"].items]
    assert s5[0] == "S5-4" and "LGWAN" in items["S5-7"].text["ja"]  # AI rules first, then where tools may run
    assert "例規" in " ".join(i.text["ja"] for i in C.step_index["S3"].items)
    assert "首長" in items["S4-2"].text["ja"] and "CIO補佐官" in items["S4-7"].text["ja"]
    assert "事務事業評価" in items["S6-6"].text["ja"] and "公表" in items["S6-4"].text["ja"]


def test_plan_item_ids_of_the_first_release_are_all_still_there():
    """Stored plan items are keyed by id: no id of the first release may disappear."""
    first = {f"S{s}-{n}" for s in range(1, 8) for n in range(1, 7)}
    assert first <= set(C.item_index)


def test_one_english_word_for_課():
    """課 is 'section' everywhere; 部署 is 'department'."""
    for s in C.steps:
        for i in s.items:
            if "課" in i.text["ja"].replace("課題", ""):
                assert "section" in i.text["en"].lower(), i.id
    for q in C.questions:
        if "課" in q.text["ja"].replace("課題", ""):
            assert "section" in q.text["en"].lower() and "department" not in q.text["en"].lower(), q.id


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
    # a room cannot pass the warm-up by answering ✗ every time: at least a third are true
    assert len(C.myths) >= 3 and 3 * sum(m.answer for m in C.myths) >= len(C.myths)
    assert any(not m.answer for m in C.myths)
    # the English answer scale is an agreement scale with a neutral midpoint, like the Japanese one
    assert [o.label["en"] for o in C.scale] == ["Strongly disagree", "Somewhat disagree",
                                               "Neither agree nor disagree", "Somewhat agree", "Strongly agree"]
    assert C.scale[2].label["ja"] == "どちらともいえない"


def test_patterns_are_measured_by_what_the_article_says_they_are_about():
    """P3 (vendor dependence) by in-house changes and vendor change costs, not by money saved;
    P4 (silos) by cross-department projects; P7 (change) by the lead time from a 制度改正 to the
    updated workflow, not by self-resolution."""
    kpis_of = {p.id: set(p.kpis) for p in C.patterns}
    assert {"inhouse_changes", "vendor_change_cost"} <= kpis_of["P3"] and "staff_cost_equivalent" not in kpis_of["P3"]
    assert "cross_dept_projects" in kpis_of["P4"]
    assert "law_change_lead_time" in kpis_of["P7"] and "self_resolution_rate" not in kpis_of["P7"]
