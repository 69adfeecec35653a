"""Small SQL helpers the repository modules share (SQLite and PostgreSQL, the two we ship)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection


def dialect_insert(dialect: str):
    """The dialect's own insert(), which knows ON CONFLICT (SQLite and PostgreSQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app ships for these two
        raise NotImplementedError(f"no upsert for {dialect}")
    return insert


def upsert(conn: Connection, table, values: dict, keys: list[str], updates: list[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE, in the dialect's own words."""
    stmt = dialect_insert(conn.dialect.name)(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=keys,
                                            set_={u: getattr(stmt.excluded, u) for u in updates}))


@contextmanager
def write_transaction(conn: Connection, lock=None) -> Iterator[Connection]:
    """A transaction on ``conn`` that holds the write lock from its first statement: on
    SQLite ``BEGIN IMMEDIATE`` (waiting through busy_timeout; a transaction that only later
    tried to upgrade its read snapshot would get "database is locked" however long it
    waited); on PostgreSQL ``lock``, a ``SELECT … FOR UPDATE`` of the row writers take
    turns on, if given.  Commits at the end, rolls back on any error."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif lock is not None:
        conn.execute(lock)
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
