"""Who may see what: participants join; everything else may sit behind a password.

When ``DX_ADMIN_PASSWORD`` is set (environment, or ``.streamlit/secrets.toml``), every
page except joining and answering a workshop asks for it once per browser session, until
the session has been idle for ``DX_SESSION_IDLE_MINUTES`` (8 hours by default).  Wrong
passwords are counted in the database by client address: past the limits in
:mod:`dxcore.auth` an address (or everyone) must wait, and the wait doubles.
A participant's link (``?ws=CODE``) shows the join page alone: no sidebar, no other
page, no organisation list.

The gate runs in app.py before any page.  But Streamlit 1.67 starts a server whose app
folder has a ``pages/`` directory in its old multipage mode until the first run of
app.py calls ``st.navigation``: a first request for ``/<file name>`` then runs that
pages/ file without app.py (no gate, no sidebar).  AppTest does the same on every run.
Every page therefore begins with :func:`through_app`, which sends a run that skipped
app.py back through it, and app.py then goes on to the page that was asked for.  Each
pages/ file is named like its URL, so that the old mode finds it instead of showing
"Page not found".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import streamlit as st

from dxcore import auth
from dxcore.auth import Policy, idle_expired
from dxcore.store import repo_auth
from dxcore.store.models import utcnow
from ui.common import engine, tr
from ui.frame import guarded

PASSWORD_ENV = "DX_ADMIN_PASSWORD"
UNLOCKED = "admin_unlocked"  # a digest of the password the session was unlocked with
SEEN = "admin_seen"  # when this unlocked session last ran a page (for the idle expiry)
FAILED = "admin_password_failed"  # what to tell after the last attempt: "wrong" | "locked" | "expired"
JOIN_PARAM = "ws"
JOIN_URL_PATH = "join"
JOIN_LINK_PATH = "join-link"  # the join page's copy that a participant's link "/?ws=CODE" runs (app.join_page)
PROJECTOR_URL_PATH = "present"
PROJECTOR_CODE_PARAM = "workshop"  # as ui.present.CODE_PARAM
PASS_PARAM = "pass"  # the projector's pass (dxcore.auth.projector_pass)
FAILED_PAUSE_S = 1.0  # slows one session's guessing down; the real limit is dxcore.auth's
LOG = logging.getLogger("dxnavi.gate")


VIA_APP = "page_run_through_app"  # set by app.py just before it runs a page; the page takes it
WANTED = "page_asked_for_before_app"  # the pages/ file that was run without app.py


def page_asked_for() -> str | None:
    """app.py, first: the page a run without app.py was asked for (see :func:`through_app`),
    to switch to once the navigation is set up."""
    return st.session_state.pop(WANTED, None)


def run_page(page) -> None:
    """app.py, last: run the page, telling it that it came through app.py.  An error the page
    did not expect shows a friendly sentence with a reference, never code (ui.frame)."""
    st.session_state[VIA_APP] = True
    guarded(page.run)


def through_app() -> None:
    """First line of every page: a run that skipped app.py (see above) starts again at app.py,
    where the password gate and the sidebar are, which then comes back to this page."""
    if not st.session_state.pop(VIA_APP, False):
        st.session_state[WANTED] = "pages/" + Path(sys._getframe(1).f_code.co_filename).name
        st.switch_page("app.py", query_params=st.query_params.to_dict())


def admin_password() -> str | None:
    value = os.environ.get(PASSWORD_ENV, "")
    if not value and st.secrets.load_if_toml_exists():
        value = str(st.secrets.get(PASSWORD_ENV, "") or "")
    return value or None


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return utcnow()


def policy() -> Policy:
    return Policy.from_env()


def locked() -> bool:
    """True while a password is set and this session has not given it (or it has changed, or
    the session sat idle longer than the policy allows: then it must give it again)."""
    password = admin_password()
    if password is None:
        return False
    given = st.session_state.get(UNLOCKED)
    if not (isinstance(given, str) and hmac.compare_digest(given, _digest(password))):
        return True
    now = _now()
    if idle_expired(st.session_state.get(SEEN), now, policy()):
        st.session_state.pop(UNLOCKED, None)
        st.session_state.pop(SEEN, None)
        st.session_state[FAILED] = ("expired", None)
        return True
    st.session_state[SEEN] = now
    return False


def joining() -> bool:
    """A participant's link: the URL carries a join code."""
    return bool(st.query_params.get(JOIN_PARAM))


