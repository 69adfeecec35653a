"""Failure-pattern risk, root-cause risk and DX health from questionnaire answers.

An answer is a value on the 1–5 scale ("how well does this statement describe us"),
or ``None`` for 「わからない」.  For a plain statement agreement means risk; for a
``reverse`` statement agreement means health.  Per question::

    risk = (value - 1) / 4          (plain)
    risk = (5 - value) / 4          (reverse)

A pattern's risk is the mean over its answered questions, times 100.  「わからない」 is
counted but never scored; a pattern with fewer answers than half of what was asked is
marked low-confidence, and with none it has no risk at all (it is never "healthy" by
default).  DX健全度 (overall) is 100 minus the mean risk of the scored patterns.
Workshop aggregates may carry fractional values (a room's mean), scored the same way.

A diagnosis is scored with the statements of the questionnaire version it was answered
against (``version``; the current one by default) and against the statements it was
asked (``asked``; by default the whole set of that version), so a later revision of the
questionnaire never changes an old score.

Rounding: risks and DX健全度 are computed to one decimal (stored, exported, CLI).  Every
figure a person reads is that value rounded half-up to a whole number by :func:`rounded`
(62.5 → 63, on every page and chart alike), and the band is read from the same whole
number, so a pattern shown as 35 is always 「中」.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

from dxcore.content import Content, load

BANDS = ("low", "medium", "high")
LOW_BELOW = 35.0
HIGH_FROM = 65.0
SCALE_MIN, SCALE_MAX = 1, 5

Answers = Mapping[str, float | None]


class AnswerError(ValueError):
    """Answers that cannot be scored; ``problems`` lists (question_id, value, reason)."""

    def __init__(self, problems: list[tuple[str, object, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{q}={v!r}: {r}" for q, v, r in problems))


@dataclass(frozen=True)
class PatternScore:
    id: str
    risk: float | None
    band: str | None
    confidence: str  # "high" | "low"
    asked: int
    answered: int
    unknown: int


@dataclass(frozen=True)
class CauseScore:
    id: str
    risk: float | None
    answered: int


@dataclass(frozen=True)
class Result:
    question_set: str
    patterns: tuple[PatternScore, ...]
    causes: tuple[CauseScore, ...]
    overall: float | None
    asked: int
    answered: int
    unknown: int
    version: int  # the questionnaire version whose statements scored it

    def pattern(self, pattern_id: str) -> PatternScore:
        return next(p for p in self.patterns if p.id == pattern_id)

    @property
    def confidence(self) -> str:
        """'low' when any pattern is low-confidence: the overall figure is then indicative."""
        return "high" if all(p.confidence == "high" for p in self.patterns) else "low"


def rounded(value: float | None) -> int | None:
    """The whole number a person reads for a risk, a DX健全度 or a change: half-up (62.5 → 63,
    -0.5 → -1, away from zero), the one rounding rule of every page, chart and report."""
    if value is None:
        return None
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shown_change(before: float | None, after: float | None) -> int | None:
    """The change a person reads between two shown figures: the difference of the whole numbers
    shown (62.5 → 63.4 is shown as 63 → 63, a change of 0), so the arithmetic on screen adds up."""
    if before is None or after is None:
        return None
    return rounded(after) - rounded(before)


def band(risk: float | None) -> str | None:
    """low / medium / high, read from the whole number shown (:func:`rounded`)."""
    shown = rounded(risk)
    if shown is None:
        return None
    if shown < LOW_BELOW:
        return "low"
    return "medium" if shown < HIGH_FROM else "high"


def validate_answers(raw: object, content: Content | None = None,
                     version: int | None = None) -> dict[str, int | None]:
    """Check answers given by a person: question ids of the questionnaire ``version`` (the
    current one by default), integers 1–5 or None.

    Raises :class:`AnswerError` listing every problem; returns a clean dict.
    """
    content = content or load()
    if not isinstance(raw, Mapping):
        raise AnswerError([("", raw, "not_a_mapping")])
    problems: list[tuple[str, object, str]] = []
    clean: dict[str, int | None] = {}
    known = content.questionnaire(version).question_index
    for qid, value in raw.items():
        if qid not in known:
            problems.append((str(qid), value, "unknown_question"))
        elif value is None:
            clean[qid] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX:
            problems.append((qid, value, "out_of_range"))
        else:
            clean[qid] = value
    if problems:
        raise AnswerError(problems)
    return clean


def infer_set(question_ids, content: Content | None = None, version: int | None = None) -> str:
    """'pulse' when every answered question belongs to the pulse set, else 'full'."""
    content = content or load()
    pulse = set(content.questionnaire(version).question_ids("pulse"))
    ids = set(question_ids)
    return "pulse" if ids and ids <= pulse else "full"


def question_risk(value: float, reverse: bool) -> float:
    span = SCALE_MAX - SCALE_MIN
    return (SCALE_MAX - value) / span if reverse else (value - SCALE_MIN) / span


def _mean_percent(values: list[float]) -> float | None:
    # fsum is correctly rounded, so the result does not depend on the answers' order
    return round(100 * math.fsum(values) / len(values), 1) if values else None


def score(answers: Answers, question_set: str | None = None, content: Content | None = None,
          version: int | None = None, asked: Iterable[str] | None = None) -> Result:
    """Score ``answers`` with the statements of questionnaire ``version`` (current by default);
    ``asked`` are the statement ids that were put to the respondent (by default the whole
    ``question_set`` of that version): they decide how many answers a pattern needs."""
    content = content or load()
    questionnaire = content.questionnaire(version)
    question_set = question_set or infer_set(answers, content, questionnaire.version)
    asked_ids = set(questionnaire.question_ids(question_set) if asked is None else asked)
    asked_ids &= set(questionnaire.question_index)
    by_pattern: dict[str, list[float]] = {p.id: [] for p in content.patterns}
    by_cause: dict[str, list[float]] = {c.id: [] for c in content.causes}
    unknown: dict[str, int] = {p.id: 0 for p in content.patterns}
    for q in questionnaire.questions:
        if q.id not in answers:
            continue
        value = answers[q.id]
        if value is None:
            unknown[q.pattern] += 1
            continue
        r = question_risk(float(value), q.reverse)
        by_pattern[q.pattern].append(r)
        by_cause[q.cause].append(r)

    asked_per_pattern = {p.id: 0 for p in content.patterns}
    for qid in asked_ids:
        asked_per_pattern[questionnaire.question_index[qid].pattern] += 1
    patterns = []
    for p in content.patterns:
        n_asked = asked_per_pattern[p.id]
        answered = len(by_pattern[p.id])
        risk = _mean_percent(by_pattern[p.id])
        needed = max(1, math.ceil(n_asked / 2))
        patterns.append(PatternScore(
            id=p.id, risk=risk, band=band(risk),
            confidence="high" if answered >= needed else "low",
            asked=n_asked, answered=answered, unknown=unknown[p.id],
        ))
    causes = tuple(CauseScore(c.id, _mean_percent(by_cause[c.id]), len(by_cause[c.id])) for c in content.causes)
    scored = [p.risk for p in patterns if p.risk is not None]
    overall = round(100 - math.fsum(scored) / len(scored), 1) if scored else None
    return Result(
        question_set=question_set,
        patterns=tuple(patterns),
        causes=causes,
        overall=overall,
        asked=len(asked_ids),
        answered=sum(p.answered for p in patterns),
        unknown=sum(unknown.values()),
        version=questionnaire.version,
    )


@dataclass(frozen=True)
class PatternChange:
    id: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


def compare(before: Result, after: Result) -> tuple[PatternChange, ...]:
    """Per-pattern risk change from an earlier result to a later one."""
    return tuple(PatternChange(a.id, before.pattern(a.id).risk, a.risk) for a in after.patterns)


def result_to_dict(result: Result) -> dict:
    return {
        "question_set": result.question_set,
        "version": result.version,
        "overall": result.overall,
        "confidence": result.confidence,
        "answered": result.answered,
        "unknown": result.unknown,
        "patterns": [
            {"id": p.id, "risk": p.risk, "band": p.band, "confidence": p.confidence,
             "answered": p.answered, "unknown": p.unknown}
            for p in result.patterns
        ],
        "causes": [{"id": c.id, "risk": c.risk, "answered": c.answered} for c in result.causes],
    }
