"""プロジェクター表示: the join screen, the statements, the live results, and consensus mode.

Wide, big and without the sidebar.  The counts and the results read the room again every
few seconds by themselves; the results stay hidden until the facilitator reveals them.
"""

import streamlit as st

from dxcore import charts
from dxcore import charts_workshop as wcharts
from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import content, current_org, engine, lang, md, require_org, show_error, tr, tx
from ui.gate import through_app
from ui.present import REFRESH_S, big, live_or_error, presenter_look
from ui.workshop import choose_workshop, public_base, remembered

through_app()

SCREEN = "ws_screen"
STEP = "ws_consensus_step"  # {code: index of the statement on screen}
PATTERN = "ws_results_pattern"
UNKNOWN = -1  # the 「わからない」 button in consensus mode

presenter_look()
if current_org() is None:
    st.title(tr("workshop.present.title"))
org = require_org()
c = content()
head, pick = st.columns([3, 2], vertical_alignment="bottom")
with pick:
    summary = choose_workshop(org.id)
if summary is None:
    head.title(tr("workshop.present.title"))
    st.info(tr("workshop.admin.none"))
    st.page_link("pages/workshop.py", label=tr("workshop.present.back"))
    st.stop()
w = summary.workshop
head.title(md(w.title))

screens = {s: tr(f"workshop.present.screen_{s}")
           for s in ["join", "question", "results"] + (["consensus"] if w.saves_diagnosis else [])}
screen = remembered(st.segmented_control, tr("workshop.present.screen"), list(screens), SCREEN, "ws_screen",
                    format_func=screens.get, label_visibility="collapsed")
if not w.is_open:
    st.warning(tr("workshop.present.closed"))


@st.fragment(run_every=REFRESH_S)
def counts(workshop_id: int) -> None:
    n = wrepo.counts(engine(), workshop_id)
    big(tr("workshop.present.joined", n=n.joined), "count")
    big(tr("workshop.present.answered_of", answered=n.answered, joined=n.joined), "note")


def join_screen() -> None:
    base = public_base("present")
    url = ws.join_url(base, w.code) if base else None
    left, right = st.columns([3, 2], gap="large")
    with left:
        big(tr("workshop.present.code_label"), "label")
        big(w.code, "code")
        big(tr("workshop.present.url_label"), "label")
        big(url or ws.join_path(w.code), "url")
        if url is None or ws.is_local_url(url):
            st.warning(tr("workshop.present.local_url"))
        counts(w.id)
    with right:
        if url:
            st.image(ws.qr_svg(url), width=420, caption=tr("workshop.present.qr_caption"))


def question_screen() -> None:
    ids = ws.statement_ids(w.question_set, c)
    if w.question_set == ws.MYTHS:
        big(tr("workshop.present.myths_intro"), "note")
        for myth in c.myths:
            big(f"{myth.id}  {tx(myth.statement)}", "statement")
    else:
        big(tr("workshop.present.statements_intro", n=len(ids)), "note")
        size = "statement" if len(ids) <= 10 else "note"
        for qid in ids:
            big(f"{qid}  {tx(c.question_index[qid].text)}", size)
    counts(w.id)


def toggle_reveal(key: str) -> None:
    try:
        wrepo.set_revealed(engine(), w.code, st.session_state[key])
    except DxError as e:
        st.session_state["ws_reveal_error"] = e


def myth_results(room: ws.Room) -> None:
    chart = wcharts.myths(room, lang(), c)
    st.altair_chart(chart, width="stretch", height=charts.screen_height(chart), key="ws_myths_chart")
    for myth, tally in zip(c.myths, room.myths):
        with st.container(border=True, key=f"ws_myth_{myth.id}"):
            answer = tr("workshop.myth.true" if myth.answer else "workshop.myth.false")
            big(f"{myth.id}  {tx(myth.statement)}", "note")
            st.markdown(f"### {tr('workshop.present.myth_answer', answer=answer)}"
                        + (f" · {tr('workshop.present.correct_rate', rate=f'{tally.correct_rate:.0f}')}"
                           if tally.correct_rate is not None else ""))
            st.write(tx(myth.explanation))


