"""Streamlit pieces of the projector view: what the room sees, and nothing else.

The whole view is one fragment that reads the room again every few seconds
(:func:`projector`): one small query (:func:`dxcore.store.repo_present.on_screen`) brings the
screen the facilitator chose, the workshop's flags and the live counts; the room's answers
are counted again, and the chart built again, only when that query says they changed.  The
page around it never reruns.  There is no visible control: the projector's own keyboard
(→ / space, ←, H) presses buttons kept out of sight, for a facilitator who drives from the
laptop whose screen is mirrored to the projector.
"""

from __future__ import annotations

import html

import streamlit as st

from dxcore import charts, present
from dxcore import charts_workshop as wcharts
from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import database_url
from dxcore.store import repo_present as prepo
from dxcore.store import repo_workshop as wrepo
from dxcore.store.repo_present import OnScreen
from ui.chart import draw
from ui.common import content, current_org, engine, lang, md, show_error, tr, tx
from ui.workshop import CURRENT, public_base

REFRESH_S = 3  # how often the projector reads the room again
CODE_PARAM = "workshop"  # /present?workshop=ABC234: the projector of that workshop
QR_SIZE = "min(64vh, 46vw)"  # 690 px high at 1920×1080, with its quiet zone (segno's 4-module border)

PRESENTER_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stMainMenu"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stAppDeployButton"], [data-testid="stElementToolbar"],
.st-key-present_keys
  { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: none; padding: 1.2rem 3rem 1rem 3rem; }
/* the refresh never greys out what the room is reading */
[data-stale="true"] { opacity: 1 !important; transition: none !important; }
[data-testid="stHeading"] h1 { font-size: clamp(1.8rem, 2.5vw, 3rem); font-weight: 800; line-height: 1.25;
                               padding: 0; margin: 0; }
