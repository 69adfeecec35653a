"""The projector's screens: what the room sees, one idea at a time, in order.

A diagnosis workshop (pulse or full) goes: the join screen → the room's risk by failure
pattern → where 幹部 and 現場 see it differently → each statement with how the room
answered it.  The warm-up quiz goes: the join screen → each myth with its ○/× split and
the answer.  The facilitator moves through these screens (next, previous, or straight to
one); the projector shows the one that is current.  Results stay hidden until revealed,
and a role group smaller than the anonymity threshold is never shown on its own.

Pure functions over :class:`dxcore.workshop.Room`: the charts and the Streamlit pages
only draw what these return.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from dxcore.content import Content, load
from dxcore.scoring import Result
from dxcore.workshop import MYTHS, SCALE, Distribution, MythTally, Room, statement_ids

JOIN, RISK, GAP, STATEMENT, MYTH = "join", "risk", "gap", "statement", "myth"
KINDS = (JOIN, RISK, GAP, STATEMENT, MYTH)
WITH_ITEM = (STATEMENT, MYTH)  # screens about one statement or one myth
NEXT, PREVIOUS = 1, -1


@dataclass(frozen=True)
class Screen:
    """One screen of the projector: a kind, and for a statement or a myth its id."""

    kind: str
    item: str | None = None

    @property
    def id(self) -> str:
        return self.kind if self.item is None else f"{self.kind}:{self.item}"

    @property
    def shows_results(self) -> bool:
        """Everything but the join screen shows the room's answers (once revealed)."""
        return self.kind != JOIN

    @classmethod
    def parse(cls, screen_id: object) -> Screen | None:
        """The screen named ``screen_id`` (``risk``, ``statement:P1-2`` …); None if it names none."""
        if not isinstance(screen_id, str):
            return None
        kind, _, item = screen_id.partition(":")
        if kind not in KINDS or (kind in WITH_ITEM) != bool(item):
            return None
        return cls(kind, item or None)


FIRST = Screen(JOIN)


@cache
def _sequence(question_set: str, content: Content, code: str | None) -> tuple[Screen, ...]:
    ids = statement_ids(question_set, content, code)
    if question_set == MYTHS:
        return (FIRST, *(Screen(MYTH, m) for m in ids))
    return (FIRST, Screen(RISK), Screen(GAP), *(Screen(STATEMENT, q) for q in ids))


def sequence(question_set: str, content: Content | None = None, code: str | None = None) -> tuple[Screen, ...]:
    """The workshop's screens in the order the room sees them (given the workshop's ``code``, the
    warm-up's statements in that workshop's own order, as on the phones)."""
    return _sequence(question_set, content or load(), code)


def position(screens: tuple[Screen, ...], current: Screen | None) -> int:
    """Where ``current`` is in ``screens`` (0, the join screen, when it is none of them)."""
    try:
        return screens.index(current)
    except ValueError:
        return 0


def current(screens: tuple[Screen, ...], stored: Screen | None) -> Screen:
    """The screen to show: the stored one if it belongs to this workshop, else the first."""
    return screens[position(screens, stored)]


def move(screens: tuple[Screen, ...], now: Screen | None, step: int) -> Screen:
    """``step`` screens on from ``now`` (negative: back), stopping at the first and the last."""
    i = position(screens, now) + step
    return screens[min(max(i, 0), len(screens) - 1)]


# what each screen shows -------------------------------------------------------------

@dataclass(frozen=True)
class PatternGap:
    """One failure pattern as 幹部 and 現場 see it (risk 0–100; None: too few answers)."""

    pattern: str
    executive: float | None
    frontline: float | None

    @property
    def difference(self) -> float | None:
        if self.executive is None or self.frontline is None:
            return None
        return self.executive - self.frontline


def group_result(room: Room, group_id: str) -> Result | None:
    """A role group's pattern risks, only when the group is big enough to be shown."""
    group = room.group(group_id)
    return group.result if group.shown else None


def hidden_groups(room: Room) -> list[str]:
    """The role groups that answered but are too small to be shown on their own."""
    return [g.id for g in room.groups if g.count and not g.shown]


def pattern_gaps(room: Room) -> list[PatternGap] | None:
    """Per failure pattern, the risk 幹部 and 現場 see; None unless both groups can be shown."""
    executive, frontline = group_result(room, "executive"), group_result(room, "frontline")
    if executive is None or frontline is None:
        return None
    return [PatternGap(p.id, p.risk, frontline.pattern(p.id).risk) for p in executive.patterns]


def widest_gap(gaps: list[PatternGap] | None) -> PatternGap | None:
    """The pattern 幹部 and 現場 see most differently."""
    scored = [g for g in gaps or () if g.difference is not None]
    return max(scored, key=lambda g: abs(g.difference), default=None)


@dataclass(frozen=True)
class Answers:
    """How the room answered one statement: people per answer (1 … 5, then 「わからない」)."""

    question_id: str
    counts: tuple[int, ...]  # one per value of SCALE
    unknown: int
    mean: float | None

    @property
    def responses(self) -> int:
        return sum(self.counts) + self.unknown


def statement_answers(room: Room, question_id: str) -> Answers:
    """The answers to one statement (all zero when nobody has answered it yet)."""
    d: Distribution | None = next((d for d in room.distribution if d.question_id == question_id), None)
    if d is None:
        return Answers(question_id, tuple(0 for _ in SCALE), 0, None)
    return Answers(question_id, tuple(d.counts[v] for v in SCALE), d.unknown, d.mean)


def myth_tally(room: Room, myth_id: str) -> MythTally:
    """The ○/× split of one myth (all zero when nobody has answered yet)."""
    found = next((m for m in room.myths if m.id == myth_id), None)
    return found or MythTally(myth_id, 0, 0, 0, 0)


def share(n: int, total: int) -> float:
    """``n`` of ``total`` as a percentage (0 when there is no total)."""
    return 100.0 * n / total if total else 0.0
