"""Back up and restore the whole database (``python -m dxcore backup FILE`` / ``restore FILE``).

Two kinds of backup file, both consistent while the app keeps running:

- **SQLite** (the default database): a copy made with SQLite's online backup API, page by
  page under SQLite's own locks.  The file is itself a SQLite database.
- **PostgreSQL**: a portable zip — ``manifest.json`` (what it is, the schema version, row
  counts) and one JSON-lines file per table — read in one REPEATABLE READ, READ ONLY
  transaction, so every table comes from the same moment.

Either kind restores into either database (so a SQLite installation can move to PostgreSQL).
A restore checks the file first (refusing anything that is not one of ours, or that a newer
version of the app made), saves the current data to a backup of its own before replacing it,
then rebuilds the schema at the backup's version, loads every row and upgrades the schema
to this version of the app, all in one transaction: it ends complete or not at all.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Date, DateTime, Engine, MetaData, Table, create_engine, func, insert, select, text
from sqlmodel import SQLModel

from dxcore.errors import DxError
from dxcore.store.engine import MIGRATIONS_DIR, _migrate_alone

MAGIC = "dx-restart-navi-backup"
FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"
BATCH = 5_000
NOT_DATA = ("alembic_version", "login_failure")  # not what "the database holds data" means


@dataclass(frozen=True)
class Summary:
    path: str
    kind: str  # "sqlite" | "zip"
    revision: str
    tables: int
    rows: int
    saved: str | None = None  # restore: where the data it replaced was saved


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def known_revisions() -> set[str]:
    return {r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions()}


def _revision(conn) -> str:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _data_tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_DATA]


def data_rows(engine: Engine) -> int:
    """Rows of data (organisations, diagnoses, KPIs…) the database holds."""
    with engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in _data_tables())


# backup ------------------------------------------------------------------------------------

def backup(engine: Engine, path: str | Path) -> Summary:
    """Write a backup of the whole database to ``path`` (which must not exist yet)."""
    target = Path(path)
    if target.exists():
        raise DxError("shell.backup.exists", path=str(target))
    tmp = target.with_name(target.name + ".part")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_copy(engine, tmp)
            kind = "sqlite"
        else:
            _zip_dump(engine, tmp)
            kind = "zip"
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DxError("shell.backup.unreadable", path=str(target), reason=e.strerror or str(e)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _summary(target, kind)


def _sqlite_copy(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        dst = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(dst)  # SQLite's online backup API
        finally:
            dst.close()
    finally:
        raw.close()


def _encode(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return {"$dt": value.replace(tzinfo=None).isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, (bytes, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
        if tag == "$b64":
            return base64.b64decode(raw)
    return value


def _zip_dump(engine: Engine, target: Path) -> None:
    with engine.connect() as conn, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        if conn.dialect.name == "postgresql":  # every table from one snapshot
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # a read transaction is a snapshot in WAL mode
        revision = _revision(conn)
        meta = MetaData()
        meta.reflect(conn)
        counts = {}
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            n = 0
            with zf.open(f"tables/{table.name}.jsonl", "w") as fh:
                for row in conn.execute(select(table)).mappings():
                    fh.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False).encode() + b"\n")
                    n += 1
            counts[table.name] = n
        zf.writestr(MANIFEST, json.dumps({"magic": MAGIC, "format": FORMAT, "revision": revision,
                                          "source": conn.dialect.name, "tables": counts,
                                          "created": datetime.now(timezone.utc).isoformat()}, indent=1))


# reading a backup --------------------------------------------------------------------------

def _refuse(path: Path, reason: str) -> DxError:
    return DxError("shell.backup.not_a_backup", path=str(path), reason=reason)


def inspect_backup(path: str | Path) -> Summary:
    """What a backup file holds; DxError if it is not a backup this app can restore."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise DxError("shell.backup.unreadable", path=str(path), reason=e.strerror or str(e)) from None
    if head.startswith(SQLITE_HEADER):
        return _summary(path, "sqlite")
    if head.startswith(ZIP_HEADER):
        return _summary(path, "zip")
    raise _refuse(path, "neither a SQLite database nor a zip file")


