"""Streamlit helpers of the workshop pages: the participant's token and page look, the join
link as the phones will see it, the facilitator's choice of workshop.  The projector's own
pieces are in ``ui.present``."""

from __future__ import annotations

import streamlit as st

from dxcore import workshop as ws
from dxcore.store import repo_workshop as wrepo
from ui.common import engine, tr, wkey

TOKEN_KEY = "ws_token"  # one random token per browser session: answering again replaces
CURRENT = "ws_current"  # the workshop the facilitator is working with

PARTICIPANT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 44rem; padding-left: 1rem; padding-right: 1rem; }
[class*="st-key-wsq_"] [role="radiogroup"], [class*="st-key-ws_role"] [role="radiogroup"] {
  width: 100%; display: flex; flex-direction: column; align-items: stretch; }
[class*="st-key-wsq_"] [role="radiogroup"] label, [class*="st-key-ws_role"] [role="radiogroup"] label {
  min-height: 3rem; padding: .5rem .75rem; margin: .2rem 0; width: auto; max-width: none; box-sizing: border-box;
  border: 1px solid #C9D3DD; border-radius: .6rem; font-size: 1.1rem; display: flex; align-items: center; }
[class*="st-key-wsq_"] > div > label p, [class*="st-key-ws_role"] > div > label p {
  font-size: 1.15rem; font-weight: 600; }
.stButton button, .stFormSubmitButton button { min-height: 3.2rem; font-size: 1.15rem; }
</style>
"""


def participant_look() -> None:
    """One narrow column with large touch targets: what a phone needs."""
    st.html(PARTICIPANT_CSS)


def participant_token() -> str:
    """This phone's anonymous token: kept in the session, and once the participant has
    joined also in their page's URL (``&p=``), so that reloading the page (a new session)
    is still the same participant rather than a second one."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None:
        from_url = st.query_params.get(ws.TOKEN_PARAM)
        token = st.session_state[TOKEN_KEY] = from_url if ws.is_token(from_url) else ws.new_token()
    return token


def keep_token_in_url() -> None:
    st.query_params[ws.TOKEN_PARAM] = participant_token()


def participant_state(code: str, unknown) -> dict:
    """The participant's progress in workshop ``code`` (role, joined, sent, draft answers),
    in the session; a participant who comes back (a reload) starts from what they sent
    (「わからない」 as ``unknown``)."""
    key = f"ws_p_{code}"
    if key not in st.session_state:
        state = {"role": None, "joined": False, "sent": False, "draft": {}}
        back = wrepo.returning(engine(), code, participant_token())
        if back is not None:
            state.update(role=back.role, joined=True, sent=back.answered,
                         draft={q: unknown if v is None else v for q, v in back.answers.items()})
        st.session_state[key] = state
    return st.session_state[key]


def public_base(page_url_path: str) -> str | None:
    """The app's address as phones should open it.

    DX_PUBLIC_URL wins (a proxy, a DNS name); else the address this browser used
    (``st.context.url`` minus the page's path); else the Host header.
    """
    from_env = ws.public_url_from_env()
    if from_env:
        return from_env
    url = st.context.url
    if url:
        url = url.rstrip("/")
        return url.removesuffix("/" + page_url_path) if page_url_path else url
    host = st.context.headers.get("Host")
    return f"http://{host}" if host else None


def _keep(key: str, state_key: str) -> None:
    if st.session_state[key] is not None:  # a segmented control can be clicked off: keep the choice
        st.session_state[state_key] = st.session_state[key]


def remembered(widget, label: str, options: list, state_key: str, name: str, default=None, **kwargs):
    """A choice widget (selectbox, radio, segmented control) whose value the page keeps in
    ``session_state[state_key]``: it survives a language switch (see :func:`ui.common.wkey`) and
    the page may set it (``state_key``) to switch the choice itself."""
    value = st.session_state.get(state_key)
    if value not in options:
        value = default if default in options else options[0]
    st.session_state[state_key] = value
    key = wkey(name)
    st.session_state[key] = value
    widget(label, options, key=key, on_change=_keep, args=(key, state_key), **kwargs)
    return value


def choose_workshop(org_id: int, only_open: bool = False) -> wrepo.Summary | None:
    """The facilitator's current workshop of this organisation (a select box to change it)."""
    summaries = [s for s in wrepo.list_workshops(engine(), org_id) if s.workshop.is_open or not only_open]
    if not summaries:
        return None
    by_code = {s.workshop.code: s for s in summaries}
    labels = {code: label(s.workshop) for code, s in by_code.items()}
    code = remembered(st.selectbox, tr("workshop.admin.choose"), list(by_code), CURRENT, "ws_choose",
                      format_func=labels.get)
    return by_code[code]


def label(record: wrepo.WorkshopRecord) -> str:
    status = tr("workshop.status.open" if record.is_open else "workshop.status.closed")
    return tr("workshop.admin.option", code=record.code, title=record.title,
              set=tr(f"workshop.set.{record.question_set}"), status=status)
