"""Every page renders on an empty and on the demo database (the diagnosis flow: test_diagnosis_pages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dxcore import demo
from dxcore.content import load
from dxcore.store import repo
from tests.pages.apptest import app, texts

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
C = load()


def test_every_page_file_is_named_like_its_url():
    """A fresh server's first request runs in Streamlit's old pages/ mode, which finds a page
    by its file name: a file named otherwise would show "Page not found" (see ui/gate.py)."""
    import ast

    pages = {}
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            pages[node.args[0].value] = kw.get("url_path")
    assert sorted(pages) == PAGES, "every pages/ file is in app.py's navigation"
    for path, url_path in pages.items():
        assert url_path in (None, Path(path).stem), f"{path} is served at /{url_path}: rename one of them"


@pytest.mark.parametrize("password", [None, "s3cret"])
def test_a_run_that_skips_app_py_comes_back_through_it_to_its_page(engine, monkeypatch, password):
    """Streamlit's old pages/ mode (a fresh server's first request; see tests/pages/conftest.py)
    runs a page file without app.py: the page goes back through app.py, which returns to it."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    monkeypatch.setattr(app_test, "PagesManager", PagesManager)  # AppTest as it comes
    if password:
        monkeypatch.setenv("DX_ADMIN_PASSWORD", password)
    demo.load_demo(engine)
    at = app()
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    if password:
        assert at.title[0].value == "管理者のパスワード" and "サンプル市" not in texts(at)
    else:
        assert at.title[0].value == "診断の履歴"
        assert at.sidebar.radio(key="lang").value == "ja"  # the sidebar comes from app.py


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("database", ["empty", "demo"])
def test_every_page_renders(engine, page, database):
    if database == "demo":
        demo.load_demo(engine)
    at = app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "every page has a title"
    if database == "empty":
        assert "Traceback" not in texts(at)


def test_first_run_offers_register_or_demo(engine):
    at = app()
    assert {b.label for b in at.button} >= {"デモの団体(サンプル市)を読み込む"}
    at.text_input[0].input("テスト町")
    at.text_input[1].input("131015")  # wrong check digit
    at.button[0].click().run()
    assert "検査数字" in texts(at) and repo.list_orgs(engine) == []
    at.text_input[1].input("131016")
    at.button[0].click().run()
    assert [o.name for o in repo.list_orgs(engine)] == ["テスト町"]
    assert "テスト町" in texts(at)


def test_demo_home_shows_health_and_next_step(engine):
    at = app()
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert at.metric and at.metric[0].label == "DX健全度"
    assert "再起動ステップ" in texts(at)


def test_results_compare_with_previous_and_history_delete(engine):
    org = demo.load_demo(engine)
    at = app()
    at.switch_page("pages/results.py").run()
    assert "前回の診断からの変化" in texts(at)
    assert len(at.dataframe) == 1  # the change table
    radar = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert radar["layer"][3]["encoding"]["color"]["scale"]["domain"] == ["今回", "前回"]
    at.switch_page("pages/history.py").run()
    before = len(repo.list_diagnoses(engine, org.id))
    at.button(key="delete").click().run()
    assert repo.list_diagnoses(engine, org.id).__len__() == before  # asks first
    at.button(key="delete_yes").click().run()
    assert len(repo.list_diagnoses(engine, org.id)) == before - 1
    assert not at.exception
