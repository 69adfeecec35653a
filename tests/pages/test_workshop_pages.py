"""Workshop screens through AppTest: set up and close, a participant's phone,
and the admin password that keeps participants out of everything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bench.stclient import trigger_state
from dxcore import workshop as ws
from dxcore.content import load
from dxcore.store import repo
from dxcore.store import repo_drafts as drafts
from dxcore.store import repo_workshop as wrepo
from tests.pages.apptest import app, texts

ROOT = Path(__file__).resolve().parents[2]
C = load()
PULSE = C.question_ids("pulse")


@pytest.fixture
def org(engine):
    return repo.create_org(engine, "研修市")


def submit(engine, code, role, value, token):
    wrepo.submit(engine, code, token + "-" + "x" * 8, role, {q: value for q in PULSE})


# facilitator: set up, close, export ---------------------------------------------------

def test_create_list_close_into_history(engine, org):
    at = app()
    at.switch_page("pages/workshop.py").run()
    assert "まだありません" in texts(at)
    at.text_input(key="ws_new_title").input("  ")
    at.button[0].click().run()  # the form's submit
    assert "タイトルを入力" in texts(at) and wrepo.list_workshops(engine, org.id) == []
    at.text_input(key="ws_new_title").input("午後の研修")
    at.number_input(key="ws_new_limit").set_value(30)
    at.button[0].click().run()
    assert not at.exception, at.exception
    [made] = wrepo.list_workshops(engine, org.id)
    assert (made.workshop.title, made.workshop.question_set, made.workshop.max_participants) == ("午後の研修",
                                                                                                "pulse", 30)
    assert made.workshop.code in texts(at) and at.dataframe
    code = made.workshop.code
    assert any(f"/?ws={code}" in c.value for c in at.code)

    for i, (role, value) in enumerate([("executive", 5), ("frontline", 2), ("frontline", 1)]):
        submit(engine, code, role, value, f"t{i}")
    at.run()
    labels = [b.label for b in at.get("download_button")]
    assert labels[0] == "Excelをダウンロード" and "回答一覧(CSV)" in labels and "失敗パターン別リスク(CSV)" in labels
    at.button(key="ws_close").click().run()
    assert wrepo.require_workshop(engine, code).is_open  # asks first
    at.button(key="ws_close_yes").click().run()
    assert not at.exception, at.exception
    assert not wrepo.require_workshop(engine, code).is_open
    [saved] = repo.list_diagnoses(engine, org.id)
    assert saved.mode == "workshop" and saved.participants == 3
    assert "3 人分の結果を履歴に保存" in texts(at)
    at.switch_page("pages/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "ワークショップ" in table.to_string()


def test_new_workshop_becomes_the_current_one(engine, org):
    first = wrepo.create_workshop(engine, org.id, "一回目", "pulse")
    at = app()
    at.switch_page("pages/workshop.py").run()
    assert at.selectbox(key="ws_choose-ja").value == first.code
    at.text_input(key="ws_new_title").input("二回目")
    at.radio(key="ws_new_set-ja").set_value("myths")
    at.button[0].click().run()
    second = next(s.workshop for s in wrepo.list_workshops(engine, org.id) if s.workshop.title == "二回目")
    assert second.question_set == "myths" and at.selectbox(key="ws_choose-ja").value == second.code
    assert "履歴には保存しません" in texts(at)


# the projector and the facilitator's view: tests/pages/test_present_pages.py


# a participant's phone ------------------------------------------------------------------
#
# The phone's screen is ONE element (ui.phone_form, a components v2 element): AppTest cannot
# click inside it, but it can read the data the page passed to it and send what the element's
# script sends when a button is pressed (its trigger value, built here as the browser builds
# it: bench.stclient.trigger_state), through the real page flow: the callback, the page run.

def screen(at: AppTest) -> dict:
    """The phone's screen, as the page passed it to its one element."""
    [element] = at.get("bidi_component")
    return json.loads(element.proto.bytes)


def chosen(at: AppTest) -> dict:
    """The answers the phone's screen shows as chosen (statement → value; -1 = 「わからない」)."""
    return {q: v for g in screen(at)["groups"] for q, _, v in g["statements"] if v is not None}


def statements(at: AppTest) -> list[str]:
    return [q for g in screen(at)["groups"] for q, _, _ in g["statements"]]


