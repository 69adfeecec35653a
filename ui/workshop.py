"""Streamlit helpers of the workshop pages: the participant's token, progress, pages and page
look, the join link as the phones will see it, the facilitator's choice of workshop.  The
projector's own pieces are in ``ui.present``."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.i18n import LANGS, pick, t
from dxcore.store import database_url
from dxcore.store import repo_drafts as drafts
from dxcore.store import repo_workshop as wrepo
from ui.common import LANG_KEY, content, engine, keep_in_url, lang, show_error, tr, wkey
from ui.phone_form import pressed

TOKEN_KEY = "ws_token"  # one random token per browser session: answering again replaces
CURRENT = "ws_current"  # the workshop the facilitator is working with
PIN_MAX = 16  # characters of a typed room PIN kept (the PIN itself is ws.PIN_LENGTH digits)
DRAFT_KIND = "workshop"  # a participant's draft is kept under their own token (``&p=``)
UNKNOWN = -1  # the 「わからない」 option of a statement; stored as None
UNCHOSEN = object()
READ_AGAIN_S = 2.0  # a phone's page may show the workshop as this process read it this long ago

PARTICIPANT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 44rem; padding-left: 1rem; padding-right: 1rem; }
.stButton button, .stFormSubmitButton button { min-height: 3.2rem; font-size: 1.15rem; }
</style>
"""  # the statements' own look is the form's (ui/phone_form.css)


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
    token = participant_token()
    if st.query_params.get(ws.TOKEN_PARAM) != token:  # each change is a message to the browser
        st.query_params[ws.TOKEN_PARAM] = token


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
              "problem": None, "resumed": False, "pin": "", "turn": 0}
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


def client_address() -> str | None:
    """The participant's network address as the server saw it (None: this computer).

    Streamlit's server (uvicorn) trusts ``X-Forwarded-For`` only from a proxy on this machine
    (``FORWARDED_ALLOW_IPS``, default 127.0.0.1), which is how ``deploy/workers.py``'s nginx
    passes the phone's address; a phone cannot make itself look like another by sending it.
    """
    return st.context.ip_address


@functools.cache  # one per process, database and setting (st.cache_resource costs more per call)
def _limiter(database: str, limit: int, window: float) -> ws.JoinLimiter:
    return ws.JoinLimiter(limit, window)


def join_limiter() -> ws.JoinLimiter:
    """This server process's count of new participants per address (per database, per setting)."""
    return _limiter(database_url(), *ws.join_limit_from_env())


def take_form(w: wrepo.WorkshopRecord, ids: tuple[str, ...], page: int, last: bool) -> None:
    """The form's callback (``ui.phone_form``): a button was pressed on page ``page`` (whose
    statements are ``ids``; -1: the thanks screen).  Runs before the page is drawn again."""
    take_press(w, ids, page, last, pressed())


def take_press(w: wrepo.WorkshopRecord, ids: tuple[str, ...], page: int, last: bool, payload: object) -> None:
    """What a press of the phone's form means, as 「次へ」/「前へ」/「回答を送信する」 did in a form of
    radios: the page's choices are kept; 「次へ」 joins the workshop (the first time) and keeps
    everything as a draft on the server; the last page sends all answers at once (replacing
    earlier ones) and forgets the draft; 「回答を修正する」 goes back to the first page; a language
    switch keeps the choices and changes nothing stored.

    Nothing a phone sent is trusted: a value that is no option, a statement of another page,
    a role that does not exist are left out; a press for a page no longer on screen, or a
    button this page does not have, changes nothing.  A refusal is kept in ``problem`` and
    nothing chosen is lost.
    """
    me = participant(w)
    me["turn"] += 1  # the form is drawn again, whatever happens: its buttons are free again
    if not isinstance(payload, dict):
        return
    action, on_page = payload.get("action"), payload.get("page") == page and type(payload.get("page")) is int
    if action == "lang":
        if on_page and not me["sent"]:
            _keep_choices(w, me, ids, page == 0, payload)
        switch_language(payload.get("lang"))
        return
    if action == "change":
        if me["sent"]:
            change_answers(w)
        return
    first = page == 0
    if me["sent"] or not on_page or action not in ((("send",) if last else ("next",)) + (() if first else ("back",))):
        return
    _keep_choices(w, me, ids, first, payload)
    me["problem"] = None
    try:
        db, token = engine(), participant_token()
        if action == "back":
            me["page"] = max(0, me["page"] - 1)
            _keep_draft(db, w, me)
            return
        if me["role"] is None:
            raise DxError("workshop.join.need_role")
        if last and not me["answers"]:
            raise DxError("workshop.join.need_answers")
        admission = None
        if not me["joined"]:
            admission = wrepo.Admission(pin=me["pin"])
            address = client_address()
            if not join_limiter().allow(address):
                raise DxError("room.join.rate_limited", seconds=join_limiter().retry_after(address))
        if last:
            wrepo.submit(db, w.code, token, me["role"], me["answers"], admission)
            me.update(joined=True, sent=True)
            if me["draft"]:
                drafts.discard(db, DRAFT_KIND, token)
                me["draft"] = False
        else:
            if not me["joined"]:
                wrepo.join(db, w.code, token, me["role"], admission)
                me["joined"] = True
            me["page"] += 1
            _keep_draft(db, w, me)
        keep_token_in_url()  # a reload is still this participant
    except DxError as e:
        me["problem"] = e


