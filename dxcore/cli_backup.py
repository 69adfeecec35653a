"""CLI: back up and restore the whole database (``python -m dxcore backup FILE`` /
``python -m dxcore restore FILE [--replace]``); see ``dxcore.store.backup``."""

from __future__ import annotations

import sys
from dataclasses import asdict

from dxcore.cli import Out
from dxcore.i18n import t
from dxcore.store import backup, get_engine


def register(sub) -> None:
    p = sub.add_parser("backup", help="write a backup of the whole database to FILE (safe while the app runs)")
    p.add_argument("file", metavar="FILE", help="a new file (SQLite: a database copy; PostgreSQL: a zip)")
    p.set_defaults(func=backup_cmd)
    p = sub.add_parser("restore", help="replace the database's contents with a backup made by `backup`")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--replace", action="store_true",
                   help="the database already holds data: save it to a backup of its own, then replace it")
    p.add_argument("--saved-to", metavar="FILE", help="where --replace saves the current data (default: next to FILE)")
    p.set_defaults(func=restore_cmd)


def backup_cmd(args) -> Out:
    done = backup.backup(get_engine(), args.file)
    print(t("shell.backup.done", args.lang, path=done.path, tables=done.tables, rows=done.rows), file=sys.stderr)
    return Out(asdict(done))


def restore_cmd(args) -> Out:
    done = backup.restore(get_engine(), args.file, replace=args.replace, saved_to=args.saved_to)
    key = "shell.backup.restored" if done.saved else "shell.backup.restored_empty"
    print(t(key, args.lang, path=done.path, tables=done.tables, rows=done.rows, saved=done.saved), file=sys.stderr)
    return Out(asdict(done))
