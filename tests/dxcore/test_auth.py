"""Password guessing: a lockout that backs off, per client address and overall, kept in the
database so that it holds across sessions and processes; unlocked sessions expire when idle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dxcore import auth
from dxcore.auth import Policy
from dxcore.store import repo_auth
from dxcore.store.models_auth import LoginFailure

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)
P = Policy()


def test_no_wait_below_the_threshold_then_a_doubling_wait_up_to_the_cap():
    assert [auth.lockout(n, 5, P).total_seconds() for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 960, 1920]
    assert auth.lockout(40, 5, P) == P.longest
    assert auth.lockout(10_000, 5, P) == P.longest  # no overflow


def test_wait_counts_from_the_latest_failure():
    times = [T0 + timedelta(seconds=i) for i in range(6)]  # 6 failures: 60 s after the last
    assert auth.wait(times, 5, T0 + timedelta(seconds=5), P) == timedelta(seconds=60)
    assert auth.wait(times, 5, T0 + timedelta(seconds=64), P) == timedelta(seconds=1)
    assert auth.wait(times, 5, T0 + timedelta(seconds=66), P) == timedelta(0)


def test_the_client_or_everyone_whichever_must_wait_longer():
    mine = [T0] * 5
    everyone = [T0] * 25
    v = auth.verdict(mine, everyone, T0, P)
    assert v.scope == "all" and v.wait == timedelta(seconds=30 * 2 ** 5) and not v.allowed
    assert auth.verdict([], [T0] * 3, T0, P).allowed


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DX_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("DX_LOGIN_LOCKOUT_SECONDS", "10")
    monkeypatch.setenv("DX_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("DX_LOGIN_MAX_FAILURES_ALL", "nonsense")  # ignored: the default stays
    p = Policy.from_env()
    assert (p.per_client, p.base, p.idle, p.overall) == (3, timedelta(seconds=10), timedelta(minutes=15), 20)


def test_idle_sessions_expire():
    assert not auth.idle_expired(T0, T0 + P.idle, P)
    assert auth.idle_expired(T0, T0 + P.idle + timedelta(seconds=1), P)
    assert auth.idle_expired(None, T0, P)


def test_failures_are_stored_per_address_without_the_password_and_shared(any_engine):
    for i in range(4):
        assert repo_auth.login_failed(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=i)).allowed
    fifth = repo_auth.login_failed(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=4))
    assert not fifth.allowed and fifth.scope == "client" and fifth.wait == timedelta(seconds=30)
    # another address is not locked; the same address is, from any session or process
    assert repo_auth.login_verdict(any_engine, "10.0.0.6", P, T0 + timedelta(seconds=5)).allowed
    assert repo_auth.login_verdict(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=20)).wait == timedelta(seconds=14)
    assert repo_auth.login_verdict(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=35)).allowed
    sixth = repo_auth.login_failed(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=35))
    assert sixth.wait == timedelta(seconds=60)  # doubled
    columns = set(LoginFailure.__table__.columns.keys())
    assert columns == {"id", "at", "client"}  # what was typed is never stored
    repo_auth.login_succeeded(any_engine, "10.0.0.5")
    assert repo_auth.login_verdict(any_engine, "10.0.0.5", P, T0 + timedelta(seconds=36)).allowed


def test_many_addresses_together_hit_the_overall_limit_and_old_failures_go(any_engine):
    for i in range(P.overall):
        repo_auth.login_failed(any_engine, f"10.1.0.{i}", P, T0)
    v = repo_auth.login_verdict(any_engine, "10.9.9.9", P, T0 + timedelta(seconds=1))
    assert not v.allowed and v.scope == "all"
    later = T0 + P.window + timedelta(seconds=1)
    repo_auth.login_failed(any_engine, "10.2.0.1", P, later)  # prunes what the window forgot
    assert repo_auth.recent_failures(any_engine, P, later) == {"10.2.0.1": 1}
    assert repo_auth.login_verdict(any_engine, "10.9.9.9", P, later).allowed


@pytest.mark.parametrize("client", [None, "", "x" * 300])
def test_odd_addresses_are_stored_bounded(engine, client):
    repo_auth.login_failed(engine, client, P, T0)
    (who,) = repo_auth.recent_failures(engine, P, T0)
    assert 0 < len(who) <= repo_auth.CLIENT_MAX


def test_a_projector_pass_is_for_one_workshop_until_it_expires():
    from datetime import datetime, timedelta, timezone

    from dxcore.auth import projector_pass, projector_pass_valid

    now = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
    given = projector_pass("secret", "ABC234", now, hours=12)
    assert projector_pass_valid("secret", "ABC234", given, now + timedelta(hours=11))
    assert not projector_pass_valid("secret", "ABC234", given, now + timedelta(hours=12, seconds=1))
    assert not projector_pass_valid("secret", "XYZ789", given, now)  # another workshop
    assert not projector_pass_valid("other", "ABC234", given, now)  # the password changed
    until, signature = given.split(".")
    assert not projector_pass_valid("secret", "ABC234", f"{int(until) + 3600}.{signature}", now)  # stretched
    for junk in (None, 42, "", ".", "x.y", "1.2.3", "9" * 40 + ".ab", "1" * 81):
        assert not projector_pass_valid("secret", "ABC234", junk, now)
