"""自己診断: the questionnaire, grouped by failure pattern, with honest progress.

Choosing an answer does not reload the page (the radios do not rerun the script): the
choices travel to the server with the next button press — a pattern's 「ここまでの回答を
保存」, 「送信」, a change of set or language — and are then kept in a server-side draft
whose random key is in the page's address (``?d=…``), so a reload or a bookmark resumes a
half-filled diagnosis for :data:`dxcore.store.repo_drafts.TTL`.  The progress counts what
the server has.  Nothing is a diagnosis until it is submitted; 「回答をすべて消す」 asks
first, then forgets the draft and shows every statement unanswered again.
"""

import streamlit as st

from dxcore import diagnosis_draft as drafting
from dxcore.content import QUESTION_SETS
from dxcore.errors import DxError
from dxcore.i18n import LANGS
from dxcore.store import repo, repo_drafts
from ui.common import content, engine, flash_later, lang, listing, md, option_index, org_page, show_error, tr, tx, wkey
from ui.diagnosis_ui import level_lines, symptom_names
from ui.gate import through_app

through_app()

DRAFT = "diagnose_draft"  # the Draft being answered
TOKEN = "diagnose_token"  # its key in the drafts store (and in the URL)
SAVED = "diagnose_saved"  # the payload last written to the store
GENERATION = "diagnose_generation"  # bumped when everything is cleared: fresh, unanswered radios
CONFIRM = "diagnose_confirm_reset"
DAYS = repo_drafts.TTL.days


def question_key(qid: str, code: str | None = None) -> str:
    return f"q{st.session_state.get(GENERATION, 0)}_{qid}-{code or lang()}"


def role_key(code: str | None = None) -> str:
    return f"diag_role-{code or lang()}"


def take(key: str, current: str) -> object:
    """What the browser sent for a widget, leaving only the current language's widget behind."""
    value = st.session_state.get(key)
    if not key.endswith(f"-{current}") and key in st.session_state:
        del st.session_state[key]
    return value


def harvest(draft: drafting.Draft) -> int:
    """Put the choices the browser sent into the draft (also those made just before a language
    switch); the number of values that were not one of the choices (they change nothing)."""
    current = lang()
    order = [code for code in LANGS if code != current] + [current]
    bad = 0
    for qid in content().question_ids("full"):
        for code in order:
            raw = take(question_key(qid, code), current)
            if raw is None:
                continue
            value = drafting.clean_value(raw)
            if value is None:
                bad += 1
            else:
                draft.answers[qid] = value
    for code in order:
        raw = take(role_key(code), current)
        if raw in content().role_index:
            draft.role = raw
        elif raw is not None:
            bad += 1
    return bad


def open_draft(org_id: int) -> drafting.Draft:
    """The draft of this session, or the one the URL names (a reload, a bookmark)."""
    asked_for = st.query_params.get(repo_drafts.TOKEN_PARAM)
    if asked_for and asked_for != st.session_state.get(TOKEN):
        payload = repo_drafts.load(engine(), drafting.KIND, asked_for)
        if payload is None:
            st.info(tr("diagnose.draft_missing", days=DAYS))
            del st.query_params[repo_drafts.TOKEN_PARAM]
        else:
            draft, dropped = drafting.from_payload(payload, content())
            if dropped:
                st.info(tr("diagnose.draft_dropped", n=dropped))
            st.session_state.update({DRAFT: draft, TOKEN: asked_for, SAVED: draft.to_payload()})
    elif not asked_for and st.session_state.get(TOKEN):  # back from another page: show the key again
        st.query_params[repo_drafts.TOKEN_PARAM] = st.session_state[TOKEN]
    return st.session_state.setdefault(DRAFT, drafting.Draft(org_id=org_id, version=content().version))


def keep(draft: drafting.Draft) -> None:
    """Write the draft to the server when it changed (the first write makes its key)."""
    payload = draft.to_payload()
    if payload == st.session_state.get(SAVED) or not draft.answers:
        return
    token = st.session_state.get(TOKEN) or repo_drafts.new_token()
    repo_drafts.save(engine(), drafting.KIND, token, payload)
    st.session_state.update({TOKEN: token, SAVED: payload})
    st.query_params[repo_drafts.TOKEN_PARAM] = token
    st.toast(tr("diagnose.saved_draft", done=draft.answered(content()), total=len(draft.asked(content()))))


def forget(keep_choices: bool = False) -> None:
    """Drop the draft (submitted, or cleared): the store's copy, the URL's key, the radios."""
    token = st.session_state.pop(TOKEN, None)
    if token:
        repo_drafts.discard(engine(), drafting.KIND, token)
    st.query_params.pop(repo_drafts.TOKEN_PARAM, None)
    old = f"q{st.session_state.get(GENERATION, 0)}_"
    for key in [k for k in st.session_state if str(k).startswith(old)]:
        del st.session_state[key]
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    draft = st.session_state.get(DRAFT)
    if draft is not None:
        draft.answers = {}
        if not keep_choices:
            draft.role = None
    st.session_state.pop(SAVED, None)


