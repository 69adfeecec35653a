"""Streamlit helpers of the workshop pages: the participant's token, progress, pages and page
look, the join link as the phones will see it, the facilitator's choice of workshop.  The
projector's own pieces are in ``ui.present``."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.i18n import pick, t
from dxcore.store import database_url
from dxcore.store import repo_drafts as drafts
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, lang, show_error, tr, wkey

TOKEN_KEY = "ws_token"  # one random token per browser session: answering again replaces
CURRENT = "ws_current"  # the workshop the facilitator is working with
PIN_KEY = "ws_pin"
DRAFT_KIND = "workshop"  # a participant's draft is kept under their own token (``&p=``)
UNKNOWN = -1  # the 「わからない」 option of a statement; stored as None
READ_AGAIN_S = 2.0  # a phone's page may show the workshop as this process read it this long ago

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


def participant(w: wrepo.WorkshopRecord) -> dict:
    """The participant's progress in workshop ``w``, kept in the session: role, answers chosen
    so far (None = 「わからない」), the page on screen, joined, sent, and what went wrong last.

    A new session (a reload, a lost connection) whose URL names this phone (``&p=``) starts
    from its server-side draft (the pages sent with 「次へ」), else from what it last sent;
    a phone without one asks the database nothing.
    """
    key = f"ws_p_{w.code}"
    if key not in st.session_state:
        me = {"role": None, "answers": {}, "page": 0, "joined": False, "sent": False, "draft": False,
              "problem": None, "resumed": False}
        if ws.is_token(st.query_params.get(ws.TOKEN_PARAM)):
            _resume(me, w)
        st.session_state[key] = me
    return st.session_state[key]


def _resume(me: dict, w: wrepo.WorkshopRecord) -> None:
    token, c = participant_token(), content()
    draft = drafts.load(engine(), DRAFT_KIND, token)
    if draft is not None and draft.get("code") == w.code:
        answers = draft.get("answers") if isinstance(draft.get("answers"), dict) else {}
        pages = len(ws.pages(w.question_set, c, w.code))
        page = draft.get("page")
        me.update(role=draft.get("role") if draft.get("role") in c.role_index else None,
                  answers=ws.answers_from_choices(w.question_set, {q: UNKNOWN if v is None else v
                                                                   for q, v in answers.items()}, UNKNOWN, c),
                  page=min(max(page, 0), pages - 1) if type(page) is int else 0,
                  joined=bool(draft.get("joined")), draft=True, resumed=True)
        return
    back = wrepo.returning(engine(), w.code, token)
    if back is not None:
        me.update(role=back.role, joined=True, sent=back.answered, answers=dict(back.answers))


@dataclass(frozen=True)
class PhoneTexts:
    """What a phone shows of a set, in one language: made once per process (content is fixed)."""
    intro: str
    labels: dict  # option value → label (UNKNOWN = 「わからない」)
    statements: dict  # statement id → text
    roles: dict  # role id → name
    patterns: dict  # pattern id → 「P1 title」


@functools.cache
def phone_texts(question_set: str, lang_code: str) -> PhoneTexts:
    c = content()

    def say(key: str) -> str:
        return t(key, lang_code)

    if question_set == ws.MYTHS:
        intro = say("workshop.join.myths_intro")
        labels = {ws.TRUE: say("workshop.myth.true"), ws.FALSE: say("workshop.myth.false")}
        statements = {m.id: pick(m.statement, lang_code) for m in c.myths}
    else:
        intro = say("workshop.join.intro")
        labels = {o.value: f"{o.value} {pick(o.label, lang_code)}" for o in c.scale}
        statements = {q.id: pick(q.text, lang_code) for q in c.questions_of(question_set)}
    return PhoneTexts(intro, labels | {UNKNOWN: pick(c.unknown, lang_code)}, statements,
                      {r.id: pick(r.name, lang_code) for r in c.roles},
                      {p.id: t("room.join.pattern", lang_code, id=p.id, title=pick(p.title, lang_code))
                       for p in c.patterns})


def choice_keys(ids) -> dict[str, str]:
    """The widget keys of these statements' radios (per language, see :func:`ui.common.wkey`)."""
    suffix = wkey("")  # the session's language is read once, not once per statement
    return {qid: f"wsq_{qid}{suffix}" for qid in ids}


def role_key() -> str:
    return wkey("ws_role")


def prefill(key: str, value) -> None:
    """Show ``value`` in the widget ``key`` when it has none of its own yet (a page shown again,
    a language switch, a resumed draft).  The widget is then made without a default."""
    if value is not None and key not in st.session_state:
        st.session_state[key] = value


