"""Engine factory: SQLite file under data/ by default, DX_DATABASE_URL to override.

SQLite connections get WAL, a busy timeout and foreign keys.  The schema is brought up
to date by Alembic the first time an engine is made for a URL in this process.

Database trouble becomes one sentence (:class:`dxcore.errors.StoreError`) naming the file
or the URL without its password, in place of the driver's error: a corrupt file, a
read-only one, one that cannot be opened, a full disk, a server that cannot be reached.
A SQLite file deleted (or replaced) while the server runs is noticed before each use of
a connection — the path no longer leads to the file that was opened — and the database
is refused from then on: SQLite would otherwise go on writing into the deleted file, and
the next start would make a new, empty one.  What the open connection still sees is
first copied next to the path (``dx.sqlite3.recovered-…``), so nothing is lost.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text

from dxcore.errors import StoreError

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


def describe(url: str) -> str:
    """What a message names: the SQLite file, or the URL with its password hidden."""
    path = sqlite_path(url)
    if path is not None:
        return path
    try:
        return make_url(url).render_as_string(hide_password=True).replace("+psycopg://", "://", 1)
    except Exception:  # noqa: BLE001 — a URL SQLAlchemy cannot read: say only its scheme
        return url.split(":", 1)[0] + "://…"


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path.startswith("file:"):
        path = path[len("file:"):]
    return path if path and path != ":memory:" else None


def make_engine(url: str) -> Engine:
    target = describe(url)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass  # sqlite3 will say it cannot open the file: one sentence below
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        if path:
            _FileGuard(path).attach(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "handle_error", lambda context: _translate(context, target))
    return engine


# database trouble in one sentence -------------------------------------------------------

SQLITE_FAULTS = {"SQLITE_NOTADB": "corrupt", "SQLITE_CORRUPT": "corrupt", "SQLITE_READONLY": "readonly",
                 "SQLITE_CANTOPEN": "cannot_open", "SQLITE_FULL": "full", "SQLITE_IOERR": "io_error",
                 "SQLITE_PERM": "readonly", "SQLITE_AUTH": "readonly"}
POSTGRES_FAULTS = {"25006": "readonly", "53100": "full", "XX001": "corrupt", "XX002": "corrupt",
                   "57P01": "unreachable", "57P02": "unreachable", "57P03": "unreachable",
                   "08000": "unreachable", "08001": "unreachable", "08003": "unreachable",
                   "08004": "unreachable", "08006": "unreachable", "28P01": "refused", "28000": "refused",
                   "3D000": "unreachable"}


def fault(error: BaseException) -> str | None:
    """The kind of database trouble a driver error is (None: an ordinary error, e.g. a
    constraint or a lock held by another writer, that its caller handles)."""
    name = getattr(error, "sqlite_errorname", None)
    if name:
        for prefix, kind in SQLITE_FAULTS.items():
            if name == prefix or name.startswith(prefix + "_"):
                return kind
        return None
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate in POSTGRES_FAULTS:
        return POSTGRES_FAULTS[sqlstate]
    if type(error).__module__.startswith("psycopg"):
        text_ = str(error)
        if "NUL (0x00)" in text_:
            return "nul"
        if sqlstate is None and type(error).__name__ == "OperationalError":  # no connection at all
            return "refused" if "authentication failed" in text_ else "unreachable"
    return None


def _translate(context, target: str):
    kind = fault(context.original_exception)
    if kind is not None:
        return StoreError(f"limits.db.{kind}", target=target)
    return None


class _FileGuard:
    """Notices that a SQLite file's path no longer leads to the file that was opened."""

    def __init__(self, path: str):
        self.path = path
        self.identity: tuple[int, int] | None = None
        self.gone = False
        self.saved: str | None = None
        self.lock = threading.Lock()

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "do_connect", self.before_connect)
        event.listen(engine, "connect", self.connected)
        event.listen(engine, "checkout", self.checked_out)

    def _now(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def before_connect(self, dialect, conn_rec, cargs, cparams):
        # a new connection to a path whose file went away would make a new, empty database
        if self.identity is not None and self._now() != self.identity:
            self._refuse(None)

    def connected(self, dbapi_conn, _record) -> None:
        with self.lock:
            if self.identity is None:
                self.identity = self._now()

    def checked_out(self, dbapi_conn, _record, _proxy) -> None:
        if self.identity is not None and (self.gone or self._now() != self.identity):
            self._refuse(dbapi_conn)

    def _refuse(self, dbapi_conn) -> None:
        with self.lock:
            if not self.gone:
                self.gone = True
                self.saved = _save_copy(dbapi_conn, self.path) if dbapi_conn is not None else None
        if self.saved:
            raise StoreError("limits.db.deleted_saved", target=self.path, copy=self.saved)
        raise StoreError("limits.db.deleted", target=self.path)


def _save_copy(dbapi_conn, path: str) -> str | None:
    """Copy what an open connection to a deleted file still sees next to its path."""
    copy = f"{path}.recovered-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        target = sqlite3.connect(copy)
        try:
            dbapi_conn.backup(target)
        finally:
            target.close()
    except (sqlite3.Error, OSError, AttributeError):
        return None
    return copy


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
