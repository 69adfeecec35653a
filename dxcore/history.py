"""A municipality's diagnoses over time: scored rows for tables, charts and exports.

Each diagnosis is scored with the questionnaire version it was answered against (see
:mod:`dxcore.scoring`).  A change ("前回から") is computed only between two diagnoses that
are :func:`comparable`: the same set (a quick check and a full diagnosis ask different
statements) and the same questionnaire version.  Views can be narrowed to one set and to
one kind of respondent (a role, or the workshops).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dxcore.content import Content, load
from dxcore.periods import to_local
from dxcore.scoring import Result, compare, score
from dxcore.store.repo import DiagnosisRecord

WORKSHOP = "workshop"  # the "who" of a diagnosis a workshop saved (its role is only a placeholder)


@dataclass(frozen=True)
class Entry:
    record: DiagnosisRecord
    result: Result

    @property
    def who(self) -> str:
        """The respondent: a role id, or "workshop" for a room's result."""
        return WORKSHOP if self.record.mode == "workshop" else self.record.role

    @property
    def version(self) -> int:
        return self.record.content_version


def entries(records: Sequence[DiagnosisRecord], content: Content | None = None) -> list[Entry]:
    content = content or load()
    return [Entry(r, score(r.answers, r.question_set, content, version=r.content_version, asked=r.asked or None))
            for r in records]


def comparable(a: Entry, b: Entry) -> bool:
    """Can a change be computed between ``a`` and ``b``?  Only for the same set answered
    against the same questionnaire version."""
    return a.record.question_set == b.record.question_set and a.version == b.version


def _position(history: Sequence[Entry], diagnosis_id: int) -> int:
    return [e.record.id for e in history].index(diagnosis_id)


def previous(history: Sequence[Entry], diagnosis_id: int) -> Entry | None:
    """The latest diagnosis before ``diagnosis_id`` that it can be compared with."""
    i = _position(history, diagnosis_id)
    return next((e for e in reversed(history[:i]) if comparable(e, history[i])), None)


def not_compared(history: Sequence[Entry], diagnosis_id: int) -> tuple[str, Entry] | None:
    """Why ``diagnosis_id`` has no :func:`previous` although earlier diagnoses exist:
    ("version", the last earlier one of the same set, answered against another version) or
    ("set", the one just before, of the other set); None when it has a previous one or is the first."""
    i = _position(history, diagnosis_id)
    if i == 0 or previous(history, diagnosis_id) is not None:
        return None
    same_set = [e for e in history[:i] if e.record.question_set == history[i].record.question_set]
    return ("version", same_set[-1]) if same_set else ("set", history[i - 1])


def changes(history: Sequence[Entry], diagnosis_id: int):
    prev = previous(history, diagnosis_id)
    if prev is None:
        return None
    current = history[_position(history, diagnosis_id)]
    return compare(prev.result, current.result)


def narrowed(history: Sequence[Entry], question_set: str | None = None, who: str | None = None) -> list[Entry]:
    """The diagnoses of one set and/or one kind of respondent (None: any)."""
    return [e for e in history
            if (question_set is None or e.record.question_set == question_set) and (who is None or e.who == who)]


def version_starts(history: Sequence[Entry]) -> list[Entry]:
    """The diagnoses answered against a newer questionnaire version than the one before them:
    where the questionnaire changed along this history."""
    return [b for a, b in zip(history, history[1:]) if b.version != a.version]


HEADER = ("id", "date", "role", "mode", "question_set", "participants", "overall")
EXTRA = ("version", "workshop")  # after the patterns' columns, so older readers of the export still work


def rows(history: Sequence[Entry], content: Content | None = None) -> tuple[list[str], list[list]]:
    """(header, rows): one row per diagnosis with its per-pattern risk, then the questionnaire
    version it was answered against and the workshop it came from."""
    content = content or load()
    header = list(HEADER) + [p.id for p in content.patterns] + list(EXTRA)
    out = []
    for e in history:
        r = e.record
        out.append([r.id, to_local(r.taken_at).isoformat(timespec="minutes"), r.role, r.mode,
                    r.question_set, r.participants, e.result.overall]
                   + [e.result.pattern(p.id).risk for p in content.patterns]
                   + [r.content_version, r.workshop_title])
    return header, out


def chart_date(e: Entry):
    """The diagnosis' local date and time, as charts want it (naive)."""
    return to_local(e.record.taken_at).replace(tzinfo=None)


def health_points(history: Sequence[Entry]) -> list[dict]:
    """DX health per diagnosis (for the trend chart)."""
    return [{"id": e.record.id, "date": chart_date(e), "overall": e.result.overall, "version": e.version}
            for e in history if e.result.overall is not None]


def long_rows(history: Sequence[Entry]) -> list[dict]:
    """One row per diagnosis and pattern (for trend charts)."""
    return [
        {"id": e.record.id, "date": chart_date(e), "pattern": p.id, "risk": p.risk}
        for e in history for p in e.result.patterns if p.risk is not None
    ]


@dataclass(frozen=True)
class Standing:
    """Where the organisation stands: its latest diagnosis and the latest one before it that
    it can be compared with (see :func:`comparable`)."""

    latest: Entry
    previous: Entry | None

    @property
    def overall_delta(self) -> float | None:
        if self.previous is None or self.latest.result.overall is None or self.previous.result.overall is None:
            return None
        return round(self.latest.result.overall - self.previous.result.overall, 1)


def standing(history: Sequence[Entry]) -> Standing | None:
    if not history:
        return None
    return Standing(history[-1], previous(history, history[-1].record.id))
