"""ワークショップに参加: from a phone — the code from the link (?ws=CODE) or typed, then the
statements as one form per page (role and PIN in the first), sent with one tap each, and a
confirmation.  Choosing an answer needs no round trip to the server.  Anonymous: a random
token, in the URL once the phone has sent something (``&p=``), so a reload resumes the
draft or shows what was sent, and answering again replaces the earlier answers."""

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, language_switch, md, show_error, tr, tx
from ui.gate import JOIN_PARAM, through_app
from ui.workshop import (
    PIN_KEY,
    UNKNOWN,
    change_answers,
    choice_key,
    participant,
    participant_look,
    prefill,
    role_key,
    send_page,
)

through_app()

participant_look()
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
    w = wrepo.require_open(engine(), code)
except DxError as e:
    show_error(e)
    if st.button(tr("workshop.join.other_code"), key="ws_other_code", width="stretch"):
        st.query_params.clear()
        st.switch_page("pages/join.py")
    st.stop()

st.markdown(f"### {md(w.title)}")
me = participant(w)

if me["sent"]:
    st.success(tr("workshop.join.thanks"))
    st.caption(tr("room.join.sent_count", n=len(me["answers"])))
    st.markdown(f"#### {tr('workshop.join.look_at_screen')}")
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
else:
    st.caption(tr("room.join.one_page", total=total))
if me["problem"] is not None:
    show_error(me["problem"])

if w.question_set == ws.MYTHS:
    intro = tr("workshop.join.myths_intro")
    labels = {ws.TRUE: tr("workshop.myth.true"), ws.FALSE: tr("workshop.myth.false"), UNKNOWN: tx(c.unknown)}
    texts = {m.id: tx(m.statement) for m in c.myths}
else:
    intro = tr("workshop.join.intro")
    labels = {o.value: f"{o.value} {tx(o.label)}" for o in c.scale} | {UNKNOWN: tx(c.unknown)}
    texts = {q.id: tx(q.text) for q in c.questions_of(w.question_set)}
options = list(labels)

with st.form(f"ws_page_{k}", border=False):
    if first:
        names = {r.id: tx(r.name) for r in c.roles}
        prefill(role_key(), me["role"])
        st.radio(tr("workshop.join.role"), list(names), key=role_key(), index=None, format_func=names.get)
        st.caption(tr("room.join.role_hint"))
        if w.pin and not me["joined"]:
            st.text_input(tr("room.join.pin", n=ws.PIN_LENGTH), max_chars=16, key=PIN_KEY)
    st.write(intro)
    pattern = None
    number = sum(len(p) for p in pages[:k])
    for qid in ids:
        number += 1
        if len(pages) > 1 and c.question_index[qid].pattern != pattern:
            pattern = c.question_index[qid].pattern
            st.markdown(f"#### {tr('room.join.pattern', id=pattern, title=tx(c.pattern_index[pattern].title))}")
        if qid in me["answers"]:
            prefill(choice_key(qid), UNKNOWN if me["answers"][qid] is None else me["answers"][qid])
        st.radio(f"{number}. {texts[qid]}", options, key=choice_key(qid), index=None, format_func=labels.get)
    if not first:
        st.form_submit_button(tr("room.join.back"), key="ws_back", width="stretch", on_click=send_page,
                              args=(w, ids, first, last, True))
    st.form_submit_button(tr("workshop.join.submit" if last else "room.join.next"), type="primary",
                          key="ws_submit" if last else "ws_next", width="stretch", on_click=send_page,
                          args=(w, ids, first, last))
