"""Session-wide helpers: language, database engine, current organisation, sidebar.

The URL carries the organisation and the language (``?org=131016&lang=en``), so that a
reload, a bookmark and a second tab each keep theirs: :func:`follow_url` reads them at the
start of every run, :func:`keep_in_url` writes them back, and every switch (the sidebar,
registering, the demo) goes through :func:`select_org` / the language radio, which update both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from dxcore import demo, lgcode
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.i18n import DEFAULT_LANG, LANGS, join_list, normalise_lang, pick, t
from dxcore.store import database_url, get_engine, repo
from dxcore.text import escape_md

LANG_KEY = "lang"
ORG_KEY = "org_id"
FLASH_KEY = "flash"
ORG_PARAM = "org"  # ?org=<local government code, or the id of an organisation without one>
LANG_PARAM = "lang"  # ?lang=en (Japanese, the default, needs none)
URL_NOTICE = "url_org_not_found"


def lang() -> str:
    return normalise_lang(st.session_state.get(LANG_KEY))


class Md(str):
    """Text already made safe for Markdown (by :func:`md`): not escaped twice."""


class Msg(str):
    """A catalogue message that remembers its key and parameters, so that a message shown
    later as Markdown (:func:`flash`) can be made again with its parameters escaped."""

    key: str
    params: dict


def tr(key: str, **params) -> str:
    """The catalogue message ``key`` in the session's language."""
    text = t(key, lang(), **params)
    if not params:
        return text
    msg = Msg(text)
    msg.key, msg.params = key, params
    return msg


def md_params(params: Mapping[str, object]) -> dict[str, object]:
    """Message parameters with every text that is not already :class:`Md` escaped for Markdown."""
    return {k: md(v) if isinstance(v, str) else v for k, v in params.items()}


def tr_md(key: str, **params) -> str:
    """A catalogue message shown as Markdown (st.markdown, st.error, a label…) whose parameters
    may hold user text (names, titles, URL parameters): the parameters are escaped, the
    message's own Markdown is kept."""
    return t(key, lang(), **md_params(params))


def as_markdown(message: str) -> str:
    """A message about to be rendered as Markdown: a :func:`tr` message is made again with its
    parameters escaped; other text is the caller's own Markdown and is kept."""
    if isinstance(message, Msg):
        return tr_md(message.key, **message.params)
    return message


def error_md(e: DxError) -> str:
    """A DxError's sentence for Markdown (st.error, st.toast…): its parameters (often what
    the user typed) escaped."""
    return t(e.key, lang(), **md_params(e.params))


def wkey(name: str) -> str:
    """Key for a widget whose option labels are translated.

    Streamlit keeps a keyed widget's value as its formatted label, so after a language
    switch the old label would not match any option.  A per-language key gives a fresh
    widget; pages keep the value itself in session state and pass it back as the default.
    """
    return f"{name}-{lang()}"


def md(text: object) -> str:
    """User text (a name, a title, a note, a URL parameter) put inside Markdown: shown as typed."""
    return text if isinstance(text, Md) else Md(escape_md(text))


def listing(names) -> str:
    """Names as one list in the page's language: 「A、B」 / "A, B"."""
    return join_list(names, lang())


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


def valid_option(value: object, options: Sequence, default=None):
    """``value`` if it is one of ``options``, else ``default``.  A widget's value comes from the
    browser, and a client can send one that is not an option; so can a stale session value."""
    try:
        return value if value in options else default
    except TypeError:  # an unhashable or incomparable value: not an option either
        return default


def option_index(options: Sequence, value: object, default: int | None = None) -> int | None:
    """The position of ``value`` in ``options`` for a widget's ``index=``, or ``default`` when
    it is not an option (instead of ``options.index(value)``, which raises)."""
    for i, option in enumerate(options):
        try:
            if option == value:
                return i
        except TypeError:
            continue
    return default


def org_in_url(org: repo.Org) -> str:
    return org.lg_code or str(org.id)


def find_org_in_url(value: str, all_orgs: Sequence[repo.Org]) -> repo.Org | None:
    """The organisation an ``?org=`` value names: its local government code (as typed, 5 or 6
    digits, 全角 too) or, for one without a code, its id."""
    code = lgcode.normalise(value)
    return (next((o for o in all_orgs if code and o.lg_code == code), None)
            or next((o for o in all_orgs if str(o.id) == value.strip()), None))