def _keep_choices(w: wrepo.WorkshopRecord, me: dict, ids: tuple[str, ...], first: bool, payload: dict) -> None:
    """The choices a press brought, as far as they are options of this page (the rest is left out)."""
    answers = payload.get("answers")
    if isinstance(answers, dict):
        on_page = set(ids)
        me["answers"].update(ws.answers_from_choices(
            w.question_set, {q: v for q, v in answers.items() if q in on_page}, UNKNOWN, content()))
    if first:
        role = payload.get("role")
        if isinstance(role, str) and role in content().role_index:
            me["role"] = role
        pin = payload.get("pin")
        if isinstance(pin, str) and not me["joined"]:
            me["pin"] = pin[:PIN_MAX]


def switch_language(code: object) -> None:
    """The phone's language switch: the session's language and the URL's (a reload keeps it)."""
    if code in LANGS:
        st.session_state[LANG_KEY] = code
        keep_in_url(None)


def _keep_draft(db, w: wrepo.WorkshopRecord, me: dict) -> None:
    if me["joined"]:
        drafts.save(db, DRAFT_KIND, participant_token(), {
            "code": w.code, "role": me["role"], "answers": me["answers"], "page": me["page"], "joined": True})
        me["draft"] = True


def change_answers(w: wrepo.WorkshopRecord) -> None:
    """From the thanks screen back to the first page, showing what was sent."""
    me = participant(w)
    me.update(sent=False, page=0, problem=None, resumed=False)


def _screen(w: wrepo.WorkshopRecord, me: dict, mode: str, page: int) -> dict:
    """What every screen of the phone's form has: the headings and the language switch."""
    notice = tr("room.join.resumed") if me["resumed"] else None
    me["resumed"] = False  # said once, on the first screen after a reload
    problem = me["problem"]
    return {
        "mode": mode, "turn": me["turn"], "page": page, "keep": w.code,  # the tab keeps unsent choices per room
        "lang": {"label": t("sidebar.language", lang()), "current": lang(),
                 "options": [[code, t(f"lang.{code}", code)] for code in LANGS]},
        "title": tr("workshop.join.title"), "subtitle": w.title, "notice": notice,
        "problem": None if problem is None else {"text": problem.message(lang()),
                                                 "field": PROBLEM_FIELDS.get(problem.key, "send")},
    }


PROBLEM_FIELDS = {"workshop.join.need_role": "role", "room.error.need_pin": "pin", "room.error.wrong_pin": "pin"}


def form_page(w: wrepo.WorkshopRecord, me: dict, pages: list[tuple[str, ...]], k: int) -> dict:
    """The phone's screen for page ``k`` of the statements (see ``ui/phone_form.js``), in the
    session's language, with what this phone has chosen so far."""
    c, say = content(), phone_texts(w.question_set, lang())
    ids, first, last = pages[k], k == 0, k == len(pages) - 1
    total = sum(len(p) for p in pages)
    number = sum(len(p) for p in pages[:k])
    groups: list[dict] = []
    pattern = None
    for qid in ids:
        number += 1
        if len(pages) > 1 and c.question_index[qid].pattern != pattern:
            pattern = c.question_index[qid].pattern
            groups.append({"heading": say.patterns[pattern], "statements": []})
        elif not groups:
            groups.append({"heading": None, "statements": []})
        value = me["answers"].get(qid, UNCHOSEN)
        groups[-1]["statements"].append([qid, f"{number}. {say.statements[qid]}",
                                         None if value is UNCHOSEN else UNKNOWN if value is None else value])
    buttons = [] if first else [{"action": "back", "label": tr("room.join.back"), "primary": False}]
    buttons.append({"action": "send" if last else "next",
                    "label": tr("workshop.join.submit" if last else "room.join.next"), "primary": True})
    done = len(me["answers"])
    return _screen(w, me, "form", k) | {
        "progress": {"value": done, "max": total, "hint": tr("room.join.page_hint"),
                     "text": tr("room.join.page", page=k + 1, pages=len(pages), done=done, total=total)}
        if len(pages) > 1 else None,
        "role": {"legend": tr("workshop.join.role"), "hint": tr("room.join.role_hint"),
                 "options": list(say.roles.items()), "value": me["role"]} if first else None,
        "pin": {"label": tr("room.join.pin", n=ws.PIN_LENGTH), "value": me["pin"], "max": PIN_MAX}
        if first and w.pin and not me["joined"] else None,
        "intro": [say.intro] if len(pages) > 1 else [say.intro, tr("room.join.one_page", total=total)],
        "options": list(say.labels.items()),
        "groups": groups,
        "buttons": buttons,
    }


def form_thanks(w: wrepo.WorkshopRecord, me: dict) -> dict:
    """The phone's screen once its answers are in: thanks, how many, and 「回答を修正する」."""
    return _screen(w, me, "thanks", -1) | {
        "thanks": {"message": tr("workshop.join.thanks"), "count": tr("room.join.sent_count", n=len(me["answers"])),
                   "look": tr("workshop.join.look_at_screen")},
        "buttons": [{"action": "change", "label": tr("workshop.join.change"), "primary": False}],
    }


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