def room_results(room: ws.Room) -> None:
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader(tr("workshop.present.radar"))
        with st.container(key="ws_radar"):
            st.altair_chart(charts.radar(wcharts.group_series(room, lang()), lang(), c), key="ws_radar_chart")
        hidden = [tr(f"workshop.group.{g.id}") for g in room.groups if g.count and not g.shown]
        if hidden:
            st.caption(tr("workshop.present.groups_hidden", groups="・".join(hidden), n=room.min_group))
    with right:
        st.subheader(tr("workshop.present.gap_title"))
        if room.gaps:
            chart = wcharts.gaps(room, lang(), c)
            st.altair_chart(chart, width="stretch", height=charts.screen_height(chart), key="ws_gaps")
            for g in room.gaps[:3]:
                higher = "executive" if g.difference > 0 else "frontline"
                st.markdown(f"- **{g.question_id}** {tx(c.question_index[g.question_id].text)} — "
                            + tr("workshop.present.gap_line", group=tr(f"workshop.group.{higher}"),
                                 diff=f"{abs(g.difference):.1f}"))
        else:
            st.info(tr("workshop.present.gap_needs", n=room.min_group))
    st.subheader(tr("workshop.present.distribution"))
    statements = list(room.statements)
    if w.question_set == "full":  # 42 statements: one failure pattern at a time
        titles = {p.id: f"{p.id} {tx(p.title)}" for p in c.patterns}
        chosen = remembered(st.selectbox, tr("workshop.present.pattern"), list(titles), PATTERN, "ws_pattern",
                            format_func=titles.get)
        statements = [q.id for q in c.pattern_index[chosen].questions if q.id in room.statements]
    with st.container(key="ws_distribution"):
        chart = wcharts.distribution(room, lang(), c, statements)
        st.altair_chart(chart, width="stretch", height=charts.screen_height(chart), key="ws_distribution_chart")


@st.fragment(run_every=REFRESH_S)
def results(code: str) -> None:
    live = live_or_error(code)
    if live is None:
        return
    room = live.room
    a, b, o = st.columns(3)
    a.metric(tr("workshop.present.metric_joined"), live.counts.joined, border=True)
    b.metric(tr("workshop.present.metric_answered"), room.participants, border=True)
    if not live.workshop.revealed:
        big(tr("workshop.present.hidden"), "note")
        return
    if room.participants == 0:
        st.info(tr("workshop.present.no_answers"))
        return
    if room.question_set == ws.MYTHS:
        o.metric(tr("workshop.present.metric_myth_score"), f"{room.myth_score:.1f} / {len(room.myths)}",
                 border=True)
        myth_results(room)
    else:
        o.metric(tr("results.overall"), "—" if room.result.overall is None else f"{room.result.overall:.0f}",
                 border=True, help=tr("home.health_help"))
        room_results(room)


def results_screen() -> None:
    key = f"ws_reveal_{w.code}"
    st.session_state[key] = w.revealed
    st.toggle(tr("workshop.present.reveal"), key=key, on_change=toggle_reveal, args=(key,),
              help=tr("workshop.present.reveal_help"))
    error = st.session_state.pop("ws_reveal_error", None)
    if error:
        show_error(error)
    results(w.code)


def consensus_screen() -> None:
    ids = list(ws.statement_ids(w.question_set, c))
    agreed = wrepo.consensus(engine(), w.id)
    steps = st.session_state.setdefault(STEP, {})
    i = min(steps.get(w.code, 0), len(ids) - 1)
    st.caption(tr("workshop.present.consensus_help"))
    st.progress(len(agreed) / len(ids), text=tr("workshop.present.consensus_progress", done=len(agreed),
                                                 total=len(ids)))
    q = c.question_index[ids[i]]
    st.caption(f"{q.pattern} {tx(c.pattern_index[q.pattern].title)} · {i + 1} / {len(ids)}")
    big(f"{q.id}  {tx(q.text)}", "statement")
    options = [(o.value, f"{o.value} {tx(o.label)}") for o in c.scale] + [(UNKNOWN, tx(c.unknown))]
    current = agreed.get(q.id, "missing")
    cols = st.columns(len(options))
    for col, (value, text) in zip(cols, options):
        chosen = current == (None if value == UNKNOWN else value)
        if col.button(text, key=f"ws_cons_{value}", type="primary" if chosen else "secondary", width="stretch",
                      disabled=not w.is_open):
            try:
                wrepo.record_consensus(engine(), w.code, q.id, None if value == UNKNOWN else value)
            except DxError as e:
                show_error(e)
            else:
                steps[w.code] = min(i + 1, len(ids) - 1)
                st.rerun()
    back, forward, forget, _ = st.columns([1, 1, 1, 2])
    if back.button(tr("workshop.present.previous"), key="ws_cons_prev", disabled=i == 0, width="stretch"):
        steps[w.code] = i - 1
        st.rerun()
    if forward.button(tr("workshop.present.next"), key="ws_cons_next", disabled=i == len(ids) - 1,
                      width="stretch"):
        steps[w.code] = i + 1
        st.rerun()
    if forget.button(tr("workshop.present.forget"), key="ws_cons_clear", width="stretch",
                     disabled=q.id not in agreed or not w.is_open):
        wrepo.clear_consensus(engine(), w.code, q.id)
        st.rerun()
    size_key = f"ws_cons_size_{w.code}"
    people = st.columns([1, 2])[0].number_input(
        tr("workshop.present.consensus_size"), min_value=0, max_value=ws.LIMIT_MAX, value=w.consensus_size or 0,
        step=1, key=size_key, disabled=not w.is_open)
    if w.is_open and (people or None) != w.consensus_size:
        wrepo.set_consensus_size(engine(), w.code, int(people) or None)


{"join": join_screen, "question": question_screen, "results": results_screen,
 "consensus": consensus_screen}[screen]()
st.divider()
st.page_link("pages/workshop.py", label=tr("workshop.present.back"))
