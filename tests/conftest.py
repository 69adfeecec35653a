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
