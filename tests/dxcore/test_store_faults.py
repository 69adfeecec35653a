"""Database trouble is one sentence naming the file or the URL (never its password), in
place of the driver's error: a corrupt file, a read-only one, a file deleted or replaced
while the server runs (refused, and what was open saved beside it), a server that cannot
be reached or refuses the password, text PostgreSQL cannot store — and the CLI says that
sentence with exit code 2."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, make_url, select

from dxcore.errors import StoreError
from dxcore.store import engine as engine_mod
from dxcore.store import repo
from dxcore.store.models import Organization

ROOT = Path(__file__).resolve().parents[2]


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DX_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("DX_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "dxcore", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "sqlalche" not in err, err
    return lines[0]


def test_describe_names_the_file_or_the_url_without_its_password():
    assert engine_mod.describe("sqlite:////srv/dx/dx.sqlite3") == "/srv/dx/dx.sqlite3"
    assert engine_mod.describe("sqlite:///file:/srv/dx.sqlite3?mode=ro&uri=true") == "/srv/dx.sqlite3"
    shown = engine_mod.describe(engine_mod.normalise_url("postgresql://dx:s3cret@db.local:5432/dx"))
    assert shown == "postgresql://dx:***@db.local:5432/dx"


def test_a_corrupt_file_is_one_sentence(tmp_path):
    path = tmp_path / "dx.sqlite3"
    path.write_bytes(b"this is no database " * 500)
    with pytest.raises(StoreError) as e:
        engine_mod.get_engine(f"sqlite:///{path}")
    assert e.value.key == "limits.db.corrupt" and str(path) in e.value.message()
    r = cli(f"sqlite:///{path}", "org", "list")
    assert r.returncode == 2 and r.stdout == ""
    assert one_sentence(r.stderr).startswith(f"データベース {path} が壊れているため")


@contextlib.contextmanager
def read_only(path: Path):
    """The file made read-only for real: chmod for a normal user; root ignores modes, so
    the immutable attribute; where neither works, SQLite's own read-only mode."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield f"sqlite:///{path}"
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        try:
            yield f"sqlite:///{path}"
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    yield f"sqlite:///file:{path}?mode=ro&uri=true"


def test_a_read_only_database_reads_and_refuses_writes_in_one_sentence(tmp_path):
    path = tmp_path / "dx.sqlite3"
    url = f"sqlite:///{path}"
    repo.create_org(engine_mod.get_engine(url), "既存市")
    engine_mod.dispose_all()
    with read_only(path) as ro_url:
        engine = engine_mod.get_engine(ro_url)
        assert [o.name for o in repo.list_orgs(engine)] == ["既存市"]
        with pytest.raises(StoreError) as e:
            repo.create_org(engine, "新しい市")
        assert e.value.key == "limits.db.readonly" and str(path) in e.value.message()
        engine_mod.dispose_all()
        r = cli(ro_url, "org", "add", "--name", "新しい市")
        assert r.returncode == 2 and "読み取り専用" in one_sentence(r.stderr) and str(path) in r.stderr
        assert cli(ro_url, "org", "list").returncode == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM organization").fetchall() == [("既存市",)]


def test_a_file_deleted_while_running_is_refused_and_what_was_open_is_saved(tmp_path):
    path = tmp_path / "dx.sqlite3"
    engine = engine_mod.get_engine(f"sqlite:///{path}")
    repo.create_org(engine, "消える前の市")
    for p in tmp_path.glob("dx.sqlite3*"):
        p.unlink()
    with pytest.raises(StoreError) as e:
        repo.create_org(engine, "消えた後の市")  # SQLite would write into the deleted file
    assert e.value.key == "limits.db.deleted_saved"
    copy = Path(e.value.params["copy"])
    assert copy.parent == tmp_path and copy.name.startswith("dx.sqlite3.recovered-")
    assert str(path) in e.value.message() and str(copy) in e.value.message()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM organization").fetchall() == [("消える前の市",)]
    with pytest.raises(StoreError):  # reading is refused too, and no new empty database appears
        repo.list_orgs(engine)
    engine.dispose()
    with pytest.raises(StoreError):
        repo.list_orgs(engine)  # a new connection would create the file: refused before it
    assert not path.exists()


def test_a_file_replaced_while_running_is_refused(tmp_path):
    path, other = tmp_path / "dx.sqlite3", tmp_path / "other.sqlite3"
    engine = engine_mod.get_engine(f"sqlite:///{path}")
    repo.create_org(engine, "元の市")
    repo.create_org(engine_mod.get_engine(f"sqlite:///{other}"), "別の市")
    os.replace(other, path)
    with pytest.raises(StoreError) as e:
        repo.list_orgs(engine)
    assert e.value.key in ("limits.db.deleted_saved", "limits.db.deleted") and "置き換え" in e.value.message()


def test_a_server_that_cannot_be_reached_is_named_without_its_password():
    url = "postgresql://dx:s3cret-pass@127.0.0.1:1/dx"
    with pytest.raises(StoreError) as e:
        engine_mod.get_engine(engine_mod.normalise_url(url))
    msg = e.value.message()
    assert e.value.key == "limits.db.unreachable" and "s3cret" not in msg and "dx:***@127.0.0.1:1/dx" in msg
    r = cli(url, "org", "list")
    assert r.returncode == 2 and "s3cret" not in r.stderr and "につながりません" in one_sentence(r.stderr)


def test_a_wrong_password_is_named_without_it(pg_url):
    bad = make_url(pg_url).set(password="wrong-pass-123").render_as_string(hide_password=False)
    with pytest.raises(StoreError) as e:
        engine_mod.get_engine(bad)
    assert e.value.key == "limits.db.refused" and "wrong-pass" not in e.value.message()


def test_postgresql_nul_in_text_is_one_sentence_without_the_row(pg_engine):
    with pytest.raises(StoreError) as e, pg_engine.begin() as conn:
        conn.execute(insert(Organization).values(name="市民\x00課 秘密の行データ", is_demo=False))
    assert e.value.key == "limits.db.nul" and "秘密" not in e.value.message()
    with pg_engine.connect() as conn:
        assert conn.execute(select(Organization)).all() == []
