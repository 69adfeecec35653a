"""The app's frame through AppTest: user text is never Markdown, errors show a reference and
no code, the password resists scripts, the URL keeps the organisation and the language."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from dxcore.store import repo, repo_auth, repo_kpi, repo_plan
from dxcore.store import repo_workshop as wrepo
from dxcore.text import escape_md
from tests.injections import ALL, INJECTIONS
from tests.pages.apptest import app, texts

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


MARKDOWN_OPTIONS = ("radio", "button_group")  # (a selectbox's options are plain text)


def _strings(node):
    """Every text the app sent for Markdown rendering: bodies, labels, help, radio options."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        for field in ("body", "label", "help", "caption"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                yield value
        for field in ("options", "captions") if getattr(node, "type", "") in MARKDOWN_OPTIONS else ():
            values = getattr(proto, field, None)
            if values is not None and not isinstance(values, str):
                yield from (v for v in values if isinstance(v, str))
    for child in getattr(node, "children", {}).values():
        yield from _strings(child)


def markdown_sent(at) -> list[str]:
    return list(_strings(at._tree))


def unescaped(strings: list[str], piece: str) -> list[str]:
    """The strings in which ``piece`` occurs as Markdown (not preceded by an escaping backslash)."""
    bad = []
    for s in strings:
        start = s.find(piece)
        while start != -1:
            if start == 0 or s[start - 1] != "\\":
                bad.append(s)
                break
            start = s.find(piece, start + 1)
    return bad


@pytest.fixture
def hostile(engine):
    """An organisation whose every name, title and note is a list of Markdown injections."""
    org = repo.create_org(engine, ALL)
    w = wrepo.create_workshop(engine, org.id, ALL, "pulse")
    item = repo_plan.add_item(engine, org.id, "S1", ALL)
    repo_plan.update_item(engine, org.id, item.item_id, {"owner": "**b** [x](http://evil)", "note": ALL,
                                                           "due": date.today() - timedelta(days=3)})
    repo_plan.add_milestone(engine, org.id, date.today(), "[x](http://evil) **b** $x$")
    repo_kpi.add_custom_kpi(engine, org.id, "**b** $x$ :red[x]", "件", "higher")
    repo.save_diagnosis(engine, org.id, {"P1-1": 2, "P2-1": 4}, "frontline", question_set="full")
    return org, w


@pytest.mark.parametrize("page", PAGES)
def test_injected_user_text_is_escaped_on_every_page(engine, hostile, page):
    org, w = hostile
    at = app()
    at.switch_page(page).run()
    if page == "pages/present.py" and at.selectbox:
        at.run()
    assert not at.exception, at.exception
    sent = markdown_sent(at)
    for piece in INJECTIONS:
        assert not unescaped(sent, piece), f"{page}: {piece!r} reaches Markdown unescaped"
    assert "Traceback" not in "\n".join(sent)


def test_the_injections_do_reach_the_pages_escaped(engine, hostile):
    """(so that the test above is not looking at pages without the text)"""
    org, w = hostile
    seen = []
    for page in ("pages/home.py", "pages/plan.py", "pages/present.py"):
        at = app()
        at.switch_page(page).run()
        seen += markdown_sent(at)
    joined = "\n".join(seen)
    assert escape_md(ALL) in joined  # the name in the banner / heading, the workshop title
    assert escape_md("[x](http://evil) **b** $x$") in joined  # the milestone


def test_a_hostile_join_link_is_echoed_escaped(engine):
    at = app(ws="![x](http://evil/x.png)")
    sent = markdown_sent(at)
    assert not at.exception
    for piece in ("![x](http://evil/x.png)", "http://evil"):
        assert not unescaped(sent, piece)


def test_flash_messages_escape_their_parameters(engine):
    at = app()
    at.text_input[0].input("**b** [x](http://evil) 町")
    at.button[0].click().run()
    assert [o.name for o in repo.list_orgs(engine)] == ["**b** [x](http://evil) 町"]
    sent = markdown_sent(at)
    assert not unescaped(sent, "[x](http://evil)") and not unescaped(sent, "**b**")
    assert "**b** [x](http://evil) 町" in texts(at)  # the success message, read as typed