def clear_all() -> None:
    forget(keep_choices=True)
    st.session_state.pop(CONFIRM, None)
    flash_later(tr("diagnose.reset_done"))


# the screen -------------------------------------------------------------------------

org = org_page("diagnose.title")
c = content()
draft = open_draft(org.id)
if bad := harvest(draft):
    st.warning(tr("diagnose.bad_value", n=bad))
draft.org_id = draft.org_id or org.id
keep(draft)

st.write(tr("diagnose.intro"))
if draft.org_id != org.id:
    started_for = repo.get_org(engine(), draft.org_id)
    if started_for is not None:
        st.warning(tr("diagnose.draft_other_org", name=md(started_for.name), current=md(org.name)))

top = st.columns(2)
role_names = {r.id: tx(r.name) for r in c.roles}  # labels fixed for this run's language
set_names = {s: tr(f"qset.{s}") for s in QUESTION_SETS}
top[0].selectbox(
    tr("diagnose.role"), list(role_names), key=role_key(), placeholder=tr("diagnose.role_placeholder"),
    index=option_index(list(role_names), draft.role), on_change="ignore", persist_state="session",
    format_func=lambda r: role_names.get(r, str(r)))
chosen_set = top[1].radio(
    tr("diagnose.set"), QUESTION_SETS, key=wkey("diag_set"), horizontal=True,
    index=option_index(QUESTION_SETS, draft.question_set, 0), format_func=lambda s: set_names.get(s, str(s)))
if chosen_set in QUESTION_SETS and chosen_set != draft.question_set:
    draft.question_set = chosen_set
    keep(draft)

questions = c.questions_of(draft.question_set)
done = draft.answered(c)
st.progress(done / len(questions), text=tr("diagnose.progress", done=done, total=len(questions)))
st.caption(tr("diagnose.save_note"))
if st.session_state.get(TOKEN):
    st.caption(tr("diagnose.draft_kept", days=DAYS))

with st.expander(tr("diagnose.symptoms_title")):
    for s in c.symptoms:
        patterns = listing(f"{p} {tx(c.pattern_index[p].title)}" for p in s.patterns)
        st.markdown(tr("diagnose.symptom_line", name=tx(s.name), description=tx(s.description), patterns=patterns))

st.header(tr("diagnose.questions"))
scale = {o.value: f"{o.value} {tx(o.label)}" for o in c.scale} | {drafting.UNKNOWN: tx(c.unknown)}
asked_ids = {q.id for q in questions}
for pattern in c.patterns:
    asked = [q for q in pattern.questions if q.id in asked_ids]
    answered = sum(1 for q in asked if q.id in draft.answers)
    with st.container(border=True, key=f"pattern_{pattern.id}"):
        st.subheader(f"{pattern.id} {tx(pattern.title)}")
        st.caption(tx(pattern.summary))
        if symptoms := symptom_names(pattern.id):
            st.caption(tr("diagnose.symptoms", names=symptoms))
        with st.expander(tr("diagnose.levels")):
            level_lines(pattern)
        for q in asked:
            st.radio(tx(q.text), drafting.OPTIONS, key=question_key(q.id), horizontal=True,
                     index=drafting.OPTIONS.index(draft.answers[q.id]) if q.id in draft.answers else None,
                     format_func=lambda v: scale.get(v, str(v)), on_change="ignore", persist_state="session")
        if draft.question_set == "full":
            with st.container(horizontal=True, vertical_alignment="center"):
                st.button(tr("diagnose.save_pattern"), key=f"save_{pattern.id}")
                st.caption(tr("diagnose.pattern_progress", done=answered, total=len(asked)))

if done < len(questions):
    st.caption(tr("diagnose.unanswered", n=len(questions) - done))
with st.container(horizontal=True, vertical_alignment="center", key="diagnose_actions"):
    submitted = st.button(tr("diagnose.submit"), type="primary", key="submit")
    st.button(tr("diagnose.save"), key="save")
    st.button(tr("diagnose.reset"), key="reset", on_click=lambda: st.session_state.update({CONFIRM: True}))
if st.session_state.get(CONFIRM):
    with st.container(border=True, key="diagnose_confirm"):
        st.warning(tr("diagnose.reset_confirm"))
        with st.container(horizontal=True):
            st.button(tr("diagnose.reset_yes"), type="primary", key="reset_yes", on_click=clear_all)
            st.button(tr("common.cancel"), key="reset_no", on_click=lambda: st.session_state.pop(CONFIRM, None))

if submitted:
    answers = draft.submission(c)
    if draft.role is None:
        st.error(tr("diagnose.need_role"))
    elif not answers:
        st.error(tr("diagnose.need_answers"))
    else:
        try:
            diagnosis_id = repo.save_diagnosis(engine(), org.id, answers, draft.role,
                                               question_set=draft.question_set, version=c.version,
                                               asked=draft.asked(c))
        except DxError as e:
            show_error(e)
        else:
            forget()
            st.session_state.pop(DRAFT, None)
            st.session_state["results_id"] = diagnosis_id
            flash_later(tr("diagnose.saved"))
            st.switch_page("pages/results.py", query_params=st.query_params.to_dict())
