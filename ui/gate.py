"""Who may see what: participants join; everything else may sit behind a password.

When ``DX_ADMIN_PASSWORD`` is set (environment, or ``.streamlit/secrets.toml``), every
page except joining and answering a workshop asks for it once per browser session.
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
import os
import sys
import time
from pathlib import Path

import streamlit as st

from ui.common import tr

PASSWORD_ENV = "DX_ADMIN_PASSWORD"
UNLOCKED = "admin_unlocked"  # a digest of the password the session was unlocked with
JOIN_PARAM = "ws"
JOIN_URL_PATH = "join"
FAILED_PAUSE_S = 1.0  # slows guessing down


VIA_APP = "page_run_through_app"  # set by app.py just before it runs a page; the page takes it
WANTED = "page_asked_for_before_app"  # the pages/ file that was run without app.py


def page_asked_for() -> str | None:
    """app.py, first: the page a run without app.py was asked for (see :func:`through_app`),
    to switch to once the navigation is set up."""
    return st.session_state.pop(WANTED, None)


def run_page(page) -> None:
    """app.py, last: run the page, telling it that it came through app.py."""
    st.session_state[VIA_APP] = True
    page.run()


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


def locked() -> bool:
    """True while a password is set and this session has not given it (or it has changed)."""
    password = admin_password()
    if password is None:
        return False
    given = st.session_state.get(UNLOCKED)
    return not (isinstance(given, str) and hmac.compare_digest(given, _digest(password)))


def joining() -> bool:
    """A participant's link: the URL carries a join code."""
    return bool(st.query_params.get(JOIN_PARAM))


def is_participant_page(page) -> bool:
    return page.url_path == JOIN_URL_PATH


def _check() -> None:
    password = admin_password()
    given = st.session_state.get("admin_password_input", "")
    if password is not None and hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8")):
        st.session_state[UNLOCKED] = _digest(password)
        st.session_state.pop("admin_password_failed", None)
    else:
        time.sleep(FAILED_PAUSE_S)
        st.session_state["admin_password_failed"] = True
    st.session_state["admin_password_input"] = ""


def require_admin() -> None:
    """Ask for the admin password and stop, unless none is set or this session gave it."""
    if not locked():
        return
    st.title(tr("workshop.gate.title"))
    st.write(tr("workshop.gate.body"))
    with st.form("admin_gate"):
        st.text_input(tr("workshop.gate.password"), type="password", key="admin_password_input")
        st.form_submit_button(tr("workshop.gate.submit"), type="primary", on_click=_check)
    if st.session_state.get("admin_password_failed"):
        st.error(tr("workshop.gate.wrong"))
    st.caption(tr("workshop.gate.participants"))
    st.page_link("pages/join.py", label=tr("workshop.nav.join"))
    st.stop()
