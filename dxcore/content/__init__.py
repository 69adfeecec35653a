"""Questionnaire, restart steps, KPI catalogue and myths, loaded from the TOML files here.

Texts are kept as ``{"ja": ..., "en": ...}`` tables; use :func:`dxcore.i18n.pick` to
choose a language.  Everything is loaded once and is immutable.

The questionnaire has versions.  ``questionnaire.toml`` holds the current one (its
``version``); ``questionnaire_versions.toml`` keeps every earlier version's statements
unchanged (id, pattern, cause, reverse, pulse, text) and what each version changed.  A
diagnosis is stored with the version it was answered against and is scored with that
version's statements (:meth:`Content.questionnaire`), so revising the questionnaire never
changes a past score.  A statement id is never reused for a different statement.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

HERE = Path(__file__).parent
Texts = Mapping[str, str]
QUESTION_SETS = ("full", "pulse")


@dataclass(frozen=True)
class Question:
    id: str
    pattern: str
    text: Texts
    reverse: bool
    cause: str
    pulse: bool


@dataclass(frozen=True)
class Pattern:
    id: str
    title: Texts
    summary: Texts
    hint: Texts
    steps: tuple[str, ...]
    kpis: tuple[str, ...]
    questions: tuple[Question, ...]  # of the current version
    levels: Mapping[str, Texts]  # band (low / medium / high) → what that risk looks like in a municipality


@dataclass(frozen=True)
class Cause:
    id: str
    name: Texts
    summary: Texts
    covers: Texts  # what the cause includes: the rule for tagging a statement with it


@dataclass(frozen=True)
class Symptom:
    """One of the article's typical symptoms, and the patterns it points to."""

    id: str
    name: Texts
    description: Texts
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Habit:
    """One of the three habits successful municipalities share; checklist items practise them."""

    id: str
    name: Texts
    summary: Texts


@dataclass(frozen=True)
class VersionChange:
    """What a questionnaire version changed (shown on 履歴 where it starts)."""

    version: int
    summary: Texts


@dataclass(frozen=True, eq=False)  # hashed by identity, like Content
class Questionnaire:
    """The statements of one questionnaire version."""

    version: int
    questions: tuple[Question, ...]

    def question_ids(self, question_set: str = "full") -> tuple[str, ...]:
        if question_set not in QUESTION_SETS:
            raise ValueError(f"unknown question set {question_set!r}")
        return tuple(q.id for q in self.questions if question_set == "full" or q.pulse)

    def questions_of(self, question_set: str = "full") -> tuple[Question, ...]:
        wanted = set(self.question_ids(question_set))
        return tuple(q for q in self.questions if q.id in wanted)

    @property
    def question_index(self) -> Mapping[str, Question]:
        return _index(self, "questions")


@dataclass(frozen=True)
class Role:
    id: str
    name: Texts
    group: str


@dataclass(frozen=True)
class Item:
    id: str
    step: str
    text: Texts
    habits: tuple[str, ...] = ()  # the success habits (Habit ids) this item practises
    requires: tuple[str, ...] = ()  # items to finish first (e.g. AI usage rules before using AI)


@dataclass(frozen=True)
class Step:
    id: str
    title: Texts
    summary: Texts
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Kpi:
    id: str
    name: Texts
    unit: str
    direction: str
    formula: Texts


@dataclass(frozen=True)
class Myth:
    id: str
    statement: Texts
    answer: bool
    explanation: Texts


@dataclass(frozen=True)
class ScaleOption:
    value: int
    label: Texts


@dataclass(frozen=True, eq=False)  # hashed by identity: the look-up indexes are cached per instance
class Content:
    scale: tuple[ScaleOption, ...]
    unknown: Texts
    causes: tuple[Cause, ...]
    roles: tuple[Role, ...]
    patterns: tuple[Pattern, ...]
    steps: tuple[Step, ...]
    kpis: tuple[Kpi, ...]
    myths: tuple[Myth, ...]
    version: int = 1  # the current questionnaire version
    questionnaires: tuple[Questionnaire, ...] = ()  # every version, oldest first (the current one last)
    changes: tuple[VersionChange, ...] = ()
    symptoms: tuple[Symptom, ...] = ()
    habits: tuple[Habit, ...] = ()

    # the questionnaire --------------------------------------------------------
    def questionnaire(self, version: int | None = None) -> Questionnaire:
        """The statements of ``version`` (the current version by default)."""
        version = self.version if version is None else version
        for q in self.questionnaires:
            if q.version == version:
                return q
        raise ValueError(f"unknown questionnaire version {version!r}")

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(q.version for q in self.questionnaires)

    def version_of(self, question_ids) -> int | None:
        """The newest version that has every one of ``question_ids`` (None: no version has them all)."""
        ids = set(question_ids)
        for q in reversed(self.questionnaires):
            if ids <= set(q.question_index):
                return q.version
        return None

    def change(self, version: int) -> VersionChange | None:
        return next((c for c in self.changes if c.version == version), None)

    # the current version's statements (what new diagnoses and workshops ask)
    @property
    def questions(self) -> tuple[Question, ...]:
        return self.questionnaire().questions

    def question_ids(self, question_set: str = "full") -> tuple[str, ...]:
        return self.questionnaire().question_ids(question_set)

    def questions_of(self, question_set: str = "full") -> tuple[Question, ...]:
        return self.questionnaire().questions_of(question_set)

    @property
    def question_index(self) -> Mapping[str, Question]:
        return self.questionnaire().question_index

    # look-ups -----------------------------------------------------------------
    def symptoms_of(self, pattern_id: str) -> tuple[Symptom, ...]:
        return tuple(s for s in self.symptoms if pattern_id in s.patterns)

    def items_practising(self, habit_id: str) -> tuple[Item, ...]:
        return tuple(i for s in self.steps for i in s.items if habit_id in i.habits)

    @property
    def pattern_index(self) -> Mapping[str, Pattern]:
        return _index(self, "patterns")

    @property
    def step_index(self) -> Mapping[str, Step]:
        return _index(self, "steps")

    @property
    def kpi_index(self) -> Mapping[str, Kpi]:
        return _index(self, "kpis")

    @property
    def role_index(self) -> Mapping[str, Role]:
        return _index(self, "roles")

    @property
    def cause_index(self) -> Mapping[str, Cause]:
        return _index(self, "causes")

    @property
    def habit_index(self) -> Mapping[str, Habit]:
        return _index(self, "habits")

    @property
    def item_index(self) -> Mapping[str, Item]:
        return _item_index(self)


