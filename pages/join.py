"""ワークショップに参加: from a phone — the code from the link (?ws=CODE) or typed, then the
statements page by page and the thanks screen, each ONE element (ui.phone_form: the headings,
the language switch, role and PIN on the first page, the page's buttons), sent with one tap
each.  Choosing an answer needs no round trip to the server.  Anonymous: a random token, in
the URL once the phone has sent something (``&p=``), so a reload resumes the draft or shows
what was sent, and answering again replaces the earlier answers."""

from functools import partial

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, language_switch, md, show_error, tr
from ui.frame import page_head
from ui.gate import JOIN_PARAM, through_app
from ui.phone_form import phone_form
from ui.workshop import PARTICIPANT_CSS, READ_AGAIN_S, form_page, form_thanks, participant, take_form

through_app()


def frame() -> None:
    """A participant's link (?ws=) whose screen is not the form: the app's frame, which app.py
    leaves to this page there (the form is itself the page's one element)."""
    page_head(tr("workshop.nav.join"), css=PARTICIPANT_CSS)
    language_switch()
    st.title(tr("workshop.join.title"))


code = st.query_params.get(JOIN_PARAM, "")
if not code:
    language_switch()
    st.title(tr("workshop.join.title"))
    with st.form("ws_join_code"):
        typed = st.text_input(tr("workshop.join.code"), max_chars=12, key="ws_typed_code",
                              placeholder=tr("workshop.join.code_placeholder"))
        go = st.form_submit_button(tr("workshop.join.go"), type="primary", width="stretch")
    if go:
        try:
            found = wrepo.require_open(engine(), typed)
        except DxError as e:
            show_error(e)
        else:
            st.query_params[JOIN_PARAM] = found.code  # a reload keeps the participant here
            st.rerun()
    st.stop()

try:
    w = wrepo.require_open(engine(), code, max_age=READ_AGAIN_S)
except DxError as e:
    frame()
    show_error(e)
    if st.button(tr("workshop.join.other_code"), key="ws_other_code", width="stretch"):
        st.query_params.clear()
        st.switch_page("pages/join.py")
    st.stop()

me = participant(w)
if me["sent"]:
    phone_form(form_thanks(w, me), on_send=partial(take_form, w, (), -1, False))
elif w.joins_open or me["joined"]:
    pages = ws.pages(w.question_set, content(), w.code)
    k = min(me["page"], len(pages) - 1)
    phone_form(form_page(w, me, pages, k), on_send=partial(take_form, w, pages[k], k, k == len(pages) - 1))
else:  # closed to newcomers
    frame()
    st.markdown(f"## {md(w.title)}")
    st.error(tr("room.error.joins_closed"))
