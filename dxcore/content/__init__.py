"""Questionnaire, restart steps, KPI catalogue and myths, loaded from the TOML files here.

Texts are kept as ``{"ja": ..., "en": ...}`` tables; use :func:`dxcore.i18n.pick` to
choose a language.  Everything is loaded once and is immutable.
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
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Cause:
    id: str
    name: Texts
    summary: Texts


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

    # look-ups -----------------------------------------------------------------
    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for p in self.patterns for q in p.questions)

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


@cache
def _index(content: Content, attr: str) -> Mapping[str, object]:
    return MappingProxyType({x.id: x for x in getattr(content, attr)})


def _load(name: str) -> dict:
    with (HERE / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def _texts(table: Mapping) -> Texts:
    return MappingProxyType(dict(table))


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
            questions=tuple(
                Question(
                    id=x["id"],
                    pattern=p["id"],
                    text=_texts(x["text"]),
                    reverse=bool(x.get("reverse", False)),
                    cause=x["cause"],
                    pulse=bool(x.get("pulse", False)),
                )
                for x in p["questions"]
            ),
        )
        for p in q["patterns"]
    )
    steps = tuple(
        Step(
            id=s["id"],
            title=_texts(s["title"]),
            summary=_texts(s["summary"]),
            items=tuple(Item(id=i["id"], step=s["id"], text=_texts(i["text"])) for i in s["items"]),
        )
        for s in _load("steps")["steps"]
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
        causes=tuple(Cause(c["id"], _texts(c["name"]), _texts(c["summary"])) for c in q["causes"]),
        roles=tuple(Role(r["id"], _texts(r["name"]), r["group"]) for r in q["roles"]),
        patterns=patterns,
        steps=steps,
        kpis=kpis,
        myths=myths,
    )