def press(at: AppTest, action: str, answers: dict | None = None, **fields) -> AppTest:
    """Press a button of the phone's screen: everything the screen shows as chosen, changed by
    ``answers`` and ``fields`` (role, pin, lang), goes in one trigger value, as in
    ui/phone_form.js; ``value`` replaces the whole payload (what a forged client might send)."""
    [element] = at.get("bidi_component")
    shown = screen(at)
    value = fields.pop("value", None)
    if value is None:
        role = shown["role"]["value"] if shown.get("role") else None
        value = {"action": action, "lang": None, "page": shown["page"], "role": role,
                 "pin": shown["pin"]["value"] if shown.get("pin") else None,
                 "answers": {**chosen(at), **(answers or {})} if shown["mode"] == "form" else {}} | fields
    states = at._tree.get_widget_states()  # what the browser sends: the other widgets' states, and the press
    states.widgets.append(trigger_state(element.proto.id, "send", value))
    at._run(states)
    assert not at.exception, at.exception
    return at


def problem(at: AppTest) -> str:
    shown = screen(at)["problem"]
    return f"{shown['field']}: {shown['text']}" if shown else ""


def test_participant_joins_and_answers_in_one_tap_and_answering_again_replaces(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    shown = screen(at)
    assert (shown["title"], shown["subtitle"]) == ("ワークショップに参加", "午後の研修")
    assert not at.sidebar.selectbox  # no organisation list, no sidebar
    assert not at.radio and not at.button and len(at.get("bidi_component")) == 1  # the page is one element
    assert shown["role"]["value"] is None and statements(at) == list(PULSE) and chosen(at) == {}
    assert [label for _, label in shown["options"]][-1] == "わからない" and shown["buttons"][-1]["action"] == "send"
    press(at, "send", {q: 4 for q in PULSE} | {PULSE[0]: -1})  # no role yet: nothing stored, nothing lost
    assert problem(at).startswith("role: あなたの立場を選んで") and wrepo.counts(engine, w.id).joined == 0
    assert chosen(at) == {q: 4 for q in PULSE} | {PULSE[0]: -1} and "p" not in at.query_params
    press(at, "send", role="frontline")  # role and answers: one tap, one rerun
    assert screen(at)["mode"] == "thanks" and screen(at)["thanks"]["message"] == "回答を受け付けました。ご協力ありがとうございます。"
    assert screen(at)["thanks"]["count"] == "送信した回答: 7 問(「わからない」を含む)"
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=1, answered=1)
    [mine] = wrepo.responses(engine, w.id)
    assert mine.role == "frontline" and mine.answers[PULSE[0]] is None and mine.answers[PULSE[1]] == 4
    assert ws.is_token(at.query_params["p"])  # a reload is still this phone
    press(at, "change")
    assert chosen(at)[PULSE[1]] == 4 and screen(at)["role"]["value"] == "frontline"
    press(at, "send", {PULSE[1]: 1}, role="executive")
    [mine] = wrepo.responses(engine, w.id)  # still one participant, new answers and role
    assert mine.answers[PULSE[1]] == 1 and mine.role == "executive" and wrepo.counts(engine, w.id).answered == 1