def _summary(path: Path, kind: str) -> Summary:
    if kind == "sqlite":
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise _refuse(path, "the SQLite file is damaged")
                names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not {"alembic_version", "organization"} <= names:
                    raise _refuse(path, "a SQLite database, but not this app's")
                revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
                counts = {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]
                          for n in names if n not in ("alembic_version", "sqlite_sequence")}
            finally:
                con.close()
        except sqlite3.DatabaseError as e:
            raise _refuse(path, f"SQLite: {e}") from None
    else:
        try:
            with zipfile.ZipFile(path) as zf:
                manifest = json.loads(zf.read(MANIFEST))
                if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
                    raise _refuse(path, "a zip file without this app's manifest")
                if manifest.get("format") != FORMAT:
                    raise DxError("shell.backup.newer", path=str(path), version=f"format {manifest.get('format')}")
                revision, counts = str(manifest["revision"]), dict(manifest["tables"])
                missing = [n for n in counts if f"tables/{n}.jsonl" not in zf.namelist()]
                if missing:
                    raise _refuse(path, f"tables missing from the zip: {', '.join(missing[:5])}")
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as e:
            raise _refuse(path, f"zip: {e}") from None
    if revision not in known_revisions():
        raise DxError("shell.backup.newer", path=str(path), version=revision)
    data = {n: c for n, c in counts.items() if n not in NOT_DATA}
    return Summary(str(path), kind, revision, len(data), sum(data.values()))


def _source_rows(summary: Summary) -> Iterator[tuple[str, Iterator[dict]]]:
    """(table, its rows as dicts of Python values) from a backup, parents before children."""
    path = Path(summary.path)
    if summary.kind == "sqlite":
        source = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        try:
            with source.connect() as conn:
                meta = MetaData()
                meta.reflect(conn)
                for table in meta.sorted_tables:
                    if table.name != "alembic_version":
                        yield table.name, (dict(r) for r in conn.execute(select(table)).mappings())
        finally:
            source.dispose()
    else:
        with zipfile.ZipFile(path) as zf:
            names = json.loads(zf.read(MANIFEST))["tables"]
            for name in names:
                with zf.open(f"tables/{name}.jsonl") as fh:
                    yield name, ({k: _decode(v) for k, v in json.loads(line).items()} for line in fh if line.strip())


# restore -----------------------------------------------------------------------------------

def _typed(value, column):
    """A value as the target column wants it (SQLite hands back text and naive times)."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value
    if isinstance(kind, Date) and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(kind, Boolean) and not isinstance(value, bool):
        return bool(value)
    return value


def restore(engine: Engine, path: str | Path, replace: bool = False, saved_to: str | Path | None = None) -> Summary:
    """Replace the database's contents with a backup's (see the module's docstring)."""
    summary = inspect_backup(path)
    existing = data_rows(engine)
    saved = None
    if existing:
        if not replace:
            raise DxError("shell.backup.not_empty", rows=existing)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = ".sqlite3" if engine.dialect.name == "sqlite" else ".zip"
        saved = backup(engine, saved_to or Path(path).resolve().with_name(f"dx-before-restore-{stamp}{suffix}")).path
    cfg = _config()
    with engine.begin() as conn:
        _migrate_alone(conn)  # no app process migrates or restores at the same time
        old = MetaData()
        old.reflect(conn)
        old.drop_all(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, summary.revision)  # the schema as it was when the backup was made
        meta = MetaData()
        meta.reflect(conn)
        rows = 0
        for name, source in _source_rows(summary):
            table = meta.tables.get(name)
            if table is None:
                raise _refuse(Path(summary.path), f"table {name} is not in the schema {summary.revision}")
            batch = []
            for row in source:
                batch.append({c.name: _typed(row.get(c.name), c) for c in table.columns if c.name in row})
                if len(batch) >= BATCH:
                    conn.execute(insert(table), batch)
                    rows += len(batch)
                    batch = []
            if batch:
                conn.execute(insert(table), batch)
                rows += len(batch)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, meta)
        command.upgrade(cfg, "heads")  # then up to this version of the app
    return Summary(summary.path, summary.kind, summary.revision, summary.tables, summary.rows, saved)


def _reset_sequences(conn, meta: MetaData) -> None:
    """Rows came with their ids: the next id continues after the largest."""
    for table in meta.sorted_tables:
        for column in table.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": table.name, "c": column.name}).scalar()
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 1), '
                                  f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL)'), {"s": seq})
