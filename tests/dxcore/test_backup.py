"""Backups: made while the app runs, restored whole or not at all, into SQLite or PostgreSQL;
anything that is not a backup is refused and nothing changes."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import MetaData, insert, select, text

from dxcore import demo
from dxcore.cli import main
from dxcore.errors import DxError
from dxcore.store import backup, repo
from dxcore.store import engine as engine_mod
from dxcore.store.models import Organization


def contents(engine) -> dict[str, list[dict]]:
    """Every row of every table, in a form that compares across SQLite and PostgreSQL."""
    def norm(v):
        if isinstance(v, datetime):
            return (v if v.tzinfo else v.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return v

    meta = MetaData()
    out = {}
    with engine.connect() as conn:
        meta.reflect(conn)
        for table in meta.sorted_tables:
            if table.name in ("alembic_version", "login_failure"):
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [{k: norm(v) for k, v in r.items()}
                               for r in conn.execute(select(table).order_by(*order)).mappings()]
    return out


@pytest.fixture
def second_sqlite(tmp_path):
    return engine_mod.get_engine(f"sqlite:///{tmp_path / 'second.sqlite3'}")


def test_sqlite_backup_is_consistent_while_another_connection_writes(engine, tmp_path, second_sqlite):
    demo.load_demo(engine)
    before = contents(engine)
    writer = engine_mod.make_engine(str(engine.url)).connect()
    writer.exec_driver_sql("BEGIN IMMEDIATE")  # the app is in the middle of a write
    writer.execute(insert(Organization).values(name="書きかけ町", is_demo=False, created_at=datetime.now(timezone.utc)))
    done = backup.backup(engine, tmp_path / "b.sqlite3")
    writer.rollback()
    writer.close()
    assert done.kind == "sqlite" and done.rows == sum(len(v) for v in before.values()) and done.rows > 500
    restored = backup.restore(second_sqlite, done.path)
    assert restored.saved is None
    assert contents(second_sqlite) == before  # every row, ids, times; not the unfinished write
    assert repo.find_org(second_sqlite, "サンプル市") is not None


def test_postgresql_backup_is_a_portable_zip_that_restores_into_either_database(pg_engine, tmp_path, second_sqlite):
    demo.load_demo(pg_engine)
    before = contents(pg_engine)
    done = backup.backup(pg_engine, tmp_path / "pg.zip")
    assert done.kind == "zip"
    with zipfile.ZipFile(done.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["magic"] == backup.MAGIC and manifest["source"] == "postgresql"
    backup.restore(second_sqlite, done.path)
    assert contents(second_sqlite) == before
    # and back into PostgreSQL, replacing what is there; new rows continue after the restored ids
    repo.create_org(pg_engine, "後から町")
    again = backup.restore(pg_engine, done.path, replace=True, saved_to=tmp_path / "saved.zip")
    assert contents(pg_engine) == before and again.saved and (tmp_path / "saved.zip").exists()
    assert repo.create_org(pg_engine, "次の町").id > max(r["id"] for r in before["organization"])


def test_restore_refuses_to_overwrite_data_unless_asked_and_saves_it_first(engine, tmp_path, second_sqlite):
    repo.create_org(second_sqlite, "既存町")
    demo.load_demo(engine)
    done = backup.backup(engine, tmp_path / "b.sqlite3")
    with pytest.raises(DxError) as e:
        backup.restore(second_sqlite, done.path)
    assert e.value.key == "shell.backup.not_empty"
    assert [o.name for o in repo.list_orgs(second_sqlite)] == ["既存町"]  # nothing changed
    result = backup.restore(second_sqlite, done.path, replace=True)
    assert [o.name for o in repo.list_orgs(second_sqlite)] == ["サンプル市"]
    saved = sqlite3.connect(result.saved)
    assert saved.execute("SELECT name FROM organization").fetchall() == [("既存町",)]
    saved.close()


def test_a_backup_from_an_older_version_is_upgraded_on_restore(tmp_path, second_sqlite):
    old = engine_mod.make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = backup._config()
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO organization (name, lg_code, prefecture, is_demo, created_at) "
                          "VALUES ('古い町', NULL, NULL, 0, '2024-04-01 00:00:00.000000')"))
    done = backup.backup(old, tmp_path / "old-backup.sqlite3")
    assert done.revision == "0001"
    backup.restore(second_sqlite, done.path)
    assert [o.name for o in repo.list_orgs(second_sqlite)] == ["古い町"]
    with second_sqlite.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() in backup.known_revisions()
        assert conn.execute(text("SELECT COUNT(*) FROM login_failure")).scalar_one() == 0  # the newest table


def _zip(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return path


def test_files_that_are_not_backups_are_refused_and_nothing_changes(engine, tmp_path):
    repo.create_org(engine, "既存町")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "empty.bin").write_bytes(b"")
    other = sqlite3.connect(tmp_path / "other.sqlite3")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    cases = {
        "notes.txt": "shell.backup.not_a_backup",
        "empty.bin": "shell.backup.not_a_backup",
        "other.sqlite3": "shell.backup.not_a_backup",
        "plain.zip": "shell.backup.not_a_backup",
        "future.zip": "shell.backup.newer",
        "broken.zip": "shell.backup.not_a_backup",
    }
    _zip(tmp_path / "plain.zip", {"a.txt": "x"})
    _zip(tmp_path / "future.zip", {"manifest.json": json.dumps({"magic": backup.MAGIC, "format": 1, "revision": "9999",
                                                                "tables": {}})})
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    for name, key in cases.items():
        with pytest.raises(DxError) as e:
            backup.restore(engine, tmp_path / name, replace=True)
        assert e.value.key == key, name
        assert name in e.value.message("ja")
    assert [o.name for o in repo.list_orgs(engine)] == ["既存町"]
    assert not list(tmp_path.glob("dx-before-restore-*"))


def test_backup_never_overwrites_a_file(engine, tmp_path):
    (tmp_path / "b.sqlite3").write_text("keep me", encoding="utf-8")
    with pytest.raises(DxError) as e:
        backup.backup(engine, tmp_path / "b.sqlite3")
    assert e.value.key == "shell.backup.exists"
    assert (tmp_path / "b.sqlite3").read_text(encoding="utf-8") == "keep me"


def test_the_cli_backs_up_and_restores_and_says_so(db_url, engine, tmp_path, capsys, monkeypatch):
    demo.load_demo(engine)
    assert main(["backup", str(tmp_path / "cli.sqlite3")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "sqlite" and out["rows"] > 500
    assert main(["restore", str(tmp_path / "cli.sqlite3")]) == 2
    assert "--replace" in capsys.readouterr().err
    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    assert main(["--lang", "en", "restore", str(tmp_path / "x.txt")]) == 2
    assert "is not a backup" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "cli.sqlite3"), "--replace", "--saved-to", str(tmp_path / "s.sqlite3")]) == 0
    err = capsys.readouterr().err
    assert "復元しました" in err and "s.sqlite3" in err