def follow_url(with_org: bool = True) -> None:
    """app.py, first: the language and (on admin pages) the organisation the URL names win
    over what the session had, so a reload, a bookmark or a link opens them.  An unknown
    organisation is dropped from the URL with a notice, never replaced silently."""
    wanted = st.query_params.get(LANG_PARAM)
    if wanted in LANGS:
        st.session_state[LANG_KEY] = wanted
    elif wanted is not None:
        del st.query_params[LANG_PARAM]
    if not with_org:
        return
    value = st.query_params.get(ORG_PARAM)
    if value is None:
        return
    org = find_org_in_url(value, orgs())
    if org is None:
        st.session_state[URL_NOTICE] = value[:80]
        del st.query_params[ORG_PARAM]
    else:
        st.session_state[ORG_KEY] = org.id


def keep_in_url(org: repo.Org | None) -> None:
    """app.py, after the sidebar: the URL names this session's organisation and language."""
    if org is not None and st.query_params.get(ORG_PARAM) != org_in_url(org):
        st.query_params[ORG_PARAM] = org_in_url(org)
    _lang_to_url()


def _lang_to_url() -> None:
    if lang() == DEFAULT_LANG:
        if LANG_PARAM in st.query_params:
            del st.query_params[LANG_PARAM]
    elif st.query_params.get(LANG_PARAM) != lang():
        st.query_params[LANG_PARAM] = lang()


def url_notice() -> None:
    """Say (once) that the organisation a link named does not exist here."""
    value = st.session_state.pop(URL_NOTICE, None)
    if value is not None:
        st.warning(tr_md("shell.url.org_not_found", value=value))


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
    """Work on this organisation from now on (in this session, and in the URL)."""
    st.session_state[ORG_KEY] = org_id
    org = next((o for o in orgs() if o.id == org_id), None)
    if org is not None:
        st.query_params[ORG_PARAM] = org_in_url(org)


def flash_later(message: str) -> None:
    """Leave a success message for the next run (the page is about to rerun or switch).
    A :func:`tr` message's parameters (names, titles…) are escaped when it is shown."""
    st.session_state[FLASH_KEY] = message


def flash() -> None:
    """Show (once) the message a previous run left with :func:`flash_later`."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(as_markdown(message))


def show_error(e: DxError) -> None:
    """The error's sentence in a red box; what the user typed in it is shown as typed."""
    st.error(error_md(e))


def load_demo_org() -> repo.Org:
    org = demo.load_demo(engine())
    select_org(org.id)
    return org


def language_switch() -> None:
    """The language radio: in the sidebar, and on the participants' join page (no sidebar there).
    The choice goes into the URL (``?lang=en``), so that a reload keeps it."""
    if st.session_state.get(LANG_KEY) not in LANGS:  # none yet, or a forged value: not an option
        st.session_state[LANG_KEY] = DEFAULT_LANG
    st.radio(t("sidebar.language", lang()), LANGS, key=LANG_KEY, horizontal=True,
             format_func=lambda code: t(f"lang.{code}", code), on_change=_lang_to_url)


def sidebar() -> repo.Org | None:
    """The sidebar (language, organisation); returns the organisation the session works on."""
    with st.sidebar:
        language_switch()
        all_orgs = orgs()
        org = current_org(all_orgs)
        if all_orgs:
            ids = [o.id for o in all_orgs]
            names = {o.id: o.name + (f"({tr('sidebar.demo_badge')})" if o.is_demo else "") for o in all_orgs}
            # the page may have switched organisation (register, demo): show that one
            st.session_state["org_select"] = org.id
            st.selectbox(tr("sidebar.organisation"), ids, format_func=lambda i: names.get(i, str(i)),
                         key="org_select", on_change=_org_chosen, args=(ids,))
            if org.is_demo:
                st.caption(tr("sidebar.demo_notice"))
        return org


def _org_chosen(ids: list[int]) -> None:
    chosen = valid_option(st.session_state.get("org_select"), ids)
    if chosen is not None:  # a value that is no organisation's changes nothing
        select_org(chosen)


def require_org() -> repo.Org:
    """The current organisation, or a pointer to the home page and a stop."""
    org = current_org()
    if org is None:
        st.info(tr("diagnose.no_org"))
        st.page_link("pages/home.py", label=tr("nav.home"))
        st.stop()
    return org


def org_banner(org: repo.Org) -> None:
    """Which organisation this page reads and writes, hard to miss (see the CSS in ui.frame)."""
    with st.container(key="dx-active-org"):
        key = "shell.org.banner_demo" if org.is_demo else "shell.org.banner"
        st.markdown(tr_md(key, name=org.name))


def org_page(title_key: str) -> repo.Org:
    """The head of a page about the current organisation: title, a banner naming the
    organisation and a message the previous run left; without one, a pointer home and a stop."""
    st.title(tr(title_key))
    org = require_org()
    org_banner(org)
    flash()
    return org


def role_name(role_id: str) -> str:
    role = content().role_index.get(role_id)
    return tx(role.name) if role else role_id
