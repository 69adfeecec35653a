"""Failed admin password attempts (``models_auth``), read and written for ``dxcore.auth``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from dxcore.auth import Policy, Verdict, verdict
from dxcore.store.models import utcnow
from dxcore.store.models_auth import LoginFailure

CLIENT_MAX = 64
_F = LoginFailure.__table__


def _client(client: str | None) -> str:
    return (client or "local")[:CLIENT_MAX]


def login_verdict(engine: Engine, client: str | None, policy: Policy, now: datetime | None = None) -> Verdict:
    """May ``client`` try a password now, or how long must it wait?"""
    now = now or utcnow()
    with engine.connect() as conn:
        rows = conn.execute(select(_F.c.at, _F.c.client).where(_F.c.at > now - policy.window)).all()
    mine = [at for at, who in rows if who == _client(client)]
    return verdict(mine, [at for at, _ in rows], now, policy)


def login_failed(engine: Engine, client: str | None, policy: Policy, now: datetime | None = None) -> Verdict:
    """Record a wrong password (the time and the address only) and say what the client must
    wait now; failures older than the window go."""
    now = now or utcnow()
    with engine.begin() as conn:
        conn.execute(delete(_F).where(_F.c.at <= now - policy.window))
        conn.execute(insert(_F).values(at=now, client=_client(client)))
    return login_verdict(engine, client, policy, now)


def login_succeeded(engine: Engine, client: str | None) -> None:
    """The right password: this address starts afresh."""
    with engine.begin() as conn:
        conn.execute(delete(_F).where(_F.c.client == _client(client)))


def recent_failures(engine: Engine, policy: Policy, now: datetime | None = None) -> dict[str, int]:
    """Failures within the window by client address (for the server log)."""
    now = now or utcnow()
    with engine.connect() as conn:
        rows = conn.execute(select(_F.c.client).where(_F.c.at > now - policy.window)).all()
    out: dict[str, int] = {}
    for (who,) in rows:
        out[who] = out.get(who, 0) + 1
    return out
