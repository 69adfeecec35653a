"""Shared fixtures: every test gets its own SQLite database file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dxcore.store import engine as engine_mod  # noqa: E402


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """A fresh database; DX_DATABASE_URL points at it for code that reads the environment."""
    url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    monkeypatch.setenv("DX_DATABASE_URL", url)
    yield url
    engine_mod.dispose_all()


@pytest.fixture
def engine(db_url):
    return engine_mod.get_engine(db_url)


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave screenshots and files for people to look at."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def pytest_report_header(config):
    return f"DX_DATABASE_URL={os.environ.get('DX_DATABASE_URL', '(per-test SQLite)')}"


def _require_or_skip(what: str, reason: str) -> None:
    """Under CI a missing prerequisite fails; locally the test is skipped with the reason printed."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {what}: {reason}")
    print(f"\nSKIP: {reason}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database (DX_TEST_POSTGRES_URL names a server; .ci/postgres.sh starts one)."""
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    base = os.environ.get("DX_TEST_POSTGRES_URL")
    if not base:
        _require_or_skip("DX_TEST_POSTGRES_URL is unset",
                         "no PostgreSQL for the tests (run: export DX_TEST_POSTGRES_URL=$(bash .ci/postgres.sh))")
    if not base.startswith(("postgresql://", "postgresql+psycopg://")) or "\n" in base:
        pytest.fail(f"DX_TEST_POSTGRES_URL is not one PostgreSQL URL: {base!r}")
    admin = create_engine(engine_mod.normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"dx_test_{uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield engine_mod.normalise_url(base.rsplit("/", 1)[0] + "/" + name)
    finally:
        engine_mod.dispose_all()
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin, name: str) -> None:
    """Drop a test database; a server process that will not let go (an autovacuum worker the
    role may not stop) leaves it behind with a warning instead of failing the test."""
    import time
    import warnings

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(5):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as e:
            error = e
            time.sleep(0.2 * (attempt + 1))
    warnings.warn(f"test database {name} left behind: {error}", stacklevel=1)


@pytest.fixture
def pg_engine(pg_url):
    """A fresh PostgreSQL database, migrated."""
    return engine_mod.get_engine(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request):
    """The same test on the embedded SQLite default and on PostgreSQL."""
    return request.getfixturevalue("engine" if request.param == "sqlite" else "pg_engine")
