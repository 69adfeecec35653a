"""Streamlit pieces of the facilitator's view: the controls that drive the projector.

The facilitator's laptop shows these; the room sees only the projector view
(``ui.present``), which follows the screen stored here (``repo_present``) within a few
seconds, in any browser.  The controls refresh by themselves too, so that they follow a
screen moved with the projector's own keyboard.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dxcore import present
from dxcore.errors import DxError
from dxcore.present import Screen
from dxcore.store import repo_present as prepo
from dxcore.store import repo_workshop as wrepo
from dxcore.workshop import DIAGNOSIS_SETS, LIMIT_MAX
from ui.common import content, engine, lang, md, show_error, tr, tx
from ui.gate import PASS_PARAM, projector_pass
from ui.present import CODE_PARAM, REFRESH_S, act

ERROR = "fac_error"
UNKNOWN = -1  # the 「わからない」 button in consensus mode
SHORT = 34  # characters of a statement in the list of screens

FACILITATOR_CSS = """
<style>
.st-key-fac_previous button, .st-key-fac_next button { min-height: 5rem; }
.st-key-fac_previous button p, .st-key-fac_next button p { font-size: 1.7rem; font-weight: 700; }
[class*="st-key-fac_agree_"] button { min-height: 4rem; }
[class*="st-key-fac_agree_"] button p { font-size: 1.2rem; }
</style>
"""


def consensus_key(code: str) -> str:
    return f"fac_consensus_{code}"  # consensus mode switched on in this browser


def facilitator_look() -> None:
    st.html(FACILITATOR_CSS)


def projector_url(code: str) -> str:
    """The projector view of workshop ``code``, relative to this page (opens in a new window)."""
    given = projector_pass(code)  # with a password set: the projector window needs no password form
    params = {CODE_PARAM: code} | ({"lang": lang()} if lang() != "ja" else {}) | ({PASS_PARAM: given} if given else {})
    return "present?" + urlencode(params)


def screen_name(screen: Screen) -> str:
    c = content()
    if screen.kind == present.STATEMENT:
        text = tx(c.question_index[screen.item].text)
    elif screen.kind == present.MYTH:
        text = tx(next(m for m in c.myths if m.id == screen.item).statement)
    else:
        return tr(f"projector.screen.{screen.kind}")
    text = text if len(text) <= SHORT else text[: SHORT - 1] + "…"
    return tr(f"projector.screen.{screen.kind}", id=screen.item, text=text)


def _act(action) -> None:
    act(action, ERROR)


def _agree(code: str, question_id: str, value: int | None) -> None:
    """Record the room's answer to the statement on screen, then show the next one."""
    wrepo.record_consensus(engine(), code, question_id, value)
    prepo.move(engine(), code, present.NEXT)


def navigation(now: prepo.OnScreen) -> None:
    """Where the room is, and big buttons (and → / ←) to move it."""
    screens, screen = now.screens, now.screen
    i = present.position(screens, screen)
    st.markdown(f"**{tr('projector.facilitate.on_screen', i=i + 1, n=len(screens))}**")
    st.subheader(screen_name(screen), anchor=False)
    st.caption(tr("projector.facilitate.next_up", name=screen_name(screens[i + 1])) if i + 1 < len(screens)
               else tr("projector.facilitate.last"))
    back, forward = st.columns(2)
    back.button(tr("projector.facilitate.previous"), key="fac_previous", shortcut="Left", width="stretch",
                disabled=i == 0, on_click=_act, args=(lambda: prepo.move(engine(), now.code, present.PREVIOUS),))
    forward.button(tr("projector.facilitate.next"), key="fac_next", shortcut="Right", type="primary",
                   width="stretch", disabled=i == len(screens) - 1, on_click=_act,
                   args=(lambda: prepo.move(engine(), now.code, present.NEXT),))
    key = f"fac_jump_{now.code}-{lang()}"
    st.session_state[key] = screen.id  # follows a move made elsewhere (the projector's keyboard)
    names = {s.id: tr("projector.screen.option", i=n + 1, name=screen_name(s)) for n, s in enumerate(screens)}
    st.selectbox(tr("projector.facilitate.jump"), list(names), format_func=names.get, key=key,
                 on_change=_act, args=(lambda: prepo.show(engine(), now.code, st.session_state[key]),))