def test_a_reloaded_phone_is_the_same_participant_with_its_answers(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    assert "p" not in at.query_params  # nobody yet
    press(at, "send", {q: 2 for q in PULSE} | {PULSE[0]: -1}, role="executive")
    assert screen(at)["mode"] == "thanks"
    mine = at.query_params["p"]

    reloaded = app(ws=w.code, p=mine)  # a new session on the same URL
    assert screen(reloaded)["mode"] == "thanks" and wrepo.counts(engine, w.id).joined == 1
    press(reloaded, "change")
    assert chosen(reloaded)[PULSE[1]] == 2 and chosen(reloaded)[PULSE[0]] == -1  # what was sent, to change
    assert screen(reloaded)["role"]["value"] == "executive"  # the role it joined as
    press(reloaded, "send", {PULSE[1]: 5})
    [only] = wrepo.responses(engine, w.id)
    assert only.answers[PULSE[1]] == 5 and only.role == "executive"

    stranger = app(ws=w.code, p="not a token; drop table")  # anything else is a new participant
    assert screen(stranger)["role"]["value"] is None and wrepo.counts(engine, w.id).joined == 1
    press(stranger, "send", {PULSE[2]: 3}, role="frontline")
    assert stranger.query_params["p"] != mine and wrepo.counts(engine, w.id).joined == 2


FULL_PAGES = ws.pages("full", C)


def test_the_full_set_comes_in_a_few_pages_kept_as_a_draft_until_sent(engine, org):
    w = wrepo.create_workshop(engine, org.id, "フル診断の研修", "full")
    assert 2 <= len(FULL_PAGES) <= ws.MAX_PAGES and sum(map(len, FULL_PAGES)) == len(C.question_ids("full"))
    at = app(ws=w.code)
    assert statements(at) == list(FULL_PAGES[0]) and screen(at)["role"] is not None
    assert screen(at)["progress"]["text"].startswith("1 / 3 ページ") and screen(at)["groups"][0]["heading"].startswith("P1 ")
    assert [b["action"] for b in screen(at)["buttons"]] == ["next"]
    press(at, "next", {q: 2 for q in FULL_PAGES[0]}, role="frontline")
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=1, answered=0)  # joined, nothing counts yet
    token = at.query_params["p"]
    assert drafts.load(engine, "workshop", token)["answers"] == {q: 2 for q in FULL_PAGES[0]}
    assert statements(at) == list(FULL_PAGES[1]) and screen(at)["role"] is None
    assert [b["action"] for b in screen(at)["buttons"]] == ["back", "next"]
    press(at, "next", {q: 4 for q in FULL_PAGES[1][:3]})

    # the phone reloads (or lost its connection): it comes back to page 3 with everything kept
    back = app(ws=w.code, p=token)
    assert screen(back)["notice"] == "途中まで選んだ回答を戻しました。続きから答えてください。"
    assert screen(back)["progress"]["text"].startswith("3 / 3 ページ")
    press(back, "back")
    assert screen(back)["notice"] is None  # said once
    assert chosen(back) == {q: 4 for q in FULL_PAGES[1][:3]}
    press(back, "next")
    press(back, "send", {FULL_PAGES[2][0]: -1})
    assert screen(back)["mode"] == "thanks"
    [mine] = wrepo.responses(engine, w.id)
    expected = {q: 2 for q in FULL_PAGES[0]} | {q: 4 for q in FULL_PAGES[1][:3]} | {FULL_PAGES[2][0]: None}
    assert mine.answers == expected and mine.role == "frontline"
    assert drafts.load(engine, "workshop", token) is None  # sent: the draft is gone


def test_participant_switches_to_english_and_keeps_what_was_chosen(engine, org):
    w = wrepo.create_workshop(engine, org.id, "Quiz", "myths")
    at = app(ws=w.code)
    assert screen(at)["lang"]["current"] == "ja" and ["en", "English"] in screen(at)["lang"]["options"]
    press(at, "lang", {"M1": 0}, role="executive", lang="en")  # unsent choices go along, nothing is stored
    assert screen(at)["title"] == "Join the workshop" and at.query_params["lang"] == "en"
    assert chosen(at) == {"M1": 0} and screen(at)["role"]["value"] == "executive"
    assert "p" not in at.query_params and wrepo.counts(engine, w.id).joined == 0
    assert statements(at) == list(ws.statement_ids("myths", C, w.code))  # the workshop's own order
    assert [label for _, label in screen(at)["options"]] == ["○ True", "× False", "Don't know"]
    press(at, "send", {"M2": 1})
    assert screen(at)["thanks"]["message"] == "Your answers are in. Thank you!"
    assert wrepo.responses(engine, w.id)[0].answers == {"M1": 0, "M2": 1}
    press(at, "lang", lang="ja")  # on the thanks screen too
    assert screen(at)["mode"] == "thanks" and "lang" not in at.query_params
    press(at, "lang", lang="xx")  # no such language: nothing changes
    assert screen(at)["lang"]["current"] == "ja"


def test_what_a_phone_never_sends_changes_nothing(engine, org):
    """Nothing a client sends is trusted: no option, another page's statement, a stale page, a
    button the page does not have, a payload of the wrong shape."""
    w = wrepo.create_workshop(engine, org.id, "研修", "full")
    at = app(ws=w.code)
    first, later = FULL_PAGES[0], FULL_PAGES[1]
    for value in (None, [], "send", 3, {"action": "send"}, {"action": "next", "page": "0"},
                  {"action": "next", "page": 1, "role": "frontline"},  # a page not on screen
                  {"action": "send", "page": 0, "role": "frontline"},  # page 1 has no 「送信」
                  {"action": "back", "page": 0, "role": "frontline"},
                  {"action": "explode", "page": 0, "role": "frontline"}):
        press(at, "", value=value)
        assert wrepo.counts(engine, w.id).joined == 0 and statements(at) == list(first), value
    press(at, "next", value={"action": "next", "page": 0, "role": "<script>alert(1)</script>", "pin": ["x"],
                             "answers": {first[0]: 3, first[1]: 99, first[2]: True, first[3]: "4", later[0]: 5,
                                         "Q999": 1}})
    assert problem(at).startswith("role: ") and chosen(at) == {first[0]: 3}  # only the real choice stays
    press(at, "next", value={"action": "next", "page": 0, "role": "frontline", "answers": "all of them"})
    assert statements(at) == list(later) and chosen(at) == {}
    assert drafts.load(engine, "workshop", at.query_params["p"])["answers"] == {first[0]: 3}


