"""Workshop screens through AppTest: set up and close, a participant's phone,
and the admin password that keeps participants out of everything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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

def choose(at: AppTest, values: dict, lang: str = "ja") -> None:
    """Choose answers on the phone's current page (no rerun: the page is a form)."""
    for q, v in values.items():
        at.radio(key=f"wsq_{q}-{lang}").set_value(v)


def test_participant_joins_and_answers_in_one_tap_and_answering_again_replaces(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    assert at.title[0].value == "ワークショップに参加" and "午後の研修" in texts(at)
    assert not at.sidebar.selectbox  # no organisation list, no sidebar
    assert at.radio(key="ws_role-ja").value is None and len(at.radio) == 1 + 1 + len(PULSE)  # language, role
    choose(at, {q: 4 for q in PULSE} | {PULSE[0]: -1})  # わからない
    at.button(key="ws_submit").click().run()  # no role yet: nothing is stored, nothing chosen is lost
    assert "立場を選んで" in texts(at) and wrepo.counts(engine, w.id).joined == 0
    assert at.radio(key=f"wsq_{PULSE[1]}-ja").value == 4 and "p" not in at.query_params
    at.radio(key="ws_role-ja").set_value("frontline")
    at.button(key="ws_submit").click().run()  # role and answers: one tap, one rerun
    assert not at.exception, at.exception
    assert "回答を受け付けました" in texts(at) and "送信した回答: 7 問" in texts(at)
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=1, answered=1)
    [mine] = wrepo.responses(engine, w.id)
    assert mine.role == "frontline" and mine.answers[PULSE[0]] is None and mine.answers[PULSE[1]] == 4
    assert ws.is_token(at.query_params["p"])  # a reload is still this phone
    at.button(key="ws_change").click().run()
    assert at.radio(key=f"wsq_{PULSE[1]}-ja").value == 4 and at.radio(key="ws_role-ja").value == "frontline"
    at.radio(key=f"wsq_{PULSE[1]}-ja").set_value(1)
    at.radio(key="ws_role-ja").set_value("executive")
    at.button(key="ws_submit").click().run()
    [mine] = wrepo.responses(engine, w.id)  # still one participant, new answers and role
    assert mine.answers[PULSE[1]] == 1 and mine.role == "executive" and wrepo.counts(engine, w.id).answered == 1


def test_a_reloaded_phone_is_the_same_participant_with_its_answers(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    assert "p" not in at.query_params  # nobody yet
    at.radio(key="ws_role-ja").set_value("executive")
    choose(at, {q: 2 for q in PULSE} | {PULSE[0]: -1})
    at.button(key="ws_submit").click().run()
    assert "回答を受け付けました" in texts(at)
    mine = at.query_params["p"]

    reloaded = app(ws=w.code, p=mine)  # a new session on the same URL
    assert "回答を受け付けました" in texts(reloaded) and wrepo.counts(engine, w.id).joined == 1
    reloaded.button(key="ws_change").click().run()
    assert reloaded.radio(key=f"wsq_{PULSE[1]}-ja").value == 2  # what was sent, to change
    assert reloaded.radio(key=f"wsq_{PULSE[0]}-ja").value == -1
    assert reloaded.radio(key="ws_role-ja").value == "executive"  # the role it joined as
    reloaded.radio(key=f"wsq_{PULSE[1]}-ja").set_value(5)
    reloaded.button(key="ws_submit").click().run()
    [only] = wrepo.responses(engine, w.id)
    assert only.answers[PULSE[1]] == 5 and only.role == "executive"

    stranger = app(ws=w.code, p="not a token; drop table")  # anything else is a new participant
    assert stranger.radio(key="ws_role-ja").value is None and wrepo.counts(engine, w.id).joined == 1
    stranger.radio(key="ws_role-ja").set_value("frontline")
    choose(stranger, {PULSE[2]: 3})
    stranger.button(key="ws_submit").click().run()
    assert stranger.query_params["p"] != mine and wrepo.counts(engine, w.id).joined == 2


FULL_PAGES = ws.pages("full", C)


def test_the_full_set_comes_in_a_few_pages_kept_as_a_draft_until_sent(engine, org):
    w = wrepo.create_workshop(engine, org.id, "フル診断の研修", "full")
    assert 2 <= len(FULL_PAGES) <= ws.MAX_PAGES and sum(map(len, FULL_PAGES)) == len(C.question_ids("full"))
    at = app(ws=w.code)
    assert {r.key for r in at.radio} == {"lang", "ws_role-ja"} | {f"wsq_{q}-ja" for q in FULL_PAGES[0]}
    assert "1 / 3 ページ" in at.get("progress")[0].proto.text
    at.radio(key="ws_role-ja").set_value("frontline")
    choose(at, {q: 2 for q in FULL_PAGES[0]})
    at.button(key="ws_next").click().run()
    assert not at.exception, at.exception
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=1, answered=0)  # joined, nothing counts yet
    token = at.query_params["p"]
    assert drafts.load(engine, "workshop", token)["answers"] == {q: 2 for q in FULL_PAGES[0]}
    assert {r.key for r in at.radio} == {"lang"} | {f"wsq_{q}-ja" for q in FULL_PAGES[1]}
    choose(at, {q: 4 for q in FULL_PAGES[1][:3]})
    at.button(key="ws_next").click().run()

    # the phone reloads (or lost its connection): it comes back to page 3 with everything kept
    back = app(ws=w.code, p=token)
    assert "続きから" in texts(back) and "3 / 3 ページ" in back.get("progress")[0].proto.text
    back.button(key="ws_back").click().run()
    assert back.radio(key=f"wsq_{FULL_PAGES[1][0]}-ja").value == 4
    assert back.radio(key=f"wsq_{FULL_PAGES[1][5]}-ja").value is None
    back.button(key="ws_next").click().run()
    choose(back, {FULL_PAGES[2][0]: -1})
    back.button(key="ws_submit").click().run()
    assert "回答を受け付けました" in texts(back)
    [mine] = wrepo.responses(engine, w.id)
    expected = {q: 2 for q in FULL_PAGES[0]} | {q: 4 for q in FULL_PAGES[1][:3]} | {FULL_PAGES[2][0]: None}
    assert mine.answers == expected and mine.role == "frontline"
    assert drafts.load(engine, "workshop", token) is None  # sent: the draft is gone


