"""Tables.  Every change here needs a migration in ``migrations/versions`` (a test
compares this metadata with what the migrations build)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC (SQLModel's UTCDateTime stores UTC); pages show it in Asia/Tokyo."""
    return datetime.now(timezone.utc)


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    lg_code: str | None = Field(default=None, max_length=6, unique=True)
    prefecture: str | None = Field(default=None, max_length=2)  # 01…47
    is_demo: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Diagnosis(SQLModel, table=True):
    __tablename__ = "diagnosis"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         nullable=False, index=True))
    taken_at: datetime = Field(default_factory=utcnow)
    role: str = Field(max_length=20)
    mode: str = Field(default="self", max_length=20)  # self | workshop
    question_set: str = Field(default="full", max_length=10)  # full | pulse
    participants: int = Field(default=1)
    # the questionnaire version it was answered against, and the statement ids it asked
    # (comma-separated): an old diagnosis is scored with its own version's statements
    content_version: int = Field(sa_column=Column(Integer, nullable=False))
    asked: str = Field(sa_column=Column(Text, nullable=False))


class DiagnosisAnswer(SQLModel, table=True):
    __tablename__ = "diagnosis_answer"

    diagnosis_id: int = Field(sa_column=Column(Integer, ForeignKey("diagnosis.id", ondelete="CASCADE"),
                                               primary_key=True))
    question_id: str = Field(max_length=20, primary_key=True)
    # 1–5; fractional for a workshop room's mean; NULL = 「わからない」
    value: float | None = Field(default=None)
