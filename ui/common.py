"""Session-wide helpers: language, database engine, current organisation, sidebar."""

from __future__ import annotations

import streamlit as st

from dxcore import demo
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.i18n import LANGS, normalise_lang, pick, t
from dxcore.store import database_url, get_engine, repo
from dxcore.text import escape_md

LANG_KEY = "lang"
ORG_KEY = "org_id"
FLASH_KEY = "flash"


def lang() -> str:
    return normalise_lang(st.session_state.get(LANG_KEY))


def tr(key: str, **params) -> str:
    """The catalogue message ``key`` in the session's language."""
    return t(key, lang(), **params)


def wkey(name: str) -> str:
    """Key for a widget whose option labels are translated.

    Streamlit keeps a keyed widget's value as its formatted label, so after a language
    switch the old label would not match any option.  A per-language key gives a fresh
    widget; pages keep the value itself in session state and pass it back as the default.
    """
    return f"{name}-{lang()}"


def md(text: object) -> str:
    """User text (a name, a title, a note, a URL parameter) put inside Markdown: shown as typed."""
    return escape_md(text)


def tx(texts) -> str:
    """A content ``{ja, en}`` table in the session's language."""
    return pick(texts, lang())


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return get_engine(url)


def engine():
    return _engine(database_url())


def content():
    return load()


def orgs() -> list[repo.Org]:
    return repo.list_orgs(engine())


def current_org(all_orgs: list[repo.Org] | None = None) -> repo.Org | None:
    """The organisation this session works on (the first one until it picks another)."""
    org_id = st.session_state.get(ORG_KEY)
    all_orgs = orgs() if all_orgs is None else all_orgs
    org = next((o for o in all_orgs if o.id == org_id), None)
    if org is None and all_orgs:
        org = all_orgs[0]
        st.session_state[ORG_KEY] = org.id
    return org


def select_org(org_id: int) -> None:
    st.session_state[ORG_KEY] = org_id


def flash_later(message: str) -> None:
    """Leave a success message for the next run (the page is about to rerun or switch)."""
    st.session_state[FLASH_KEY] = message


def flash() -> None:
    """Show (once) the message a previous run left with :func:`flash_later`."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


def show_error(e: DxError) -> None:
    """The error's sentence; what it quotes (a typed code, a cell, a name) is shown as typed, not as Markdown."""
    st.error(t(e.key, lang(), **{k: md(v) for k, v in e.params.items()}))


def load_demo_org() -> repo.Org:
    org = demo.load_demo(engine())
    select_org(org.id)
    return org


def language_switch() -> None:
    """The language radio: in the sidebar, and on the participants' join page (no sidebar there)."""
    st.session_state.setdefault(LANG_KEY, "ja")
    st.radio(t("sidebar.language", lang()), LANGS, key=LANG_KEY, horizontal=True,
             format_func=lambda code: t(f"lang.{code}", code))


def sidebar() -> None:
    with st.sidebar:
        language_switch()
        all_orgs = orgs()
        org = current_org(all_orgs)
        if all_orgs:
            ids = [o.id for o in all_orgs]
            names = {o.id: o.name + (f"({tr('sidebar.demo_badge')})" if o.is_demo else "") for o in all_orgs}
            # the page may have switched organisation (register, demo): show that one
            st.session_state["org_select"] = org.id
            st.selectbox(tr("sidebar.organisation"), ids, format_func=names.get, key="org_select",
                         on_change=lambda: select_org(st.session_state["org_select"]))
            if org.is_demo:
                st.caption(tr("sidebar.demo_notice"))


def require_org() -> repo.Org:
    """The current organisation, or a pointer to the home page and a stop."""
    org = current_org()
    if org is None:
        st.info(tr("diagnose.no_org"))
        st.page_link("pages/home.py", label=tr("nav.home"))
        st.stop()
    return org


def org_page(title_key: str) -> repo.Org:
    """The head of a page about the current organisation: title, the organisation's name and
    a message the previous run left; without an organisation, a pointer home and a stop."""
    st.title(tr(title_key))
    org = require_org()
    st.caption(org.name)
    flash()
    return org


def role_name(role_id: str) -> str:
    role = content().role_index.get(role_id)
    return tx(role.name) if role else role_id
