"""The projector's current screen, one row per workshop: the facilitator's view writes it,
the projector (in any browser, on any app process) reads it on every refresh.
Migration: ``0012_workshop_screen``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


class WorkshopScreen(SQLModel, table=True):
    __tablename__ = "workshop_screen"

    workshop_id: int = Field(sa_column=Column(
        Integer, ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True))
    kind: str = Field(max_length=12)  # join | risk | gap | statement | myth (dxcore.present)
    item: str | None = Field(default=None, max_length=20)  # the statement or myth on screen
    updated_at: datetime = Field(default_factory=utcnow)