def test_the_facilitator_stops_new_joins_and_asks_for_a_pin(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    inside = app(ws=w.code)
    assert screen(inside)["pin"] is None
    press(inside, "send", {PULSE[0]: 2}, role="frontline")

    w = wrepo.set_pin(engine, w.code, True)
    assert w.pin is not None and len(w.pin) == ws.PIN_LENGTH and w.pin.isdigit()
    late = app(ws=w.code)
    assert screen(late)["pin"] == {"label": "ルームPIN(スクリーンの隅の4桁の数字)", "value": "", "max": 16}
    press(late, "send", {PULSE[0]: 5}, role="executive")
    assert problem(late).startswith("pin: ルームPINを入力") and wrepo.counts(engine, w.id).joined == 1
    press(late, "send", pin="0000" if w.pin != "0000" else "1111")
    assert problem(late).startswith("pin: ルームPINが違います") and wrepo.counts(engine, w.id).joined == 1
    assert chosen(late) == {PULSE[0]: 5} and screen(late)["pin"]["value"] in ("0000", "1111")  # kept, to correct
    press(late, "send", pin=w.pin.translate(str.maketrans("0123456789", "０１２３４５６７８９")))  # 全角 digits are fine
    assert screen(late)["mode"] == "thanks" and wrepo.counts(engine, w.id).joined == 2

    wrepo.set_joins_open(engine, w.code, False)
    stranger = app(ws=w.code)
    assert "締め切りました" in texts(stranger) and not stranger.get("bidi_component")
    assert [r.key for r in stranger.radio] == ["lang"]  # the language, as on every screen
    press(inside, "change")  # those already in may still change their answers
    assert screen(inside)["pin"] is None
    press(inside, "send", {PULSE[0]: 1})
    assert screen(inside)["mode"] == "thanks" and wrepo.counts(engine, w.id).joined == 2


def test_the_setup_page_holds_the_door(engine, org, monkeypatch):
    monkeypatch.setenv("DX_JOIN_LIMIT", "40/60")
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app()
    at.switch_page("pages/workshop.py").run()
    assert at.toggle(key=f"ws_door_joins_open_{w.code}").value is True
    assert at.toggle(key=f"ws_door_pin_{w.code}").value is False
    assert "40 人 / 60 秒" in texts(at)
    at.toggle(key=f"ws_door_joins_open_{w.code}").set_value(False).run()
    assert not wrepo.require_workshop(engine, w.code).joins_open and "締め切っています" in texts(at)
    at.toggle(key=f"ws_door_pin_{w.code}").set_value(True).run()
    pin = wrepo.require_workshop(engine, w.code).pin
    assert pin and f"ルームPIN: {pin}" in texts(at)
    at.toggle(key=f"ws_door_pin_{w.code}").set_value(False).run()
    at.toggle(key=f"ws_door_joins_open_{w.code}").set_value(True).run()
    w = wrepo.require_workshop(engine, w.code)
    assert w.pin is None and w.joins_open
    wrepo.close(engine, w.code)
    at.run()
    assert not at.toggle  # a closed workshop has no door to hold




def test_joins_per_address_are_limited_and_nothing_chosen_is_lost(engine, org, monkeypatch):
    from ui import workshop as ui_workshop

    monkeypatch.setenv("DX_JOIN_LIMIT", "2/3600")
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    address = {"now": "10.0.0.7"}
    monkeypatch.setattr(ui_workshop, "client_address", lambda: address["now"])

    def phone() -> AppTest:
        return press(app(ws=w.code), "send", {PULSE[0]: 3}, role="frontline")

    for _ in range(2):
        assert screen(phone())["mode"] == "thanks"
    third = phone()
    assert problem(third).startswith("send: ") and "待ってから" in problem(third)
    assert wrepo.counts(engine, w.id).joined == 2 and chosen(third) == {PULSE[0]: 3}  # still chosen
    address["now"] = "10.0.0.8"  # another phone's address is not held back
    assert screen(phone())["mode"] == "thanks" and wrepo.counts(engine, w.id).joined == 3


def test_a_bad_join_limit_setting_is_explained(engine, org, monkeypatch):
    monkeypatch.setenv("DX_JOIN_LIMIT", "lots")
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = press(app(ws=w.code), "send", {PULSE[0]: 3}, role="frontline")
    assert "「lots」" in problem(at) and "30/60" in problem(at)
    assert wrepo.counts(engine, w.id).joined == 0


def test_a_made_up_code_in_the_link_is_quoted_as_typed(engine, org):
    at = app(ws="[x](http://example.com) ![i](http://example.com/i.png)")
    [error] = at.error
    assert "\\[x\\]\\(http" in error.value and "\\!\\[i\\]" in error.value  # no link, no image


def test_a_workshop_title_is_shown_as_typed(engine, org):
    title = "# 見出し [link](http://example.com) ![x](http://example.com/x.png) <b>太字</b>"
    w = wrepo.create_workshop(engine, org.id, title, "pulse")
    at = app(ws=w.code)
    assert screen(at)["subtitle"] == title  # data: the form's script sets it as text, never as HTML
    wrepo.set_joins_open(engine, w.code, False)
    closed = app(ws=w.code)  # said by Streamlit's Markdown: escaped
    [heading] = [m.value for m in closed.markdown if "見出し" in m.value]
    assert heading.startswith("## ") and "\\[link\\]" in heading and "\\!\\[x\\]" in heading


def test_participant_types_the_code(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app()
    at.switch_page("pages/join.py").run()
    at.text_input(key="ws_typed_code").input("ZZZ999")
    at.button[0].click().run()
    assert "見つかりません" in texts(at)
    at.text_input(key="ws_typed_code").input(w.code.lower())
    at.button[0].click().run()
    assert at.query_params["ws"] == w.code and screen(at)["subtitle"] == "研修" and screen(at)["role"]


@pytest.mark.parametrize("closed", [False, True])
def test_unknown_or_closed_code_gets_a_clear_message(engine, org, closed):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    if closed:
        wrepo.close(engine, w.code)
    at = app(ws=w.code if closed else "QQQ777")
    assert ("終了しているため" if closed else "見つかりません") in at.error[0].value
    assert [r.key for r in at.radio] == ["lang"]  # nothing to answer
    at.button(key="ws_other_code").click().run()
    assert not at.exception, at.exception
    assert "ws" not in at.query_params and at.text_input(key="ws_typed_code").value == ""


def test_a_participant_link_registers_the_join_page_alone(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app(ws=w.code)
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*join.py', '[^']*join.py'\]"):
        at.switch_page("pages/workshop.py")


# the admin password -------------------------------------------------------------------

def test_admin_password_guards_everything_but_joining(engine, org, monkeypatch):
    monkeypatch.setenv("DX_ADMIN_PASSWORD", "s3cret-パス")
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app()
    assert at.title[0].value == "管理者のパスワード" and "研修市" not in texts(at)
    assert not at.sidebar.selectbox
    for page in ("pages/workshop.py", "pages/present.py"):
        at.switch_page(page).run()
        assert at.title[0].value == "管理者のパスワード", page
    at.text_input(key="admin_password_input").input("wrong")
    at.button[0].click().run()
    assert "パスワードが違います" in texts(at) and at.title[0].value == "管理者のパスワード"
    at.text_input(key="admin_password_input").input("s3cret-パス")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert w.code in texts(at) and "管理者のパスワード" not in texts(at)  # the projector it asked for
    at.switch_page("pages/workshop.py").run()
    assert at.title[0].value == "ワークショップ"

    phone = app(ws=w.code)  # a participant needs no password
    assert screen(phone)["title"] == "ワークショップに参加" and screen(phone)["role"]
    typed = app()
    typed.switch_page("pages/join.py").run()
    assert typed.title[0].value == "ワークショップに参加"


def test_admin_password_from_secrets(engine, org, tmp_path, monkeypatch):
    from ui import gate

    monkeypatch.delenv("DX_ADMIN_PASSWORD", raising=False)

    class Secrets:
        def load_if_toml_exists(self):
            return True

        def get(self, key, default=None):
            return {"DX_ADMIN_PASSWORD": "from-secrets"}.get(key, default)

    monkeypatch.setattr(gate.st, "secrets", Secrets())
    assert gate.admin_password() == "from-secrets"
    monkeypatch.setenv("DX_ADMIN_PASSWORD", "from-env")
    assert gate.admin_password() == "from-env"
