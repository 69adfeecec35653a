"""Advice from a diagnosis: patterns ranked by risk, and for the top ones the restart
hint, the restart steps to start with and the KPIs to set.

Only patterns whose band is medium or high get advice: a municipality with one risky
pattern is not sent to work on harmless ones.  When every scored pattern is low, the
advice is empty and the pages say so (keep measuring, diagnose again next quarter).
"""

from __future__ import annotations

from dataclasses import dataclass

from dxcore.content import Content, load
from dxcore.i18n import pick
from dxcore.scoring import Result

TOP = 3
ADVISED_BANDS = ("medium", "high")


@dataclass(frozen=True)
class AdviceItem:
    rank: int
    pattern: str
    risk: float
    band: str
    confidence: str
    steps: tuple[str, ...]
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    ranking: tuple[str, ...]  # every scored pattern, riskiest first
    items: tuple[AdviceItem, ...]  # the top ones
    steps: tuple[str, ...]  # steps to start with: ordered by the items' priority, deduplicated
    kpis: tuple[str, ...]  # KPIs to set, deduplicated

    @property
    def next_step(self) -> str | None:
        return self.steps[0] if self.steps else None


def _dedupe(seq) -> tuple[str, ...]:
    return tuple(dict.fromkeys(seq))


def advise(result: Result, content: Content | None = None, top: int = TOP) -> Advice:
    content = content or load()
    order = {p.id: i for i, p in enumerate(content.patterns)}
    scored = [p for p in result.patterns if p.risk is not None]
    # riskiest first; ties keep the article's order
    ranked = sorted(scored, key=lambda p: (-p.risk, order[p.id]))
    items = []
    worth_acting = [p for p in ranked if p.band in ADVISED_BANDS]
    for rank, p in enumerate(worth_acting[:top], start=1):
        pattern = content.pattern_index[p.id]
        items.append(AdviceItem(rank, p.id, p.risk, p.band, p.confidence, pattern.steps, pattern.kpis))
    return Advice(
        ranking=tuple(p.id for p in ranked),
        items=tuple(items),
        steps=_dedupe(s for item in items for s in item.steps),
        kpis=_dedupe(k for item in items for k in item.kpis),
    )


def advice_to_dict(advice: Advice, content: Content | None = None, lang: str = "ja") -> list[dict]:
    content = content or load()
    return [
        {
            "rank": i.rank,
            "pattern": i.pattern,
            "risk": i.risk,
            "band": i.band,
            "hint": pick(content.pattern_index[i.pattern].hint, lang),
            "steps": list(i.steps),
            "kpis": list(i.kpis),
        }
        for i in advice.items
    ]