def is_participant_page(page) -> bool:
    return page.url_path in (JOIN_URL_PATH, JOIN_LINK_PATH)


def projector_pass(code: str) -> str | None:
    """A pass for the projector view of workshop ``code`` (None when no password is set): the
    facilitator's link to the projector window carries it, so the room never sees the password form."""
    password = admin_password()
    return None if password is None else auth.projector_pass(_digest(password), code, _now())


def projector_with_pass(page) -> bool:
    """The projector view of the workshop in the URL, opened with a valid pass for it: shown
    without the password (and without the sidebar); every other page still asks for it."""
    password = admin_password()
    if password is None or page.url_path != PROJECTOR_URL_PATH:
        return False
    code = st.query_params.get(PROJECTOR_CODE_PARAM)
    return bool(code) and auth.projector_pass_valid(_digest(password), code, st.query_params.get(PASS_PARAM),
                                                    _now())


def client_address() -> str:
    """The address the attempt came from: the connection's, or, for a connection from this
    machine (a reverse proxy on the same host), the last address the proxy added."""
    address = st.context.ip_address
    if isinstance(address, str) and address:
        return address[:64]
    forwarded = st.context.headers.get("X-Forwarded-For", "")
    forwarded = forwarded if isinstance(forwarded, str) else ""  # (AppTest has no real request)
    return forwarded.split(",")[-1].strip()[:64] or "local"


def _check() -> None:
    password = admin_password()
    given = st.session_state.get("admin_password_input", "")
    st.session_state["admin_password_input"] = ""
    if password is None:
        return
    client, rules = client_address(), policy()
    before = repo_auth.login_verdict(engine(), client, rules, _now())
    if not before.allowed:  # refused unchecked, and not counted: a script gains nothing by trying
        LOG.warning("admin password: attempt from %s refused unchecked (locked for %.0f s more, %s)",
                    client, before.wait.total_seconds(), before.scope)
        st.session_state[FAILED] = ("locked", before)
        return
    if hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8")):
        st.session_state[UNLOCKED] = _digest(password)
        st.session_state[SEEN] = _now()
        st.session_state.pop(FAILED, None)
        repo_auth.login_succeeded(engine(), client)
        return
    after = repo_auth.login_failed(engine(), client, rules, _now())
    counts = repo_auth.recent_failures(engine(), rules, _now())
    LOG.warning("admin password: wrong password from %s (%d from there, %d in all within %s)%s",
                client, counts.get(client[:64], 0), sum(counts.values()), rules.window,
                f"; locked for {after.wait.total_seconds():.0f} s ({after.scope})" if not after.allowed else "")
    time.sleep(FAILED_PAUSE_S)
    st.session_state[FAILED] = ("locked", after) if not after.allowed else ("wrong", None)


def _duration(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 120:
        return tr("shell.gate.seconds", n=seconds)
    return tr("shell.gate.minutes", n=(seconds + 59) // 60)


def require_admin() -> None:
    """Ask for the admin password and stop, unless none is set or this session gave it."""
    if not locked():
        return
    st.title(tr("workshop.gate.title"))
    st.write(tr("workshop.gate.body"))
    with st.form("admin_gate"):
        st.text_input(tr("workshop.gate.password"), type="password", key="admin_password_input")
        st.form_submit_button(tr("workshop.gate.submit"), type="primary", on_click=_check)
    what, detail = st.session_state.get(FAILED) or (None, None)
    if what == "wrong":
        st.error(tr("workshop.gate.wrong"))
    elif what == "locked":
        key = "shell.gate.locked_out" if detail.scope == "client" else "shell.gate.locked_out_all"
        st.error(tr(key, wait=_duration(detail.wait)))
    elif what == "expired":
        st.info(tr("shell.gate.expired"))
    st.caption(tr("workshop.gate.participants"))
    st.page_link("pages/join.py", label=tr("workshop.nav.join"))
    st.stop()