def test_an_invisible_character_in_a_name_is_refused_clearly(engine):
    repo.create_org(engine, "試験町")
    at = app()
    at.text_input[0].input("試験\u200b町")
    at.button[0].click().run()
    assert [o.name for o in repo.list_orgs(engine)] == ["試験町"]
    assert "U+200B" in texts(at) and "3文字目" in texts(at)


# errors ---------------------------------------------------------------------------------

def test_an_unexpected_error_shows_a_reference_and_no_code(engine, monkeypatch, caplog):
    repo.create_org(engine, "テスト町")

    def broken(*args, **kwargs):
        raise RuntimeError(f"secret detail in {ROOT}/dxcore/history.py")

    monkeypatch.setattr(repo, "list_diagnoses", broken)
    with caplog.at_level(logging.ERROR, logger="dxnavi"):
        at = app()
    assert not at.exception  # handled: nothing for Streamlit to print
    (error,) = at.error
    shown = "\n".join(markdown_sent(at))
    ref = error.value.split("**")[1]
    assert ref.startswith("E-") and len(ref) == 8
    for leak in ("Traceback", "secret detail", str(ROOT), ".py", "RuntimeError"):
        assert leak not in shown
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert logged and logged[0].exc_info and "secret detail" in str(logged[0].exc_info[1])


def test_streamlit_is_told_to_show_no_error_details():
    text = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'showErrorDetails = "none"' in text


def test_values_that_are_no_option_are_recognised():
    from ui.common import option_index, valid_option

    roles = ["executive", "frontline"]
    assert option_index(roles, "frontline") == 1
    assert option_index(roles, "<forged>") is None and option_index(roles, ["x"], default=0) == 0
    assert valid_option("<forged>", roles, "executive") == "executive" and valid_option({}, roles) is None


def test_a_forged_organisation_or_language_changes_nothing(engine):
    from ui.common import _org_chosen

    a = repo.create_org(engine, "甲町")
    b = repo.create_org(engine, "乙町")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["lang"] = "xx"  # what a forged radio value leaves in the session
    at.run()
    assert not at.exception and at.title[0].value == "行政DX 再起動ナビ"
    assert at.sidebar.radio(key="lang").value == "ja"
    assert at.session_state["org_id"] == a.id and at.query_params["org"] == str(a.id)
    # the organisation box's callback with what a forged value leaves: nothing changes
    import streamlit as st

    with pytest.MonkeyPatch.context() as mp:
        state = {"org_select": "999999", "org_id": a.id}
        mp.setattr(st, "session_state", state)
        _org_chosen([a.id, b.id])
        assert state["org_id"] == a.id


# passwords ------------------------------------------------------------------------------

@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("DX_ADMIN_PASSWORD", "s3cret")
    monkeypatch.setattr("ui.gate.FAILED_PAUSE_S", 0)


def _try(at, guess: str):
    at.text_input(key="admin_password_input").input(guess)
    at.button[0].click().run()
    return at


def test_wrong_passwords_from_many_sessions_lock_the_address_out(engine, password, caplog):
    with caplog.at_level(logging.WARNING, logger="dxnavi"):
        for i in range(5):  # five sessions, one guess each: the limit is not per session
            at = _try(app(), f"guess{i}")
        assert "パスワードの誤りが続いた" in texts(at)
        at = _try(app(), "s3cret")  # even the right password waits now: it is not even compared
    assert at.title[0].value == "管理者のパスワード" and "パスワードの誤りが続いた" in texts(at)
    lines = [r.getMessage() for r in caplog.records]
    assert sum("wrong password from local" in m for m in lines) == 5
    assert any("refused unchecked" in m for m in lines)
    assert not any("guess" in m or "s3cret" in m for m in lines)  # never what was typed


def test_the_lock_lifts_and_the_right_password_then_works(engine, password, monkeypatch):
    for i in range(5):
        _try(app(), f"guess{i}")
    later = repo_auth.utcnow() + timedelta(seconds=31)
    monkeypatch.setattr("ui.gate._now", lambda: later)
    monkeypatch.setattr("dxcore.store.repo_auth.utcnow", lambda: later)
    at = _try(app(), "s3cret")
    assert at.title[0].value == "行政DX 再起動ナビ"
    assert repo_auth.recent_failures(engine, repo_auth.Policy(), later) == {}


