"""Drafts: unfinished answers kept on the server so that a reload, a lost phone connection
or a second visit resumes where the user was.  A draft is keyed by its kind and a random
token that lives in the user's own URL; it is never a diagnosis or a ballot, and it
expires.  Migration: ``0006_drafts``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


class Draft(SQLModel, table=True):
    __tablename__ = "draft"

    kind: str = Field(max_length=20, primary_key=True)  # diagnosis | workshop | …
    token: str = Field(max_length=64, primary_key=True)
    payload: str  # JSON, bounded by repo_drafts.PAYLOAD_MAX
    updated_at: datetime = Field(default_factory=utcnow, index=True)