@cache
def _index(owner: Content | Questionnaire, attr: str) -> Mapping[str, object]:
    return MappingProxyType({x.id: x for x in getattr(owner, attr)})


@cache
def _item_index(content: Content) -> Mapping[str, Item]:
    return MappingProxyType({i.id: i for s in content.steps for i in s.items})


def _load(name: str) -> dict:
    with (HERE / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _texts(table: Mapping) -> Texts:
    return MappingProxyType(dict(table))


def _question(x: Mapping, pattern: str) -> Question:
    return Question(id=x["id"], pattern=pattern, text=_texts(x["text"]), reverse=bool(x.get("reverse", False)),
                    cause=x["cause"], pulse=bool(x.get("pulse", False)))


@cache
def load() -> Content:
    q = _load("questionnaire")
    patterns = tuple(
        Pattern(
            id=p["id"],
            title=_texts(p["title"]),
            summary=_texts(p["summary"]),
            hint=_texts(p["hint"]),
            steps=tuple(p["steps"]),
            kpis=tuple(p["kpis"]),
            questions=tuple(_question(x, p["id"]) for x in p["questions"]),
            levels=MappingProxyType({band: _texts(texts) for band, texts in p["levels"].items()}),
        )
        for p in q["patterns"]
    )
    current = Questionnaire(int(q["version"]), tuple(x for p in patterns for x in p.questions))
    past = _load("questionnaire_versions")
    questionnaires = tuple(sorted(
        (Questionnaire(int(v["version"]), tuple(_question(x, x["pattern"]) for x in v["questions"]))
         for v in past["versions"]), key=lambda v: v.version)) + (current,)
    steps_file = _load("steps")
    steps = tuple(
        Step(
            id=s["id"],
            title=_texts(s["title"]),
            summary=_texts(s["summary"]),
            items=tuple(Item(id=i["id"], step=s["id"], text=_texts(i["text"]), habits=tuple(i.get("habits", ())),
                             requires=tuple(i.get("requires", ()))) for i in s["items"]),
        )
        for s in steps_file["steps"]
    )
    kpis = tuple(
        Kpi(id=k["id"], name=_texts(k["name"]), unit=k["unit"], direction=k["direction"],
            formula=_texts(k["formula"]))
        for k in _load("kpis")["kpis"]
    )
    myths = tuple(
        Myth(id=m["id"], statement=_texts(m["statement"]), answer=bool(m["answer"]),
             explanation=_texts(m["explanation"]))
        for m in _load("myths")["myths"]
    )
    return Content(
        scale=tuple(ScaleOption(o["value"], _texts(o["label"])) for o in q["scale"]["options"]),
        unknown=_texts(q["scale"]["unknown"]),
        causes=tuple(Cause(c["id"], _texts(c["name"]), _texts(c["summary"]), _texts(c["covers"]))
                     for c in q["causes"]),
        roles=tuple(Role(r["id"], _texts(r["name"]), r["group"]) for r in q["roles"]),
        patterns=patterns,
        steps=steps,
        kpis=kpis,
        myths=myths,
        version=current.version,
        questionnaires=questionnaires,
        changes=tuple(VersionChange(int(c["version"]), _texts(c["summary"])) for c in past.get("changes", ())),
        symptoms=tuple(Symptom(s["id"], _texts(s["name"]), _texts(s["description"]), tuple(s["patterns"]))
                       for s in q.get("symptoms", ())),
        habits=tuple(Habit(h["id"], _texts(h["name"]), _texts(h["summary"])) for h in steps_file.get("habits", ())),
    )
