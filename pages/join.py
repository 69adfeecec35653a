"""ワークショップに参加: from a phone — the code from the link (?ws=CODE) or typed, then the
statements as one form per page (role and PIN in the first), sent with one tap each, and a
confirmation.  Choosing an answer needs no round trip to the server.  Anonymous: a random
token, in the URL once the phone has sent something (``&p=``), so a reload resumes the
draft or shows what was sent, and answering again replaces the earlier answers."""

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, lang, language_switch, md, show_error, tr
from ui.gate import JOIN_PARAM, through_app
from ui.workshop import (
    PIN_KEY,
    READ_AGAIN_S,
    UNKNOWN,
    change_answers,
    choice_keys,
    participant,
    phone_texts,
    prefill,
    role_key,
    send_page,
)

through_app()

language_switch()
st.title(tr("workshop.join.title"))
c = content()

code = st.query_params.get(JOIN_PARAM, "")
if not code:
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
    show_error(e)
    if st.button(tr("workshop.join.other_code"), key="ws_other_code", width="stretch"):
        st.query_params.clear()
        st.switch_page("pages/join.py")
    st.stop()

st.markdown(f"## {md(w.title)}")
me = participant(w)

if me["sent"]:
    st.success(tr("workshop.join.thanks"))
    st.caption(tr("room.join.sent_count", n=len(me["answers"])))
    st.markdown(f"### {tr('workshop.join.look_at_screen')}")
    st.button(tr("workshop.join.change"), key="ws_change", width="stretch", on_click=change_answers, args=(w,))
    st.stop()

if not (w.joins_open or me["joined"]):
    st.error(tr("room.error.joins_closed"))
    st.stop()

pages = ws.pages(w.question_set, c, w.code)
k = min(me["page"], len(pages) - 1)
ids, first, last = pages[k], k == 0, k == len(pages) - 1
total = sum(len(p) for p in pages)
if me["resumed"]:  # once, on the first screen after a reload
    st.info(tr("room.join.resumed"))
    me["resumed"] = False
if len(pages) > 1:
    done = len(me["answers"])
    st.progress(done / total, text=tr("room.join.page", page=k + 1, pages=len(pages), done=done, total=total))
    st.caption(tr("room.join.page_hint"))
if me["problem"] is not None:
    show_error(me["problem"])

say = phone_texts(w.question_set, lang())
options = list(say.labels)

with st.form(f"ws_page_{k}", border=False):
    if first:
        prefill(role_key(), me["role"])
        st.radio(tr("workshop.join.role"), list(say.roles), key=role_key(), index=None, format_func=say.roles.get)
        st.caption(tr("room.join.role_hint"))
        if w.pin and not me["joined"]:
            st.text_input(tr("room.join.pin", n=ws.PIN_LENGTH), max_chars=16, key=PIN_KEY)
    st.markdown(say.intro if len(pages) > 1 else f"{say.intro}  \n{tr('room.join.one_page', total=total)}")
    pattern = None
    number = sum(len(p) for p in pages[:k])
    for qid, key in choice_keys(ids).items():
        number += 1
        if len(pages) > 1 and c.question_index[qid].pattern != pattern:
            pattern = c.question_index[qid].pattern
            st.markdown(f"### {say.patterns[pattern]}")
        if qid in me["answers"]:
            prefill(key, UNKNOWN if me["answers"][qid] is None else me["answers"][qid])
        st.radio(f"{number}. {say.statements[qid]}", options, key=key, index=None, format_func=say.labels.get)
    if not first:
        st.form_submit_button(tr("room.join.back"), key="ws_back", width="stretch", on_click=send_page,
                              args=(w, ids, first, last, True))
    st.form_submit_button(tr("workshop.join.submit" if last else "room.join.next"), type="primary",
                          key="ws_submit" if last else "ws_next", width="stretch", on_click=send_page,
                          args=(w, ids, first, last))
