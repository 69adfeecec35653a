"""A municipality's diagnoses over time: scored rows for tables, charts and exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dxcore.content import Content, load
from dxcore.periods import to_local
from dxcore.scoring import Result, compare, score
from dxcore.store.repo import DiagnosisRecord


@dataclass(frozen=True)
class Entry:
    record: DiagnosisRecord
    result: Result


def entries(records: Sequence[DiagnosisRecord], content: Content | None = None) -> list[Entry]:
    content = content or load()
    return [Entry(r, score(r.answers, r.question_set, content)) for r in records]


def previous(history: Sequence[Entry], diagnosis_id: int) -> Entry | None:
    """The diagnosis taken just before ``diagnosis_id`` (history is oldest first)."""
    ids = [e.record.id for e in history]
    i = ids.index(diagnosis_id)
    return history[i - 1] if i > 0 else None


def changes(history: Sequence[Entry], diagnosis_id: int):
    prev = previous(history, diagnosis_id)
    if prev is None:
        return None
    current = next(e for e in history if e.record.id == diagnosis_id)
    return compare(prev.result, current.result)


HEADER = ("id", "date", "role", "mode", "question_set", "participants", "overall")


def rows(history: Sequence[Entry], content: Content | None = None) -> tuple[list[str], list[list]]:
    """(header, rows): one row per diagnosis with its per-pattern risk."""
    content = content or load()
    header = list(HEADER) + [p.id for p in content.patterns]
    out = []
    for e in history:
        r = e.record
        out.append([r.id, to_local(r.taken_at).isoformat(timespec="minutes"), r.role, r.mode,
                    r.question_set, r.participants, e.result.overall]
                   + [e.result.pattern(p.id).risk for p in content.patterns])
    return header, out


def _chart_date(e: Entry):
    return to_local(e.record.taken_at).replace(tzinfo=None)


def health_points(history: Sequence[Entry]) -> list[dict]:
    """DX health per diagnosis (for the trend chart)."""
    return [{"date": _chart_date(e), "overall": e.result.overall}
            for e in history if e.result.overall is not None]


def long_rows(history: Sequence[Entry]) -> list[dict]:
    """One row per diagnosis and pattern (for trend charts)."""
    return [
        {"id": e.record.id, "date": _chart_date(e), "pattern": p.id, "risk": p.risk}
        for e in history for p in e.result.patterns if p.risk is not None
    ]


@dataclass(frozen=True)
class Standing:
    """Where the organisation stands: its latest diagnosis and the change since the one before."""

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
    return Standing(history[-1], history[-2] if len(history) > 1 else None)
