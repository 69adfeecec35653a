"""Failed admin password attempts, shared by every app process (see ``dxcore.auth``).
Rows hold the time and the client address, never what was typed; rows older than the
policy's window are deleted as new ones come.  Migration: ``0010_login_failures``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    client: str = Field(max_length=64, index=True)  # an IP address, or "local"
