"""Tables of the live workshop: the workshop, its anonymous participants, their answers,
and the answers a room agreed on in consensus mode.  Migrations: ``0003_workshop``,
``0009_workshop_door`` (the room PIN and whether new participants may join)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


class Workshop(SQLModel, table=True):
    __tablename__ = "workshop"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=8, unique=True)  # the join code participants type
    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         nullable=False, index=True))
    title: str = Field(max_length=200)
    question_set: str = Field(max_length=10)  # pulse | full | myths
    max_participants: int | None = Field(default=None)
    revealed: bool = Field(default=False)  # results shown to the room
    consensus_size: int | None = Field(default=None)  # people in the room, consensus mode
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = Field(default=None)
    # the diagnosis saved to the organisation's history when it was closed
    diagnosis_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("diagnosis.id", ondelete="SET NULL"), nullable=True))
    # the room's door: a PIN shown on the projector only (None: none asked), and whether
    # new participants may still join (those already in may always change their answers)
    pin: str | None = Field(default=None, max_length=8)
    joins_open: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))


class WorkshopParticipant(SQLModel, table=True):
    """One phone (or one paper form): a random token, never a name."""

    __tablename__ = "workshop_participant"
    __table_args__ = (UniqueConstraint("workshop_id", "token", name="uq_workshop_participant_token"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(sa_column=Column(Integer, ForeignKey("workshop.id", ondelete="CASCADE"),
                                              nullable=False))
    token: str = Field(max_length=64)
    role: str = Field(max_length=20)
    joined_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = Field(default=None)


class WorkshopAnswer(SQLModel, table=True):
    __tablename__ = "workshop_answer"

    participant_id: int = Field(sa_column=Column(
        Integer, ForeignKey("workshop_participant.id", ondelete="CASCADE"), primary_key=True))
    question_id: str = Field(max_length=20, primary_key=True)
    # 1–5 for a statement, 1 (true) / 0 (false) for a myth; NULL = 「わからない」
    value: int | None = Field(default=None)


class WorkshopConsensus(SQLModel, table=True):
    """The answer the room agreed on, statement by statement (consensus mode)."""

    __tablename__ = "workshop_consensus"

    workshop_id: int = Field(sa_column=Column(
        Integer, ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True))
    question_id: str = Field(max_length=20, primary_key=True)
    value: int | None = Field(default=None)  # NULL = 「わからない」