def test_participant_answers_the_warm_up_in_english(engine, org):
    w = wrepo.create_workshop(engine, org.id, "Quiz", "myths")
    at = app(ws=w.code)
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Join the workshop"
    order = ws.statement_ids("myths", C, w.code)
    assert [r.key for r in at.radio][2:] == [f"wsq_{m}-en" for m in order]  # the workshop's own order
    at.radio(key="ws_role-en").set_value("executive")
    assert at.radio(key="wsq_M1-en").options == ["○ True", "× False", "Don't know"]
    choose(at, {"M1": 0, "M2": 1}, "en")
    at.button(key="ws_submit").click().run()
    assert wrepo.responses(engine, w.id)[0].answers == {"M1": 0, "M2": 1}


def test_the_facilitator_stops_new_joins_and_asks_for_a_pin(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    inside = app(ws=w.code)
    inside.radio(key="ws_role-ja").set_value("frontline")
    choose(inside, {PULSE[0]: 2})
    inside.button(key="ws_submit").click().run()

    w = wrepo.set_pin(engine, w.code, True)
    assert w.pin is not None and len(w.pin) == ws.PIN_LENGTH and w.pin.isdigit()
    late = app(ws=w.code)
    late.radio(key="ws_role-ja").set_value("executive")
    choose(late, {PULSE[0]: 5})
    late.button(key="ws_submit").click().run()
    assert "ルームPINを入力" in texts(late) and wrepo.counts(engine, w.id).joined == 1
    late.text_input(key="ws_pin").input("0000" if w.pin != "0000" else "1111")
    late.button(key="ws_submit").click().run()
    assert "ルームPINが違います" in texts(late) and wrepo.counts(engine, w.id).joined == 1
    late.text_input(key="ws_pin").input(w.pin.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    late.button(key="ws_submit").click().run()  # 全角 digits are fine
    assert "回答を受け付けました" in texts(late) and wrepo.counts(engine, w.id).joined == 2

    wrepo.set_joins_open(engine, w.code, False)
    stranger = app(ws=w.code)
    assert "締め切りました" in texts(stranger) and not stranger.get("form")
    inside.button(key="ws_change").click().run()  # those already in may still change their answers
    assert "ws_pin" not in [t.key for t in inside.text_input]
    choose(inside, {PULSE[0]: 1})
    inside.button(key="ws_submit").click().run()
    assert "回答を受け付けました" in texts(inside) and wrepo.counts(engine, w.id).joined == 2


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
        at = app(ws=w.code)
        at.radio(key="ws_role-ja").set_value("frontline")
        choose(at, {PULSE[0]: 3})
        at.button(key="ws_submit").click().run()
        return at

    for _ in range(2):
        assert "回答を受け付けました" in texts(phone())
    third = phone()
    assert "待ってから" in texts(third) and wrepo.counts(engine, w.id).joined == 2
    assert third.radio(key=f"wsq_{PULSE[0]}-ja").value == 3  # still chosen
    address["now"] = "10.0.0.8"  # another phone's address is not held back
    assert "回答を受け付けました" in texts(phone()) and wrepo.counts(engine, w.id).joined == 3


def test_a_bad_join_limit_setting_is_explained(engine, org, monkeypatch):
    monkeypatch.setenv("DX_JOIN_LIMIT", "lots")
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app(ws=w.code)
    at.radio(key="ws_role-ja").set_value("frontline")
    choose(at, {PULSE[0]: 3})
    at.button(key="ws_submit").click().run()
    assert not at.exception and "「lots」" in texts(at) and "30/60" in texts(at)
    assert wrepo.counts(engine, w.id).joined == 0


def test_a_made_up_code_in_the_link_is_quoted_as_typed(engine, org):
    at = app(ws="[x](http://example.com) ![i](http://example.com/i.png)")
    [error] = at.error
    assert "\\[x\\]\\(http" in error.value and "\\!\\[i\\]" in error.value  # no link, no image


def test_a_workshop_title_is_shown_as_typed(engine, org):
    w = wrepo.create_workshop(engine, org.id, "# 見出し [link](http://example.com) ![x](http://example.com/x.png)",
                              "pulse")
    at = app(ws=w.code)
    [title] = [m.value for m in at.markdown if "見出し" in m.value]
    assert title.startswith("## ") and "\\[link\\]" in title and "\\!\\[x\\]" in title


def test_participant_types_the_code(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app()
    at.switch_page("pages/join.py").run()
    at.text_input(key="ws_typed_code").input("ZZZ999")
    at.button[0].click().run()
    assert "見つかりません" in texts(at)
    at.text_input(key="ws_typed_code").input(w.code.lower())
    at.button[0].click().run()
    assert at.query_params["ws"] == w.code and "研修" in texts(at)
    assert at.radio(key="ws_role-ja")


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
    assert phone.title[0].value == "ワークショップに参加" and phone.radio(key="ws_role-ja")
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