def client_address() -> str | None:
    """The participant's network address as the server saw it (None: this computer).

    Streamlit's server (uvicorn) trusts ``X-Forwarded-For`` only from a proxy on this machine
    (``FORWARDED_ALLOW_IPS``, default 127.0.0.1), which is how ``deploy/workers.py``'s nginx
    passes the phone's address; a phone cannot make itself look like another by sending it.
    """
    return st.context.ip_address


@st.cache_resource(show_spinner=False)
def _limiter(database: str, limit: int, window: float) -> ws.JoinLimiter:
    return ws.JoinLimiter(limit, window)


def join_limiter() -> ws.JoinLimiter:
    """This server process's count of new participants per address (per database, per setting)."""
    return _limiter(database_url(), *ws.join_limit_from_env())


def send_page(w: wrepo.WorkshopRecord, ids: tuple[str, ...], first: bool, last: bool, back: bool = False) -> None:
    """A page's 「次へ」/「前へ」/「回答を送信する」 (a form's callback: runs before the page is drawn).

    Keeps the page's choices; 「次へ」 joins the workshop (the first time) and keeps everything as
    a draft on the server; the last page sends all answers at once (replacing earlier ones)
    and forgets the draft.  Nothing a client sent is trusted: values that are no option are
    left out.  A refusal is kept in ``problem`` and nothing chosen is lost.
    """
    me = participant(w)
    c = content()
    me["problem"] = None
    me["answers"].update(ws.answers_from_choices(
        w.question_set, {q: st.session_state.get(key) for q, key in choice_keys(ids).items()}, UNKNOWN, c))
    if first:
        role = st.session_state.get(role_key())
        if isinstance(role, str) and role in c.role_index:
            me["role"] = role
    try:
        if back:
            me["page"] = max(0, me["page"] - 1)
            _keep_draft(w, me)
            return
        if me["role"] is None:
            raise DxError("workshop.join.need_role")
        if last and not me["answers"]:
            raise DxError("workshop.join.need_answers")
        admission = None
        if not me["joined"]:
            admission = wrepo.Admission(pin=st.session_state.get(PIN_KEY))
            address = client_address()
            if not join_limiter().allow(address):
                raise DxError("room.join.rate_limited", seconds=join_limiter().retry_after(address))
        if last:
            wrepo.submit(engine(), w.code, participant_token(), me["role"], me["answers"], admission)
            me.update(joined=True, sent=True)
            if me["draft"]:
                drafts.discard(engine(), DRAFT_KIND, participant_token())
                me["draft"] = False
        else:
            if not me["joined"]:
                wrepo.join(engine(), w.code, participant_token(), me["role"], admission)
                me["joined"] = True
            me["page"] += 1
            _keep_draft(w, me)
        keep_token_in_url()  # a reload is still this participant
    except DxError as e:
        me["problem"] = e


def _keep_draft(w: wrepo.WorkshopRecord, me: dict) -> None:
    if me["joined"]:
        drafts.save(engine(), DRAFT_KIND, participant_token(), {
            "code": w.code, "role": me["role"], "answers": me["answers"], "page": me["page"], "joined": True})
        me["draft"] = True


def change_answers(w: wrepo.WorkshopRecord) -> None:
    """From the thanks screen back to the first page, showing what was sent."""
    me = participant(w)
    me.update(sent=False, page=0, problem=None, resumed=False)


DOOR_PROBLEM = "ws_door_problem"


def door_toggle(w: wrepo.WorkshopRecord, which: str, label: str, help: str) -> None:
    """The facilitator's switch for the room's door: ``joins_open`` or ``pin`` (as stored now)."""
    key = f"ws_door_{which}_{w.code}"
    st.session_state[key] = w.joins_open if which == "joins_open" else w.pin is not None
    st.toggle(label, key=key, help=help, on_change=_door_changed, args=(w.code, which, key))


def _door_changed(code: str, which: str, key: str) -> None:
    try:
        if which == "joins_open":
            wrepo.set_joins_open(engine(), code, st.session_state[key])
        else:
            wrepo.set_pin(engine(), code, st.session_state[key])
    except DxError as e:
        st.session_state[DOOR_PROBLEM] = e


def show_door_problem() -> None:
    problem = st.session_state.pop(DOOR_PROBLEM, None)
    if problem is not None:
        show_error(problem)


def join_limit_text() -> str:
    """The join limit in force, in a sentence (or what is wrong with DX_JOIN_LIMIT)."""
    try:
        limit, window = ws.join_limit_from_env()
    except DxError as e:
        return e.message(lang())
    return tr("room.admin.limits", limit=limit, seconds=f"{window:g}") if limit else tr("room.admin.no_limit")


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