def test_an_idle_session_must_give_the_password_again(engine, password, monkeypatch):
    monkeypatch.setenv("DX_SESSION_IDLE_MINUTES", "30")
    at = _try(app(), "s3cret")
    assert at.title[0].value == "行政DX 再起動ナビ"
    start = repo_auth.utcnow()
    monkeypatch.setattr("ui.gate._now", lambda: start + timedelta(minutes=29))
    at.run()
    assert at.title[0].value == "行政DX 再起動ナビ"  # active: still in
    monkeypatch.setattr("ui.gate._now", lambda: start + timedelta(minutes=29 + 31))
    at.run()
    assert at.title[0].value == "管理者のパスワード" and "有効期限が切れました" in texts(at)


@pytest.fixture
def on_the_lan():
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", before)


def test_serving_on_the_lan_without_a_password_warns_on_every_admin_page(engine, on_the_lan, monkeypatch):
    repo.create_org(engine, "テスト町")
    for page in ("pages/home.py", "pages/kpi.py", "pages/plan.py"):
        at = app()
        at.switch_page(page).run()
        assert "DX_ADMIN_PASSWORD" in at.warning[0].value, page
    at = app(ws="ABCDEF")  # a participant's page says nothing of it
    assert not any("DX_ADMIN_PASSWORD" in w.value for w in at.warning)
    monkeypatch.setenv("DX_ADMIN_PASSWORD", "s3cret")
    at = app()
    assert not any("DX_ADMIN_PASSWORD" in w.value for w in at.warning)


def test_the_lan_warning_is_logged_once_per_server(engine, on_the_lan, monkeypatch, caplog):
    import ui.frame

    monkeypatch.setattr(ui.frame, "_warned_lan", ui.frame.threading.Event())
    with caplog.at_level(logging.WARNING, logger="dxnavi"):
        at = app()
        at.run()
        app()
    lines = [r.getMessage() for r in caplog.records if "without DX_ADMIN_PASSWORD" in r.getMessage()]
    assert len(lines) == 1 and "0.0.0.0" in lines[0]


def test_on_this_machine_only_there_is_no_lan_warning(engine):
    assert st_config.get_option("server.address") == "localhost"  # .streamlit/config.toml
    at = app()
    assert not at.warning


# the URL ----------------------------------------------------------------------------------

def test_the_url_names_the_organisation_and_language(engine):
    repo.create_org(engine, "甲町")
    b = repo.create_org(engine, "千代田区", "131016")
    at = app(org="131016", lang="en")
    assert at.title[0].value == "Gov DX Restart Navigator" and at.session_state["org_id"] == b.id
    assert at.query_params["org"] == "131016" and at.query_params["lang"] == "en"
    at.switch_page("pages/plan.py").run()
    assert "千代田区" in at.get("markdown")[0].value or "千代田区" in texts(at)
    assert at.query_params["org"] == "131016"


def test_switching_in_the_sidebar_updates_the_url(engine):
    a = repo.create_org(engine, "甲町")
    b = repo.create_org(engine, "乙町")
    at = app()
    assert at.query_params["org"] == str(a.id) and "lang" not in at.query_params
    at.sidebar.selectbox(key="org_select").set_value(b.id).run()
    assert at.query_params["org"] == str(b.id)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.query_params["lang"] == "en" and at.title[0].value == "Gov DX Restart Navigator"
    at.sidebar.radio(key="lang").set_value("ja").run()
    assert "lang" not in at.query_params


def test_an_unknown_organisation_in_the_link_is_said_not_swapped_silently(engine):
    repo.create_org(engine, "甲町")
    at = app(org="[x](http://evil)")
    assert "登録されていません" in at.warning[0].value
    assert not unescaped(markdown_sent(at), "[x](http://evil)")


def test_pages_that_write_name_the_organisation_prominently(engine):
    repo.create_org(engine, "テスト町")
    for page in ("pages/plan.py", "pages/kpi-upload.py", "pages/kpi-settings.py", "pages/diagnose.py"):
        at = app()
        at.switch_page(page).run()
        banner = [m.value for m in at.markdown if m.value.startswith("対象の団体")]
        assert banner and "**テスト町**" in banner[0], page


def test_participant_pages_have_no_sidebar(engine):
    repo.create_org(engine, "テスト町")
    at = app()
    at.switch_page("pages/join.py").run()
    assert not at.sidebar.selectbox and not at.sidebar.radio
