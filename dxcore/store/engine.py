"""Engine factory: SQLite file under data/ by default, DX_DATABASE_URL to override.

SQLite connections get WAL, a busy timeout and foreign keys.  The schema is brought up
to date by Alembic the first time an engine is made for a URL in this process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK_KEY = 0x44_58_4D_49  # "DXMI": the PostgreSQL advisory lock that migrations take

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    url = os.environ.get("DX_DATABASE_URL", "").strip()
    return normalise_url(url) if url else f"sqlite:///{DATA_DIR / 'dx.sqlite3'}"


def normalise_url(url: str) -> str:
    """A bare postgresql:// URL means the psycopg (3) driver we ship."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare):]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied (never drops data), one process at a time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        _migrate_alone(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def _migrate_alone(conn: Connection) -> None:
    """Processes starting together on one database (replicas, the app and the CLI) take
    turns: the first migrates, the others then find nothing left to do.  The lock is the
    migration transaction's own, so it ends with it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now (waits up to busy_timeout)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: :func:`database_url`), migrated."""
    url = url or database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            migrate(engine)
            _engines[url] = engine
        return engine


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
