"""ワークショップに参加: from a phone — the code from the link (?ws=CODE) or typed, a role,
the answers, a confirmation.  Anonymous: a random token kept in this browser session and,
once joined, in the URL, so answering again (even after a reload) replaces this
participant's earlier answers."""

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, language_switch, md, show_error, tr, tx, wkey
from ui.gate import JOIN_PARAM, through_app
from ui.workshop import keep_token_in_url, participant_look, participant_state, participant_token

through_app()

UNKNOWN = -1  # the 「わからない」 option; stored as None


def remember(state: dict, qid: str) -> None:
    state["draft"][qid] = st.session_state[wkey(f"wsq_{qid}")]


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
state = participant_state(w.code, UNKNOWN)
token = participant_token()

if not state["joined"]:
    names = {r.id: tx(r.name) for r in c.roles}
    roles = list(names)
    state["role"] = role = st.radio(
        tr("workshop.join.role"), roles, key=wkey("ws_role"),
        index=roles.index(state["role"]) if state["role"] in roles else None, format_func=names.get)
    if st.button(tr("workshop.join.join"), type="primary", key="ws_join", width="stretch"):
        if role is None:
            st.error(tr("workshop.join.need_role"))
        else:
            try:
                wrepo.join(engine(), w.code, token, role)
            except DxError as e:
                show_error(e)
            else:
                state["joined"] = True
                keep_token_in_url()  # a reload is still this participant
                st.rerun()
    st.caption(tr("workshop.join.anonymous"))
    st.stop()

if state["sent"]:
    st.success(tr("workshop.join.thanks"))
    st.markdown(f"#### {tr('workshop.join.look_at_screen')}")
    if st.button(tr("workshop.join.change"), key="ws_change", width="stretch"):
        state["sent"] = False
        st.rerun()
    st.stop()

st.caption(tr("workshop.join.as_role", role=tx(c.role_index[state["role"]].name)))
if w.question_set == ws.MYTHS:
    st.write(tr("workshop.join.myths_intro"))
    labels = {ws.TRUE: tr("workshop.myth.true"), ws.FALSE: tr("workshop.myth.false"), UNKNOWN: tx(c.unknown)}
    texts = {m.id: tx(m.statement) for m in c.myths}
else:
    st.write(tr("workshop.join.intro"))
    labels = {o.value: f"{o.value} {tx(o.label)}" for o in c.scale} | {UNKNOWN: tx(c.unknown)}
    texts = {q.id: tx(q.text) for q in c.questions_of(w.question_set)}
ids = ws.statement_ids(w.question_set, c)
draft = state["draft"]
options = list(labels)
for n, qid in enumerate(ids, start=1):
    st.radio(f"{n}. {texts[qid]}", options, key=wkey(f"wsq_{qid}"),
             index=options.index(draft[qid]) if qid in draft else None,
             format_func=labels.get, on_change=remember, args=(state, qid))
done = sum(1 for q in ids if q in draft)
st.progress(done / len(ids), text=tr("workshop.join.progress", done=done, total=len(ids)))
if st.button(tr("workshop.join.submit"), type="primary", key="ws_submit", width="stretch"):
    answers = {q: (None if v == UNKNOWN else v) for q, v in draft.items() if q in ids}
    if not answers:
        st.error(tr("workshop.join.need_answers"))
    else:
        try:
            wrepo.submit(engine(), w.code, token, state["role"], answers)
        except DxError as e:
            show_error(e)
        else:
            state["sent"] = True
            st.rerun()
if st.button(tr("workshop.join.change_role"), key="ws_change_role"):
    state["joined"] = False
    st.rerun()
