"""自己診断: the questionnaire, grouped by failure pattern, with progress.

Answers are kept in a draft in the session (so a rerun, a language switch or a visit
to another page loses nothing) and are saved only when submitted.
"""

import streamlit as st

from dxcore.content import QUESTION_SETS
from dxcore.errors import DxError
from dxcore.store import repo
from ui.common import content, engine, flash_later, org_page, show_error, tr, tx, wkey
from ui.gate import through_app

through_app()

DRAFT = "diagnose_draft"  # {question id: value}
CHOICES = "diagnose_choices"  # {"role": ..., "set": ...}
UNKNOWN = 0  # the 「わからない」 option; stored as None


def remember(qid: str) -> None:
    st.session_state[DRAFT][qid] = st.session_state[wkey(f"q_{qid}")]


def clear() -> None:
    st.session_state[DRAFT] = {}
    for key in [k for k in st.session_state if str(k).startswith("q_")]:
        del st.session_state[key]


org = org_page("diagnose.title")
c = content()
draft: dict = st.session_state.setdefault(DRAFT, {})
choices: dict = st.session_state.setdefault(CHOICES, {"role": None, "set": QUESTION_SETS[0]})
scale = {o.value: f"{o.value} {tx(o.label)}" for o in c.scale} | {UNKNOWN: tx(c.unknown)}

st.write(tr("diagnose.intro"))

top = st.columns(2)
roles = [r.id for r in c.roles]
choices["role"] = role = top[0].selectbox(
    tr("diagnose.role"), roles, key=wkey("diag_role"), placeholder=tr("diagnose.role_placeholder"),
    index=roles.index(choices["role"]) if choices["role"] else None,
    format_func=lambda r: tx(c.role_index[r].name))
choices["set"] = question_set = top[1].radio(
    tr("diagnose.set"), QUESTION_SETS, key=wkey("diag_set"), horizontal=True,
    index=QUESTION_SETS.index(choices["set"]), format_func=lambda s: tr(f"qset.{s}"))
questions = c.questions_of(question_set)
asked_ids = {q.id for q in questions}
done = sum(1 for q in questions if q.id in draft)
st.progress(done / len(questions), text=tr("diagnose.progress", done=done, total=len(questions)))

for pattern in c.patterns:
    asked = [q for q in pattern.questions if q.id in asked_ids]
    answered = sum(1 for q in asked if q.id in draft)
    with st.container(border=True, key=f"pattern_{pattern.id}"):
        st.subheader(f"{pattern.id} {tx(pattern.title)}  ·  "
                     + tr("diagnose.pattern_progress", done=answered, total=len(asked)))
        st.caption(tx(pattern.summary))
        for q in asked:
            options = list(scale)
            st.radio(tx(q.text), options, key=wkey(f"q_{q.id}"), horizontal=True,
                     index=options.index(draft[q.id]) if q.id in draft else None,
                     format_func=scale.get, on_change=remember, args=(q.id,))

if done < len(questions):
    st.caption(tr("diagnose.unanswered", n=len(questions) - done))
left, right = st.columns([3, 1])
if left.button(tr("diagnose.submit"), type="primary", key="submit"):
    answers = {q.id: (None if draft[q.id] == UNKNOWN else draft[q.id]) for q in questions if q.id in draft}
    if role is None:
        st.error(tr("diagnose.need_role"))
    elif not answers:
        st.error(tr("diagnose.need_answers"))
    else:
        try:
            diagnosis_id = repo.save_diagnosis(engine(), org.id, answers, role, question_set=question_set)
        except DxError as e:
            show_error(e)
        else:
            clear()
            st.session_state["results_id"] = diagnosis_id
            flash_later(tr("diagnose.saved"))
            st.switch_page("pages/results.py")
right.button(tr("diagnose.reset"), key="reset", on_click=clear)
