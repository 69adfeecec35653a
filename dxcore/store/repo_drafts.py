"""Drafts kept on the server (see ``models_drafts``): one JSON object per (kind, token).

Who uses it: the self-diagnosis keeps its unanswered questionnaire here, a workshop
participant their unsent answers.  The token is random (:func:`new_token`), lives in the
user's own URL and is the only key: whoever has the URL has the draft, so drafts hold
answers, never names.  Payloads are bounded; drafts older than :data:`TTL` are neither
returned nor kept (each save purges expired ones now and then).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from dxcore.store.models import utcnow
from dxcore.store.models_drafts import Draft
from dxcore.store.sql import upsert

KINDS = ("diagnosis", "workshop")
TTL = timedelta(days=14)
PAYLOAD_MAX = 64_000  # characters of JSON; a 42-question draft is well under 2,000
PURGE_EVERY_S = 600.0
TOKEN_PARAM = "d"  # the draft's token in the page's URL
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_D = Draft.__table__
_last_purge = 0.0
_purge_lock = threading.Lock()


def new_token() -> str:
    """A draft's key: random, unguessable (192 bits), URL-safe."""
    return secrets.token_urlsafe(24)


def is_token(raw: object) -> bool:
    """Does ``raw`` look like a token :func:`new_token` made (and not like anything else)?"""
    return isinstance(raw, str) and _TOKEN_SHAPE.fullmatch(raw) is not None


def _check(kind: str, token: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind {kind!r}")
    if not is_token(token):
        raise ValueError("a draft token is a random URL-safe string of 16–64 characters")


def save(engine: Engine, kind: str, token: str, payload: dict[str, Any]) -> None:
    """Keep ``payload`` (a JSON-able dict) as the draft of ``kind`` under ``token``, replacing any."""
    _check(kind, token)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text) > PAYLOAD_MAX:
        raise ValueError(f"a draft is at most {PAYLOAD_MAX} characters of JSON")
    with engine.begin() as conn:
        upsert(conn, _D, {"kind": kind, "token": token, "payload": text, "updated_at": utcnow()},
               ["kind", "token"], ["payload", "updated_at"])
    _purge_now_and_then(engine)


def load(engine: Engine, kind: str, token: str) -> dict[str, Any] | None:
    """The draft of ``kind`` under ``token``, or None (none, expired, or not a token at all)."""
    if kind not in KINDS or not is_token(token):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(_D.c.payload).where(
            _D.c.kind == kind, _D.c.token == token, _D.c.updated_at >= utcnow() - TTL)).first()
    if row is None:
        return None
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def discard(engine: Engine, kind: str, token: str) -> None:
    """Forget a draft (it was submitted, or the user cleared it)."""
    if kind in KINDS and is_token(token):
        with engine.begin() as conn:
            conn.execute(delete(_D).where(_D.c.kind == kind, _D.c.token == token))


def purge_expired(engine: Engine) -> int:
    """Delete every draft older than :data:`TTL`; the number deleted."""
    with engine.begin() as conn:
        return conn.execute(delete(_D).where(_D.c.updated_at < utcnow() - TTL)).rowcount or 0


def _purge_now_and_then(engine: Engine) -> None:
    global _last_purge
    now = time.monotonic()
    with _purge_lock:
        if now - _last_purge < PURGE_EVERY_S:
            return
        _last_purge = now
    purge_expired(engine)
