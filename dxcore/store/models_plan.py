"""Tables of the restart plan: one row per checklist item an organisation has touched,
one row per change (the history, never deleted), and milestones added by hand.

Item state is kept per item, not as one document per plan, and every write changes only
the fields the user changed: two people editing different items at the same time both
keep their change.  Catalogue items (S1-1 …) get a row the first time they are changed;
until then they are 未着手 with nothing filled in.  Nothing here is ever hard-deleted:
items and milestones are archived.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


def _org_fk(index: bool = False) -> Column:
    return Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=index)


class PlanItem(SQLModel, table=True):
    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("org_id", "item_id", name="uq_plan_item_org_item"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=_org_fk())
    item_id: str = Field(max_length=20)  # S3-3 (catalogue) or S3-C1 (added by the organisation)
    step: str = Field(max_length=4)  # S1…S7
    text: str | None = Field(default=None, max_length=200)  # only for items the organisation added
    status: str = Field(default="todo", max_length=10)  # todo | doing | done
    owner: str | None = Field(default=None, max_length=100)
    due: date | None = Field(default=None)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    completed_on: date | None = Field(default=None)
    archived: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PlanMilestone(SQLModel, table=True):
    __tablename__ = "plan_milestone"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=_org_fk(index=True))
    on_date: date
    label: str = Field(max_length=60)
    archived: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class PlanEvent(SQLModel, table=True):
    """One change to one field of one item (or one milestone), with when and who."""

    __tablename__ = "plan_event"
    __table_args__ = (Index("ix_plan_event_org_changed", "org_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=_org_fk())
    changed_at: datetime = Field(default_factory=utcnow)
    role: str | None = Field(default=None, max_length=20)
    item_id: str | None = Field(default=None, max_length=20)
    milestone_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("plan_milestone.id", ondelete="CASCADE"), nullable=True))
    # status | owner | due | note | completed_on | archived | added | milestone | milestone_archived
    field: str = Field(max_length=20)
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
