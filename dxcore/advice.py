"""Advice from a diagnosis: patterns ranked by risk, and for the top ones the restart
hint, the restart steps to start with and the KPIs to set.

Only patterns whose band is medium or high get advice: a municipality with one risky
pattern is not sent to work on harmless ones.  When every scored pattern is low, the
advice is empty and the pages say so (keep measuring, diagnose again next quarter).

The order of the steps follows the article, not only the top pattern: whenever there is
something to act on, S1 (taking stock) comes first and S2 (goals and KPIs) second, for as
long as their checklist items are unfinished: skipping the stock-take repeats the
failure.  The patterns' own steps follow, riskiest pattern first.  A step whose items are
all done (``finished``, from the restart plan) is never recommended again, so the next
step is always one that still has work in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dxcore.content import Content, load
from dxcore.i18n import pick
from dxcore.scoring import Result

TOP = 3
ADVISED_BANDS = ("medium", "high")
FOUNDATION = ("S1", "S2")  # take stock, then set goals and KPIs: before anything else


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
    steps: tuple[str, ...]  # steps to take, in order: S1, S2 (while unfinished), then the items' steps
    kpis: tuple[str, ...]  # KPIs to set, deduplicated
    finished: tuple[str, ...] = ()  # steps the items call for whose checklist is already done

    @property
    def next_step(self) -> str | None:
        return self.steps[0] if self.steps else None


def _dedupe(seq) -> tuple[str, ...]:
    return tuple(dict.fromkeys(seq))


def advise(result: Result, content: Content | None = None, top: int = TOP,
           finished: frozenset[str] | set[str] | tuple[str, ...] = ()) -> Advice:
    """Advice for ``result``; ``finished`` are the restart steps whose checklist items are all
    done (see :func:`dxcore.plan.finished_steps`): they are not recommended again."""
    content = content or load()
    finished = frozenset(finished)
    order = {p.id: i for i, p in enumerate(content.patterns)}
    scored = [p for p in result.patterns if p.risk is not None]
    # riskiest first; ties keep the article's order
    ranked = sorted(scored, key=lambda p: (-p.risk, order[p.id]))
    items = []
    worth_acting = [p for p in ranked if p.band in ADVISED_BANDS]
    for rank, p in enumerate(worth_acting[:top], start=1):
        pattern = content.pattern_index[p.id]
        items.append(AdviceItem(rank, p.id, p.risk, p.band, p.confidence, pattern.steps, pattern.kpis))
    called_for = _dedupe([*FOUNDATION, *(s for item in items for s in item.steps)]) if items else ()
    return Advice(
        ranking=tuple(p.id for p in ranked),
        items=tuple(items),
        steps=tuple(s for s in called_for if s not in finished),
        kpis=_dedupe(k for item in items for k in item.kpis),
        finished=tuple(s for s in called_for if s in finished),
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
