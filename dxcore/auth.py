"""The admin password's defences against guessing scripts: a lockout that backs off, and an
idle time after which an unlocked browser session has to give the password again.

Pure policy here; the failed attempts themselves live in the database (``repo_auth``), so the
limits hold across browser sessions, clients and app processes (several replicas behind a
load balancer share one PostgreSQL).

- **Per client address**: after ``per_client`` wrong passwords within ``window`` from one
  address, that address waits ``base`` seconds after its latest failure, then twice as long
  after each further failure (``base·2^(n-per_client)``), at most ``longest``.
- **Overall**: the same rule over all addresses with ``overall`` failures, so that many
  addresses (or one behind changing addresses) cannot guess faster.  It can also make the
  rightful administrator wait; the wait is bounded by ``longest`` and shown.
- While locked, an attempt is refused before the password is compared, and not counted.
- A right password clears that address's failures.

Every limit can be changed through the environment (README, 管理者向け).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Policy:
    window: timedelta = timedelta(hours=1)  # failures older than this are forgotten
    per_client: int = 5  # wrong passwords from one address before it must wait
    overall: int = 20  # wrong passwords from all addresses before everyone must wait
    base: timedelta = timedelta(seconds=30)  # the first wait; doubles with each further failure
    longest: timedelta = timedelta(hours=1)
    idle: timedelta = timedelta(hours=8)  # an unlocked browser session expires after this idle time

    @classmethod
    def from_env(cls) -> Policy:
        d = cls()
        return cls(
            window=timedelta(minutes=_env_number("DX_LOGIN_WINDOW_MINUTES", d.window.total_seconds() / 60)),
            per_client=int(_env_number("DX_LOGIN_MAX_FAILURES", d.per_client)),
            overall=int(_env_number("DX_LOGIN_MAX_FAILURES_ALL", d.overall)),
            base=timedelta(seconds=_env_number("DX_LOGIN_LOCKOUT_SECONDS", d.base.total_seconds())),
            longest=timedelta(minutes=_env_number("DX_LOGIN_LOCKOUT_MAX_MINUTES", d.longest.total_seconds() / 60)),
            idle=timedelta(minutes=_env_number("DX_SESSION_IDLE_MINUTES", d.idle.total_seconds() / 60)),
        )


def lockout(failures: int, threshold: int, policy: Policy) -> timedelta:
    """How long to wait after the latest of ``failures`` recent failures (0 below the threshold)."""
    if failures < threshold:
        return timedelta(0)
    doublings = min(failures - threshold, 40)  # 2**40 times any base is past any sane longest
    return min(policy.longest, policy.base * (2 ** doublings))


def wait(failure_times: Sequence[datetime], threshold: int, now: datetime, policy: Policy) -> timedelta:
    """Time left before the next attempt may be checked, given the failures in the window."""
    if len(failure_times) < threshold:
        return timedelta(0)
    until = max(failure_times) + lockout(len(failure_times), threshold, policy)
    return max(timedelta(0), until - now)


@dataclass(frozen=True)
class Verdict:
    wait: timedelta  # 0: the password may be checked now
    scope: str | None  # "client" or "all": whose failures caused the wait

    @property
    def allowed(self) -> bool:
        return self.wait <= timedelta(0)


def verdict(client_failures: Sequence[datetime], all_failures: Sequence[datetime], now: datetime,
            policy: Policy) -> Verdict:
    mine = wait(client_failures, policy.per_client, now, policy)
    everyone = wait(all_failures, policy.overall, now, policy)
    if mine <= timedelta(0) and everyone <= timedelta(0):
        return Verdict(timedelta(0), None)
    return Verdict(mine, "client") if mine >= everyone else Verdict(everyone, "all")


def idle_expired(last_seen: datetime | None, now: datetime, policy: Policy) -> bool:
    return last_seen is None or now - last_seen > policy.idle


# the projector's pass ------------------------------------------------------------------
# With a password set, the projector window the facilitator opens from the facilitator's view
# is a new browser session: it would show the password form to the room.  Its link carries a
# pass instead, valid for that workshop's projector view alone and for a limited time, signed
# with (a digest of) the admin password: a changed password ends every pass.

PROJECTOR_PASS_HOURS = 12


def projector_pass(secret: str, code: str, now: datetime, hours: float = PROJECTOR_PASS_HOURS) -> str:
    """A pass for the projector view of workshop ``code`` until ``now`` + ``hours``."""
    until = int((now + timedelta(hours=hours)).timestamp())
    return f"{until}.{_sign(secret, code, until)}"


def projector_pass_valid(secret: str, code: str, given: object, now: datetime) -> bool:
    """Does ``given`` (from a URL: anything at all) let this browser see workshop ``code``'s projector?"""
    if not isinstance(given, str) or len(given) > 80 or given.count(".") != 1:
        return False
    until, signature = given.split(".")
    if not until.isdigit() or len(until) > 12 or int(until) < now.timestamp():
        return False
    return hmac.compare_digest(signature, _sign(secret, code, int(until)))


def _sign(secret: str, code: str, until: int) -> str:
    return hmac.new(secret.encode("utf-8"), f"projector|{code}|{until}".encode("utf-8"),
                    hashlib.sha256).hexdigest()[:32]
