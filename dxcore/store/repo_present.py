"""The projector's screen per workshop, and what the projector reads on every refresh.

The facilitator's view (or the projector's own keyboard) writes the current screen
(:func:`show`, :func:`move`); the projector, in any browser and on any app process, reads
it every few seconds with :func:`on_screen`: one small query that also brings the
workshop's flags, the live counts, a version of the room's answers (so that the results
are counted again only when they changed) and the consensus answer of the statement on
screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, func, select

from dxcore import present
from dxcore import workshop as ws
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.present import Screen
from dxcore.store.models import utcnow
from dxcore.store.models_present import WorkshopScreen
from dxcore.store.models_workshop import Workshop, WorkshopConsensus, WorkshopParticipant
from dxcore.store.sql import upsert

_W, _P, _C, _S = (Workshop.__table__, WorkshopParticipant.__table__, WorkshopConsensus.__table__,
                  WorkshopScreen.__table__)


def _people(column):
    return select(column).where(_P.c.workshop_id == _W.c.id).scalar_subquery()


def _agreed(column):
    return select(column).where(_C.c.workshop_id == _W.c.id, _C.c.question_id == _S.c.item).scalar_subquery()


_ON_SCREEN = (
    select(_W, _S.c.kind.label("screen_kind"), _S.c.item.label("screen_item"),
           _people(func.count()).label("joined"),
           _people(func.count(_P.c.answered_at)).label("answered"),
           _people(func.max(_P.c.answered_at)).label("last_answer"),
           _agreed(func.count()).label("agreed"),
           _agreed(func.max(_C.c.value)).label("agreed_value"))
    .select_from(_W.outerjoin(_S, _S.c.workshop_id == _W.c.id))
    .where(_W.c.code == bindparam("b_code"))
)
_FIND = select(_W.c.id, _W.c.code, _W.c.question_set, _S.c.kind, _S.c.item).select_from(
    _W.outerjoin(_S, _S.c.workshop_id == _W.c.id)).where(_W.c.code == bindparam("b_code"))


@dataclass(frozen=True)
class OnScreen:
    """What the projector shows at one moment, read in one query."""

    workshop_id: int
    code: str
    title: str
    question_set: str
    revealed: bool
    is_open: bool
    pin: str | None  # the room's PIN, when the workshop has one
    joins_open: bool
    stored: Screen | None  # the screen the facilitator chose (None: never chosen)
    joined: int
    answered: int
    last_answer: datetime | None
    agreed: bool  # the room agreed an answer to the statement on screen (consensus mode)
    agreed_value: int | None  # that answer (None: 「わからない」)

    @property
    def screens(self) -> tuple[Screen, ...]:
        return present.sequence(self.question_set, code=self.code)

    @property
    def screen(self) -> Screen:
        return present.current(self.screens, self.stored)

    @property
    def answers_version(self) -> tuple:
        """Changes whenever someone answers or answers again: the room needs counting again."""
        return self.answered, self.last_answer


def on_screen(engine: Engine, code: str) -> OnScreen:
    """The workshop ``code`` as the projector shows it now (DxError if there is none)."""
    code = ws.validate_code(code)
    with engine.connect() as conn:
        row = conn.execute(_ON_SCREEN, {"b_code": code}).first()
    if row is None:
        raise DxError("workshop.error.not_found", code=code)
    stored = Screen(row.screen_kind, row.screen_item) if row.screen_kind else None
    return OnScreen(
        workshop_id=row.id, code=row.code, title=row.title, question_set=row.question_set,
        revealed=bool(row.revealed), is_open=row.closed_at is None,
        # added to the workshop by the room's PIN and join switch (absent before that migration)
        pin=getattr(row, "pin", None) or None, joins_open=bool(getattr(row, "joins_open", True)),
        stored=stored, joined=row.joined, answered=row.answered, last_answer=row.last_answer,
        agreed=bool(row.agreed), agreed_value=row.agreed_value)


def _find(engine: Engine, code: str):
    code = ws.validate_code(code)
    with engine.connect() as conn:
        row = conn.execute(_FIND, {"b_code": code}).first()
    if row is None:
        raise DxError("workshop.error.not_found", code=code)
    return row


def _store(engine: Engine, workshop_id: int, screen: Screen) -> None:
    with engine.begin() as conn:
        upsert(conn, _S, {"workshop_id": workshop_id, "kind": screen.kind, "item": screen.item,
                          "updated_at": utcnow()}, ["workshop_id"], ["kind", "item", "updated_at"])


def screen(engine: Engine, code: str) -> Screen:
    """The screen the projector of workshop ``code`` shows (the join screen until one is chosen)."""
    row = _find(engine, code)
    stored = Screen(row.kind, row.item) if row.kind else None
    return present.current(present.sequence(row.question_set, load(), row.code), stored)


def show(engine: Engine, code: str, screen_id: str) -> Screen:
    """Put screen ``screen_id`` (``risk``, ``statement:P1-2`` …) on the projector of workshop ``code``."""
    row = _find(engine, code)
    chosen = Screen.parse(screen_id)
    if chosen not in present.sequence(row.question_set, load(), row.code):
        raise DxError("projector.error.screen", screen=str(screen_id)[:40])
    _store(engine, row.id, chosen)
    return chosen


def move(engine: Engine, code: str, step: int) -> Screen:
    """Move the projector of workshop ``code`` ``step`` screens on (negative: back).

    Two presses at the same moment may both start from the same screen and move it once:
    the projector never jumps further than the facilitator saw.
    """
    row = _find(engine, code)
    screens = present.sequence(row.question_set, load(), row.code)
    now = Screen(row.kind, row.item) if row.kind else None
    moved = present.move(screens, now, step)
    if moved != now:
        _store(engine, row.id, moved)
    return moved
