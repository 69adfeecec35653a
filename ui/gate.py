"""Who may see what: participants join; everything else may sit behind a password.

When ``DX_ADMIN_PASSWORD`` is set (environment, or ``.streamlit/secrets.toml``), every
page except joining and answering a workshop asks for it once per browser session.
A participant's link (``?ws=CODE``) shows the join page alone: no sidebar, no other
page, no organisation list.

The gate runs in app.py before any page.  But Streamlit 1.67 starts a server whose app
folder has a ``pages/`` directory in its old multipage mode until the first run of
app.py calls ``st.navigation``: a first request for ``/<file name>`` then runs that
pages/ file without app.py (no gate, no sidebar).  Every page therefore begins with
:func:`through_app`, which sends such a run back through app.py.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time

import streamlit as st

from ui.common import tr

PASSWORD_ENV = "DX_ADMIN_PASSWORD"
UNLOCKED = "admin_unlocked"  # a digest of the password the session was unlocked with
JOIN_PARAM = "ws"
JOIN_URL_PATH = "join"
FAILED_PAUSE_S = 1.0  # slows guessing down


ENTERED = "entered_through_app"


def mark_entered() -> None:
    """app.py, before running a page: this session has come through the entry point."""
    st.session_state[ENTERED] = True


def through_app() -> None:
    """First line of every page: a page run without app.py (see above) restarts at app.py,
    where the password gate and the sidebar are."""
    if not st.session_state.get(ENTERED):
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
    st.page_link("pages/workshop_join.py", label=tr("workshop.nav.join"))
    st.stop()