.ws-lead { font-size: clamp(1.6rem, 2.1vw, 2.6rem); font-weight: 700; color: #00527F; margin: 0; }
.ws-context { font-size: clamp(1.3rem, 1.6vw, 2rem); color: #333; margin: 0; }
.ws-statement { font-size: clamp(2rem, 2.9vw, 3.6rem); font-weight: 700; line-height: 1.4;
                overflow-wrap: anywhere; margin: .2rem 0 .4rem 0; }
.ws-code { font-size: clamp(4rem, 10vw, 12rem); font-weight: 800; letter-spacing: .1em; line-height: 1.05;
           font-family: "Noto Sans Mono CJK JP", "DejaVu Sans Mono", monospace; }
.ws-label { font-size: clamp(1.3rem, 1.6vw, 2rem); color: #333; margin: 0; }
.ws-pin { font-size: clamp(2.4rem, 4vw, 5rem); font-weight: 800; letter-spacing: .08em; }
.ws-url { font-size: clamp(1.4rem, 1.9vw, 2.4rem); font-weight: 600; overflow-wrap: anywhere; }
.ws-count { font-size: clamp(2.6rem, 4.5vw, 5.5rem); font-weight: 800; line-height: 1.1; }
.ws-note { font-size: clamp(1.5rem, 1.9vw, 2.4rem); line-height: 1.4; }
.ws-alert { font-size: clamp(1.6rem, 2.2vw, 2.8rem); font-weight: 700; color: #8A2E00; }
.ws-answer { font-size: clamp(1.8rem, 2.5vw, 3rem); font-weight: 800; color: #00527F; }
.ws-corner { border: 3px solid #0072B2; border-radius: .8rem; padding: .4rem 1rem; text-align: right;
             background: #FFFFFF; }
.ws-corner .ws-corner-code { font-size: clamp(1.8rem, 2.4vw, 3rem); font-weight: 800; letter-spacing: .08em;
                             font-family: "Noto Sans Mono CJK JP", "DejaVu Sans Mono", monospace; }
.ws-corner .ws-corner-line { font-size: clamp(1.2rem, 1.45vw, 1.8rem); font-weight: 600; }
.st-key-present_qr img { width: QR_SIZE !important; height: auto !important; max-width: 100%; }
/* Streamlit draws an image's caption at opacity .6: #333 would read as #858585 (contrast 3.7) */
.st-key-present_qr [data-testid="stImageCaption"], .st-key-present_qr [data-testid="stImageCaption"] *
  { font-size: clamp(1.2rem, 1.5vw, 1.9rem) !important; color: #333 !important; opacity: 1 !important; }
</style>
""".replace("QR_SIZE", QR_SIZE)


def presenter_look() -> None:
    """The whole screen for the room: no sidebar, no toolbar or menu, no header, big type."""
    st.html(PRESENTER_CSS)


def big(text: str, kind: str = "note", where=st) -> None:
    """Text sized for the back of the room (``kind``: a ``ws-…`` class above), shown as typed."""
    if kind == "heading":  # the screen's one heading (h1), for screen readers too
        where.title(md(text), anchor=False)
    else:
        where.markdown(f'<div class="ws-{kind}">{html.escape(str(text))}</div>', unsafe_allow_html=True)


def workshop_to_show() -> str | None:
    """The workshop on the projector: the one in the URL (``?workshop=CODE``), else the one the
    facilitator works with in this browser, else the organisation's newest open one.  The
    URL then names it, so that a reload or a bookmark shows the same workshop."""
    code = st.query_params.get(CODE_PARAM) or st.session_state.get(CURRENT)
    if not code:
        org = current_org()
        summaries = wrepo.list_workshops(engine(), org.id) if org else []
        chosen = next((s for s in summaries if s.workshop.is_open), summaries[0] if summaries else None)
        code = chosen.workshop.code if chosen else None
    if code:
        st.query_params[CODE_PARAM] = code
    return code


# the room, counted again only when its answers change ---------------------------------

@st.cache_resource(max_entries=64, show_spinner=False)
def _room(db: str, workshop_id: int, question_set: str, version: tuple) -> ws.Room:
    del db, version  # part of the cache key only: another database, or new answers
    return ws.aggregate(wrepo.headcount(engine(), workshop_id), question_set, content())


def room(now: OnScreen) -> ws.Room:
    return _room(database_url(), now.workshop_id, now.question_set, now.answers_version)


def chart(now: OnScreen, build, key: str) -> None:
    """Draw the chart ``build()`` makes, built again only when the room's answers changed
    (turning an Altair chart into a spec costs about ten times drawing a ready one)."""
    draw(build, key=key, height_of=lambda built: charts.screen_height(built, 110),
         made_of=(key, database_url(), now.workshop_id, now.answers_version, now.screen, lang()))


@st.cache_resource(max_entries=32, show_spinner=False)
def qr_svg(url: str) -> str:
    return ws.qr_svg(url)


# the keyboard of the projector's own laptop -------------------------------------------

def act(action, error_key: str = "present_error") -> None:
    """A control's callback: run ``action()``; a DxError is kept to be shown by the run that follows."""
    try:
        action()
    except DxError as e:
        st.session_state[error_key] = e


def _toggle_reveal(code: str) -> None:
    wrepo.set_revealed(engine(), code, not prepo.on_screen(engine(), code).revealed)


def keys(code: str) -> None:
    """→ and space: next screen; ←: back; H: show or hide the results.  The buttons are out of
    sight (CSS); Streamlit's own shortcuts press them, so nothing is loaded or injected."""
    with st.container(key="present_keys"):
        for key, label, shortcut, step in (("next", "next", "Right", present.NEXT),
                                           ("space", "next_space", "Space", present.NEXT),
                                           ("previous", "previous", "Left", present.PREVIOUS)):
            st.button(tr(f"projector.keys.{label}"), key=f"present_{key}", shortcut=shortcut, on_click=act,
                      args=(lambda s=step: prepo.move(engine(), code, s),))
        st.button(tr("projector.keys.reveal"), key="present_reveal", shortcut="H", on_click=act,
                  args=(lambda: _toggle_reveal(code),))
    error = st.session_state.pop("present_error", None)
    if error:
        show_error(error)


# the screens ------------------------------------------------------------------------

def corner(now: OnScreen, where) -> None:
    """The join code (and PIN) with the live count, in the top right of every screen."""
    pin = f'<div class="ws-corner-line">{html.escape(tr("projector.corner.pin", pin=now.pin))}</div>' if now.pin else ""
    counts = tr("workshop.present.answered_of", answered=now.answered, joined=now.joined)
    where.markdown(
        f'<div class="ws-corner" role="status"><div class="ws-corner-line">{html.escape(tr("projector.corner.code"))}'
        f'</div><div class="ws-corner-code">{html.escape(now.code)}</div>{pin}'
        f'<div class="ws-corner-line">{html.escape(counts)}</div></div>', unsafe_allow_html=True)


def join_screen(now: OnScreen, head) -> None:
    big(now.title, "heading", head)
    big(tr("projector.join.heading"), "lead", head)
    base = public_base("present")
    url = ws.join_url(base, now.code) if base else None
    left, right = st.columns([5, 4], gap="large")
    with left:
        big(tr("workshop.present.code_label"), "label")
        big(now.code, "code")
        if now.pin:
            big(tr("projector.join.pin_label"), "label")
            big(now.pin, "pin")
        big(tr("workshop.present.url_label"), "label")
        big(url or ws.join_path(now.code), "url")
        if not now.is_open:
            big(tr("workshop.present.closed"), "alert")
        elif not now.joins_open:
            big(tr("projector.join.joins_closed"), "alert")
        elif url is None or ws.is_local_url(url):
            st.warning(tr("workshop.present.local_url"))
        big(tr("workshop.present.joined", n=now.joined), "count")
    if url:
        with right, st.container(key="present_qr"):
            st.image(qr_svg(url), caption=tr("workshop.present.qr_caption"), alt=tr("projector.join.qr_alt", url=url))


def hidden(now: OnScreen) -> bool:
    """Results stay hidden until the facilitator reveals them: say so, with how many answered."""
    if now.revealed:
        return False
    big(tr("workshop.present.hidden"), "note")
    big(tr("workshop.present.answered_of", answered=now.answered, joined=now.joined), "count")
    return True


def anonymity_note(the_room: ws.Room) -> None:
    small = [tr(f"workshop.group.{g}") for g in present.hidden_groups(the_room)]
    if small:
        big(tr("workshop.present.groups_hidden", groups="・".join(small), n=the_room.min_group), "context")


def risk_screen(now: OnScreen, head) -> None:
    big(tr("projector.risk.heading"), "heading", head)
    if hidden(now):
        return
    the_room = room(now)
    if the_room.result is None:
        big(tr("workshop.present.no_answers"), "note")
        return
    big(tr("projector.risk.note", n=the_room.participants), "context", head)
    chart(now, lambda: wcharts.room_risk(the_room.result, lang(), content()), "present_risk_chart")


def gap_screen(now: OnScreen, head) -> None:
    big(tr("projector.gap.heading"), "heading", head)
    if hidden(now):
        return
    the_room = room(now)
    gaps = present.pattern_gaps(the_room)
    if gaps is None:
        big(tr("workshop.present.gap_needs", n=the_room.min_group), "note")
        anonymity_note(the_room)
        return
    chart(now, lambda: wcharts.pattern_gap(gaps, lang(), content()), "present_gap_chart")
    if the_room.gaps:
        widest = the_room.gaps[0]
        big(tr("projector.gap.widest"), "context")
        big(f"{widest.question_id}  {tx(content().question_index[widest.question_id].text)}", "note")
        big(tr("projector.gap.means", executive=f"{widest.executive:.1f}", frontline=f"{widest.frontline:.1f}"),
            "answer")


def _position(now: OnScreen, kind: str) -> tuple[int, int]:
    same = [s for s in now.screens if s.kind == kind]
    return same.index(now.screen) + 1, len(same)


def answer_bars(now: OnScreen, responses: int, options) -> bool:
    """How the room answered the statement or myth on screen (``options()``: see
    :func:`dxcore.charts_workshop.answer_bars`); False, and says so, while nobody has."""
    if not responses:
        big(tr("workshop.present.no_answers"), "note")
        return False
    chart(now, lambda: wcharts.answer_bars(options(), lang()), "present_answers_chart")
    return True


def statement_screen(now: OnScreen, head) -> None:
    c = content()
    q = c.question_index[now.screen.item]
    i, n = _position(now, present.STATEMENT)
    big(tr("projector.statement.position", i=i, n=n, pattern=wcharts.pattern_label(c, q.pattern, lang())),
        "context", head)
    big(f"{q.id}  {tx(q.text)}", "statement", head)
    if now.agreed:
        agreed = tx(c.unknown) if now.agreed_value is None else \
            f"{now.agreed_value} {tx(c.scale[now.agreed_value - 1].label)}"
        big(tr("projector.statement.agreed", answer=agreed), "answer")
    if hidden(now):
        return
    answers = present.statement_answers(room(now), q.id)
    if answer_bars(now, answers.responses, lambda: wcharts.statement_options(answers, lang(), c)):
        mean = "—" if answers.mean is None else f"{answers.mean:.1f}"
        big(tr("projector.statement.mean", mean=mean, n=answers.responses), "context")


def myth_screen(now: OnScreen, head) -> None:
    c = content()
    myth = next(m for m in c.myths if m.id == now.screen.item)
    i, n = _position(now, present.MYTH)
    big(tr("projector.myth.position", i=i, n=n), "context", head)
    big(f"{myth.id}  {tx(myth.statement)}", "statement", head)
    if hidden(now):
        return
    tally = present.myth_tally(room(now), myth.id)
    if not answer_bars(now, tally.responses, lambda: wcharts.myth_options(tally, lang(), c)):
        return
    answer = tr("workshop.myth.true" if myth.answer else "workshop.myth.false")
    rate = tr("workshop.present.correct_rate", rate=f"{tally.correct_rate:.0f}")
    big(f"{tr('workshop.present.myth_answer', answer=answer)} ・ {rate}", "answer")
    big(tx(myth.explanation), "note")


SCREENS = {present.JOIN: join_screen, present.RISK: risk_screen, present.GAP: gap_screen,
           present.STATEMENT: statement_screen, present.MYTH: myth_screen}


@st.fragment(run_every=REFRESH_S)
def projector(code: str) -> None:
    """The room's screen, read again every few seconds; only this fragment reruns."""
    keys(code)
    try:
        now = prepo.on_screen(engine(), code)
    except DxError as e:
        show_error(e)
        return
    head, side = st.columns([3, 1], vertical_alignment="top")
    corner(now, side)
    with st.container(key=f"present_{now.screen.kind}"):
        SCREENS[now.screen.kind](now, head)
