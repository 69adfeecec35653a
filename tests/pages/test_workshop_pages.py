"""Workshop screens through AppTest: set up and close, a participant's phone,
and the admin password that keeps participants out of everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxcore.content import load
from dxcore.store import repo
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

def test_participant_joins_by_link_answers_and_answering_again_replaces(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    assert at.title[0].value == "ワークショップに参加" and "午後の研修" in texts(at)
    assert not at.sidebar.selectbox  # no organisation list, no sidebar
    at.button(key="ws_join").click().run()
    assert "立場を選んで" in texts(at) and wrepo.counts(engine, w.id).joined == 0
    at.radio(key="ws_role-ja").set_value("frontline")
    at.button(key="ws_join").click().run()
    assert wrepo.counts(engine, w.id).joined == 1
    for q in PULSE:
        at.radio(key=f"wsq_{q}-ja").set_value(4)
    at.radio(key=f"wsq_{PULSE[0]}-ja").set_value(-1)  # わからない
    at.run()
    assert "7 / 7" in at.get("progress")[0].proto.text
    at.button(key="ws_submit").click().run()
    assert not at.exception, at.exception
    assert "回答を受け付けました" in texts(at)
    [mine] = wrepo.responses(engine, w.id)
    assert mine.role == "frontline" and mine.answers[PULSE[0]] is None and mine.answers[PULSE[1]] == 4
    at.button(key="ws_change").click().run()
    at.radio(key=f"wsq_{PULSE[1]}-ja").set_value(1).run()
    at.button(key="ws_submit").click().run()
    [mine] = wrepo.responses(engine, w.id)  # still one participant
    assert mine.answers[PULSE[1]] == 1 and wrepo.counts(engine, w.id).answered == 1


def test_a_reloaded_phone_is_the_same_participant_with_its_answers(engine, org):
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    at = app(ws=w.code)
    assert "p" not in at.query_params  # nobody yet
    at.radio(key="ws_role-ja").set_value("executive")
    at.button(key="ws_join").click().run()
    mine = at.query_params["p"]
    for q in PULSE:
        at.radio(key=f"wsq_{q}-ja").set_value(2)
    at.radio(key=f"wsq_{PULSE[0]}-ja").set_value(-1)  # わからない
    at.run()
    at.button(key="ws_submit").click().run()
    assert "回答を受け付けました" in texts(at)

    reloaded = app(ws=w.code, p=mine)  # a new session on the same URL
    assert "回答を受け付けました" in texts(reloaded) and wrepo.counts(engine, w.id).joined == 1
    reloaded.button(key="ws_change").click().run()
    assert reloaded.radio(key=f"wsq_{PULSE[1]}-ja").value == 2  # what was sent, to change
    assert reloaded.radio(key=f"wsq_{PULSE[0]}-ja").value == -1
    assert "幹部" in texts(reloaded)  # the role it joined as
    reloaded.radio(key=f"wsq_{PULSE[1]}-ja").set_value(5).run()
    reloaded.button(key="ws_submit").click().run()
    [only] = wrepo.responses(engine, w.id)
    assert only.answers[PULSE[1]] == 5 and only.role == "executive"

    stranger = app(ws=w.code, p="not a token; drop table")  # anything else is a new participant
    assert stranger.radio(key="ws_role-ja") and wrepo.counts(engine, w.id).joined == 1
    stranger.radio(key="ws_role-ja").set_value("frontline")
    stranger.button(key="ws_join").click().run()
    assert stranger.query_params["p"] != mine and wrepo.counts(engine, w.id).joined == 2


def test_participant_answers_the_warm_up_in_english(engine, org):
    w = wrepo.create_workshop(engine, org.id, "Quiz", "myths")
    at = app(ws=w.code)
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Join the workshop"
    at.radio(key="ws_role-en").set_value("executive")
    at.button(key="ws_join").click().run()
    assert at.radio(key="wsq_M1-en").options == ["○ True", "× False", "Don't know"]
    at.radio(key="wsq_M1-en").set_value(0)
    at.radio(key="wsq_M2-en").set_value(1).run()
    at.button(key="ws_submit").click().run()
    assert wrepo.responses(engine, w.id)[0].answers == {"M1": 0, "M2": 1}


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
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*join.py'\]"):
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
