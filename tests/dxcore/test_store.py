"""Storage: migrations, pragmas, organisations and diagnoses."""

import sqlite3
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from dxcore.errors import DxError
from dxcore.store import engine as engine_mod
from dxcore.store import repo


def test_sqlite_pragmas(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == engine_mod.BUSY_TIMEOUT_MS


def test_migrations_build_exactly_the_models(any_engine):
    """Every table change has its migration: the migrated schema equals the metadata."""
    engine = any_engine
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_a_database_from_an_older_version_is_upgraded_not_dropped(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = engine_mod.make_engine(url)
    cfg = _alembic_config()
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")  # the first schema ever shipped
    with old.begin() as conn:
        conn.execute(text("INSERT INTO organization (name, is_demo, created_at) "
                          "VALUES ('旧市', 0, '2025-04-01 00:00:00')"))
    old.dispose()
    new = engine_mod.get_engine(url)  # start-up applies every later migration
    try:
        assert [o.name for o in repo.list_orgs(new)] == ["旧市"]
        tables = set(inspect(new).get_table_names())
        assert {"organization", "diagnosis", "diagnosis_answer", "alembic_version"} <= tables
        engine_mod.migrate(new)  # running again is harmless
        assert len(repo.list_orgs(new)) == 1
    finally:
        engine_mod.dispose_all()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_servers_starting_together_on_a_fresh_database_migrate_it_once(kind, tmp_path, request):
    """Several app processes (replicas, or the app and the CLI) starting at the same moment on
    an empty database: each waits for the one that migrates, none fails, one version row."""
    import threading

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}" if kind == "sqlite" else request.getfixturevalue("pg_url")
    engines = [engine_mod.make_engine(url) for _ in range(4)]
    start, failures = threading.Barrier(len(engines)), []

    def starting(engine):
        start.wait()
        try:
            engine_mod.migrate(engine)
        except Exception as e:  # noqa: BLE001 — the test reports every failure
            failures.append(repr(e))

    threads = [threading.Thread(target=starting, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert failures == []
        with engines[0].connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        script = ScriptDirectory.from_config(_alembic_config())
        assert versions == list(script.get_heads())
    finally:
        for e in engines:
            e.dispose()


def test_database_url_default_and_postgres(monkeypatch):
    monkeypatch.delenv("DX_DATABASE_URL", raising=False)
    assert engine_mod.database_url().startswith("sqlite:///") and "data" in engine_mod.database_url()
    monkeypatch.setenv("DX_DATABASE_URL", "postgresql://u:p@db/dx")
    assert engine_mod.database_url() == "postgresql+psycopg://u:p@db/dx"


def test_create_and_find_orgs(any_engine):
    engine = any_engine
    a = repo.create_org(engine, " 千代田区 ", "１３１０１６", None)
    assert (a.name, a.lg_code, a.prefecture) == ("千代田区", "131016", "13")
    assert repo.find_org(engine, "131016") == a == repo.find_org(engine, "千代田区")
    b = repo.create_org(engine, "テスト町", prefecture="Osaka")
    assert b.prefecture == "27" and b.lg_code is None
    assert [o.name for o in repo.list_orgs(engine)] == ["千代田区", "テスト町"]


@pytest.mark.parametrize("kwargs,key", [
    ({"name": ""}, "org.error.name_required"),
    ({"name": "x", "lg_code": "131015"}, "lgcode.check_digit"),
    ({"name": "x", "prefecture": "大阪府", "lg_code": "131016"}, "org.error.prefecture_mismatch"),
    ({"name": "x", "prefecture": "どこか"}, "org.error.unknown_prefecture"),
])
def test_bad_orgs_are_refused_and_nothing_is_stored(any_engine, kwargs, key):
    engine = any_engine
    with pytest.raises(DxError) as e:
        repo.create_org(engine, **kwargs)
    assert e.value.key == key
    assert repo.list_orgs(engine) == []


def test_duplicate_org_is_refused(any_engine):
    engine = any_engine
    repo.create_org(engine, "A市", "131016")
    with pytest.raises(DxError) as e:
        repo.create_org(engine, "B市", "131016")
    assert e.value.key == "org.error.exists"
    with pytest.raises(DxError):
        repo.create_org(engine, "A市")
    assert len(repo.list_orgs(engine)) == 1


def test_save_list_and_delete_diagnoses(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    other = repo.create_org(engine, "B市")
    when = datetime(2025, 6, 1, 3, 0, tzinfo=timezone.utc)
    d1 = repo.save_diagnosis(engine, org.id, {"P1-1": 4, "P1-2": None}, "frontline", taken_at=when)
    d2 = repo.save_diagnosis(engine, org.id, {"P1-1": 2.5}, "executive", mode="workshop", participants=12)
    repo.save_diagnosis(engine, other.id, {"P1-1": 1}, "other")
    got = repo.list_diagnoses(engine, org.id)
    assert [d.id for d in got] == [d1, d2]
    assert got[0].answers == {"P1-1": 4.0, "P1-2": None} and got[0].taken_at == when
    assert (got[1].mode, got[1].participants, got[1].answers) == ("workshop", 12, {"P1-1": 2.5})
    assert not repo.delete_diagnosis(engine, other.id, d1)  # not that organisation's
    assert repo.delete_diagnosis(engine, org.id, d1)
    assert [d.id for d in repo.list_diagnoses(engine, org.id)] == [d2]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM diagnosis_answer WHERE diagnosis_id = :d"),
                            {"d": d1}).scalar() == 0


@pytest.mark.parametrize("answers,role,key", [
    ({"NOPE": 3}, "frontline", "diagnosis.error.unknown_question"),
    ({"P1-1": 3}, "mayor", "diagnosis.error.unknown_role"),
    ({}, "frontline", "diagnosis.error.no_answers"),
])
def test_bad_diagnoses_store_nothing(any_engine, answers, role, key):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    with pytest.raises(DxError) as e:
        repo.save_diagnosis(engine, org.id, answers, role)
    assert e.value.key == key
    assert repo.list_diagnoses(engine, org.id) == []


def test_foreign_keys_are_enforced(engine, db_url):
    path = db_url.split("///", 1)[1]
    with engine.begin() as conn:
        with pytest.raises(Exception):
            conn.execute(text("INSERT INTO diagnosis (org_id, taken_at, role, mode, question_set, participants) "
                              "VALUES (999, '2025-01-01', 'other', 'self', 'full', 1)"))
    assert sqlite3.connect(path).execute("SELECT count(*) FROM diagnosis").fetchone()[0] == 0


def test_the_migrations_have_a_single_head():
    """New migrations chain onto one head, so `alembic upgrade head` is unambiguous."""
    assert len(ScriptDirectory.from_config(_alembic_config()).get_heads()) == 1


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_mod.MIGRATIONS_DIR))
    return cfg