def reveal(now: prepo.OnScreen) -> None:
    """Show the results to the room, or hide them again (H).  A button, not a switch: after a
    click the keyboard still moves the screens (a focused switch would take the arrow keys)."""
    st.button(tr("projector.facilitate.hide" if now.revealed else "workshop.present.reveal"), key="fac_reveal",
              shortcut="H", type="secondary" if now.revealed else "primary", width="stretch",
              help=tr("workshop.present.reveal_help"), on_click=_act,
              args=(lambda: wrepo.set_revealed(engine(), now.code, not now.revealed),))
    st.caption(tr("projector.facilitate.shown_now" if now.revealed else "projector.facilitate.hidden_now"))


def consensus(now: prepo.OnScreen) -> None:
    """Consensus mode: the room's agreed answer to the statement on screen, then the next one."""
    if now.screen.kind != present.STATEMENT:
        st.info(tr("projector.facilitate.consensus_where"))
        return
    c = content()
    qid = now.screen.item
    agreed = wrepo.consensus(engine(), now.workshop_id)
    total = len([s for s in now.screens if s.kind == present.STATEMENT])
    st.progress(len(agreed) / total, text=tr("workshop.present.consensus_progress", done=len(agreed), total=total))
    st.markdown(f"**{tr('projector.facilitate.consensus_statement', id=qid)}** {md(tx(c.question_index[qid].text))}")
    options = [(o.value, f"{o.value} {tx(o.label)}") for o in c.scale] + [(UNKNOWN, tx(c.unknown))]
    current = agreed.get(qid, "missing")
    for col, (value, text) in zip(st.columns(len(options)), options):
        stored = None if value == UNKNOWN else value
        col.button(text, key=f"fac_agree_{value}", width="stretch", disabled=not now.is_open,
                   type="primary" if current == stored else "secondary",
                   on_click=_act, args=(lambda v=stored: _agree(now.code, qid, v),))
    st.button(tr("workshop.present.forget"), key="fac_forget", disabled=qid not in agreed or not now.is_open,
              on_click=_act, args=(lambda: wrepo.clear_consensus(engine(), now.code, qid),))


@st.fragment(run_every=REFRESH_S)
def controls(code: str) -> None:
    """The facilitator's controls, read again every few seconds (a move made on the projector shows)."""
    try:
        now = prepo.on_screen(engine(), code)
    except DxError as e:
        show_error(e)
        return
    error = st.session_state.pop(ERROR, None)
    if error:
        show_error(error)
    if not now.is_open:
        st.warning(tr("workshop.present.closed"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        navigation(now)
    with right:
        reveal(now)
        joined, answered = st.columns(2)
        joined.metric(tr("workshop.present.metric_joined"), now.joined, border=True)
        answered.metric(tr("workshop.present.metric_answered"), now.answered, border=True)
    if now.question_set in DIAGNOSIS_SETS and st.session_state.get(consensus_key(code)):
        consensus(now)


def consensus_switch(record: wrepo.WorkshopRecord) -> None:
    """Consensus mode on or off, and how many people the consensus stands for (recorded in the
    history).  Outside the refreshing controls: a number being typed is never redrawn."""
    if record.question_set not in DIAGNOSIS_SETS:
        return
    key = consensus_key(record.code)
    st.session_state.setdefault(key, bool(wrepo.consensus(engine(), record.id)))
    if not st.toggle(tr("projector.facilitate.consensus"), key=key):
        return
    people = st.columns([1, 2])[0].number_input(
        tr("workshop.present.consensus_size"), min_value=0, max_value=LIMIT_MAX, value=record.consensus_size or 0,
        step=1, key=f"fac_size_{record.code}", disabled=not record.is_open)
    if record.is_open and (people or None) != record.consensus_size:
        wrepo.set_consensus_size(engine(), record.code, int(people) or None)
