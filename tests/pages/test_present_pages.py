"""The projector view (/present) and the facilitator's view that drives it (/facilitate), through AppTest.

The projector shows the room one screen at a time and carries no visible control (its
only buttons are the keyboard's, kept out of sight); the facilitator moves the screen,
reveals the results and records consensus answers, and the projector follows from the
database.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json

import pytest
from sqlalchemy import event
from streamlit.testing.v1 import AppTest

from dxcore import workshop as ws
from dxcore.content import load
from dxcore.i18n import pick
from dxcore.present import GAP, RISK, STATEMENT, Screen
from dxcore.store import repo
from dxcore.store import repo_present as prepo
from dxcore.store import repo_workshop as wrepo
from tests.pages.apptest import app, texts

C = load()
PULSE = C.question_ids("pulse")
KEYS = {"present_next", "present_space", "present_previous", "present_reveal"}  # the keyboard's, out of sight
ROOM = [("executive", 5)] * 3 + [("frontline", 1)] * 3 + [("it", 3)]


@pytest.fixture
def org(engine):
    return repo.create_org(engine, "研修市")


PEOPLE = itertools.count()  # every call answers as new people


def answered(engine, code: str, people=ROOM, question_set="pulse") -> None:
    ids = ws.statement_ids(question_set, C)
    for role, value in people:
        wrepo.submit(engine, code, f"person{next(PEOPLE)}-xxxxxxxx", role, {q: value for q in ids})


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_rows(at: AppTest, index: int = 0) -> list[dict]:
    """The rows of a chart's datasets, decoded from Arrow."""
    import pyarrow as pa

    rows = []
    for dataset in at.get("vega_lite_chart")[index].proto.datasets:
        rows += pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return rows


def projector(code: str | None = None) -> AppTest:
    at = app(**({"workshop": code} if code else {}))
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    return at


def no_control_for_the_room(at: AppTest) -> None:
    """Nothing to choose or press on the projector's screen (the sidebar is hidden by its CSS)."""
    main = at.main
    for kind in ("selectbox", "radio", "toggle", "tabs", "segmented_control", "number_input", "text_input",
                 "multiselect", "checkbox", "slider", "link_button", "page_link"):
        assert not main.get(kind), kind
    assert {b.key for b in main.button} == KEYS
    assert "[data-testid=\"stHeader\"]" in "".join(h.proto.body for h in at.get("html"))  # hidden too


# the projector ---------------------------------------------------------------------------

def test_the_join_screen_shows_code_link_big_qr_and_count_and_nothing_to_press(engine, org, monkeypatch):
    monkeypatch.setenv("DX_PUBLIC_URL", "http://192.168.1.20:8501")
    w = wrepo.create_workshop(engine, org.id, "午後の研修", "pulse")
    wrepo.join(engine, w.code, "someone-xxxxxxxx", "it")
    at = projector()
    assert at.query_params["workshop"] == w.code  # the URL names it: a reload shows the same workshop
    page = texts(at)
    assert "スマートフォンで参加してください" in page and "午後の研修" in page
    assert w.code in page and f"http://192.168.1.20:8501/?ws={w.code}" in page and "参加 1 人" in page
    assert "回答済み 0 人 / 参加 1 人" in page  # the corner
    [qr] = at.get("image")  # the QR code, inline: nothing fetched
    url = qr.proto.imgs[0].url
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).decode() == ws.qr_svg(f"http://192.168.1.20:8501/?ws={w.code}")
    assert not at.warning and at.title[0].value == "午後の研修"
    no_control_for_the_room(at)


def test_the_projector_warns_when_phones_could_not_reach_the_link(engine, org, monkeypatch):
    monkeypatch.delenv("DX_PUBLIC_URL", raising=False)
    wrepo.create_workshop(engine, org.id, "研修", "pulse")
    assert "--server.address 0.0.0.0" in texts(projector())


def test_the_projector_shows_the_workshop_in_its_url_else_the_newest_open_one(engine, org):
    older = wrepo.create_workshop(engine, org.id, "一回目", "pulse")
    newer = wrepo.create_workshop(engine, org.id, "二回目", "myths")
    wrepo.close(engine, newer.code)
    assert "一回目" in texts(projector())  # the newest open one
    at = projector(newer.code)
    assert "二回目" in texts(at) and "このワークショップは終了しています" in texts(at)
    bad = projector("ZZZZZZ")
    assert "ZZZZZZ" in texts(bad) and bad.error and not bad.exception  # said, not a traceback
    del older


def test_without_any_workshop_the_projector_says_where_to_make_one(engine, org):
    at = projector()
    assert "まだありません" in texts(at)


def test_results_stay_hidden_until_revealed_then_risk_has_the_patterns_names(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    answered(engine, w.code)
    prepo.show(engine, w.code, "risk")
    at = projector(w.code)
    assert "会場の失敗パターン別リスク" in texts(at)
    assert "まだ表示していません" in texts(at) and charts(at) == []
    wrepo.set_revealed(engine, w.code, True)
    at.run()
    [spec] = charts(at)
    labels = {row["pattern"] for row in chart_rows(at)}
    assert labels == {f"{p.id} {pick(p.title, 'ja')}" for p in C.patterns}
    assert spec["config"]["axis"]["labelFontSize"] >= 24 and spec["config"]["legend"]["labelFontSize"] >= 24
    assert "回答 7 人の平均" in texts(at)
    no_control_for_the_room(at)


def test_the_gap_screen_keeps_small_groups_anonymous(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    answered(engine, w.code, [("executive", 5)] * 2 + [("frontline", 1)] * 3)
    wrepo.set_revealed(engine, w.code, True)
    prepo.show(engine, w.code, "gap")
    at = projector(w.code)
    page = texts(at)
    assert "幹部と現場がそれぞれ3人以上回答すると" in page and "幹部は3人未満のため" in page and charts(at) == []
    answered(engine, w.code, [("executive", 5)] * 3 + [("frontline", 1)] * 3 + [("it", 3)])
    at.run()
    assert len(charts(at)) == 1
    assert {row["group"] for row in chart_rows(at) if "group" in row} == {"幹部", "現場"}
    page = texts(at)
    assert "最もズレが大きい設問" in page and "幹部 5.0 ・ 現場 1.0" in page
    assert C.question_index[PULSE[0]].text["ja"] in page


def test_a_statement_screen_shows_its_text_and_how_the_room_answered(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    prepo.show(engine, w.code, f"statement:{PULSE[2]}")
    wrepo.set_revealed(engine, w.code, True)
    at = projector(w.code)
    q = C.question_index[PULSE[2]]
    page = texts(at)
    assert f"{q.id}  {q.text['ja']}" in page and f"設問 3 / {len(PULSE)}" in page
    assert "まだ回答がありません" in page and charts(at) == []
    answered(engine, w.code, [("frontline", 2), ("frontline", 2), ("executive", 5)])
    wrepo.record_consensus(engine, w.code, PULSE[2], 4)
    at.run()
    figures = {row["answer"]: row["figure"] for row in chart_rows(at)}
    assert figures[f"2 {pick(C.scale[1].label, 'ja')}"] == "2人(67%)" and figures["わからない"] == "0人(0%)"
    page = texts(at)
    assert f"会場の合意: 4 {pick(C.scale[3].label, 'ja')}" in page and "平均 3.0" in page


def test_a_myth_screen_shows_the_split_the_answer_and_why(engine, org):
    w = wrepo.create_workshop(engine, org.id, "クイズ", "myths")
    wrepo.submit(engine, w.code, "quiz-one-xxxxxxxx", "frontline", {"M1": True, "M2": False, "M3": False})
    prepo.show(engine, w.code, "myth:M1")
    at = projector(w.code)
    place = ws.statement_ids("myths", C, w.code).index("M1") + 1  # the warm-up's order is the workshop's own
    assert f"思い込みクイズ {place} / {len(C.myths)}" in texts(at) and C.myths[0].explanation["ja"] not in texts(at)
    wrepo.set_revealed(engine, w.code, True)
    at.run()
    page = texts(at)
    assert "正解は「× 誤り」" in page and "正解率 0%" in page and C.myths[0].explanation["ja"] in page
    assert {row["answer"]: row["n"] for row in chart_rows(at)} == {"○ 正しい": 1, "× 誤り": 0, "わからない": 0}


def test_the_projectors_own_keyboard_moves_the_screen_and_shows_the_results(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = projector(w.code)
    at.button(key="present_next").click().run()  # →
    assert prepo.screen(engine, w.code) == Screen(RISK) and "会場の失敗パターン別リスク" in texts(at)
    at.button(key="present_space").click().run()  # space
    assert prepo.screen(engine, w.code) == Screen(GAP)
    at.button(key="present_previous").click().run()  # ←
    assert prepo.screen(engine, w.code) == Screen(RISK)
    at.button(key="present_reveal").click().run()  # H
    assert wrepo.require_workshop(engine, w.code).revealed and "まだ回答がありません" in texts(at)
    at.button(key="present_reveal").click().run()
    assert not wrepo.require_workshop(engine, w.code).revealed


def test_a_refresh_counts_the_room_again_only_when_its_answers_changed(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    answered(engine, w.code)
    wrepo.set_revealed(engine, w.code, True)
    prepo.show(engine, w.code, "risk")
    sql: list[str] = []

    def seen(conn, cursor, statement, *args):
        sql.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        def refresh() -> tuple[int, int]:
            sql.clear()
            at.run()
            assert not at.exception, at.exception
            return (sum("workshop_screen" in s for s in sql),  # what is on screen, with the counts
                    sum("workshop_answer" in s for s in sql))  # counting the room's answers

        at = projector(w.code)
        assert refresh() == (1, 0)  # counted already (first run): one small query
        assert refresh() == (1, 0)
        answered(engine, w.code, [("frontline", 4)])
        assert refresh() == (1, 1)  # someone answered: counted once more
        assert "回答 8 人の平均" in texts(at)
        assert refresh() == (1, 0)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_full_workshop_walks_through_every_statement(engine, org):
    w = wrepo.create_workshop(engine, org.id, "フル", "full")
    answered(engine, w.code, [("it", 3)], "full")
    wrepo.set_revealed(engine, w.code, True)
    last = C.question_ids("full")[-1]
    prepo.show(engine, w.code, f"statement:{last}")
    at = projector(w.code)
    n = len(C.question_ids("full"))
    assert f"設問 {n} / {n}" in texts(at) and C.question_index[last].text["ja"] in texts(at)
    assert {row["n"] for row in chart_rows(at)} == {0, 1}


# the facilitator's view ---------------------------------------------------------------------

def facilitator() -> AppTest:
    at = app()
    at.switch_page("pages/facilitate.py").run()
    assert not at.exception, at.exception
    return at


def test_the_facilitator_moves_the_room_and_opens_the_projector_in_a_new_window(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = facilitator()
    assert at.title[0].value == "進行役の画面"
    [link] = at.get("link_button")
    assert link.proto.url == f"present?workshop={w.code}" and "新しいウィンドウ" in link.proto.label
    assert "いま会場に映している画面(1 / 10)" in texts(at) and at.button(key="fac_previous").disabled
    at.button(key="fac_next").click().run()
    assert prepo.screen(engine, w.code) == Screen(RISK)
    assert at.subheader[0].value == "会場の失敗パターン別リスク" and "次: 幹部と現場のズレ" in texts(at)
    jump = at.selectbox(key=f"fac_jump_{w.code}-ja")
    assert len(jump.options) == 10
    jump.set_value(f"statement:{PULSE[-1]}").run()
    assert prepo.screen(engine, w.code) == Screen(STATEMENT, PULSE[-1])
    assert at.button(key="fac_next").disabled and "最後の画面です" in texts(at)
    at.button(key="fac_previous").click().run()
    assert prepo.screen(engine, w.code) == Screen(STATEMENT, PULSE[-2])
    prepo.show(engine, w.code, "gap")  # moved on the projector's keyboard: the controls follow
    at.run()
    assert at.subheader[0].value == "幹部と現場のズレ"
    assert at.selectbox(key=f"fac_jump_{w.code}-ja").value == "gap"


def test_the_facilitator_reveals_and_hides_the_results(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    answered(engine, w.code, [("frontline", 2)])
    at = facilitator()
    assert [m.value for m in at.metric] == ["1", "1"] and "会場に伏せています" in texts(at)
    assert at.button(key="fac_reveal").label == "結果を会場に表示する"
    at.button(key="fac_reveal").click().run()
    assert wrepo.require_workshop(engine, w.code).revealed and "会場に表示しています" in texts(at)
    assert at.button(key="fac_reveal").label == "結果を伏せる"
    at.button(key="fac_reveal").click().run()
    assert not wrepo.require_workshop(engine, w.code).revealed


def test_consensus_mode_records_the_rooms_answer_statement_by_statement(engine, org):
    w = wrepo.create_workshop(engine, org.id, "紙の会場", "pulse")
    at = facilitator()
    at.toggle(key=f"fac_consensus_{w.code}").set_value(True).run()
    assert "設問の画面を映しているときに記録" in texts(at) and not any(b.key.startswith("fac_agree") for b in at.button)
    prepo.show(engine, w.code, f"statement:{PULSE[0]}")
    at.run()
    assert C.question_index[PULSE[0]].text["ja"] in texts(at)
    at.button(key="fac_agree_4").click().run()
    assert wrepo.consensus(engine, w.id) == {PULSE[0]: 4}
    assert prepo.screen(engine, w.code) == Screen(STATEMENT, PULSE[1])  # the room moves on
    at.button(key="fac_agree_-1").click().run()  # わからない
    at.button(key="fac_previous").click().run()
    at.button(key="fac_agree_2").click().run()  # changed its mind on the second
    assert wrepo.consensus(engine, w.id) == {PULSE[0]: 4, PULSE[1]: 2}
    assert at.get("progress")[0].proto.text == "合意済み 2 / 7 問"
    prepo.show(engine, w.code, f"statement:{PULSE[0]}")
    at.run()
    assert at.button(key="fac_agree_4").proto.type == "primary"  # what the room agreed, marked
    at.button(key="fac_forget").click().run()  # it was not agreed after all
    assert wrepo.consensus(engine, w.id) == {PULSE[1]: 2}
    assert at.button(key="fac_forget").disabled
    at.number_input(key=f"fac_size_{w.code}").set_value(15).run()
    assert wrepo.require_workshop(engine, w.code).consensus_size == 15
    at.button(key="fac_agree_5").click().run()
    wrepo.close(engine, w.code)
    at.run()
    assert at.button(key="fac_agree_3").disabled and "終了しています" in texts(at)
    assert wrepo.consensus(engine, w.id) == {PULSE[0]: 5, PULSE[1]: 2}


def test_the_warm_up_has_no_consensus_mode(engine, org):
    w = wrepo.create_workshop(engine, org.id, "クイズ", "myths")
    at = facilitator()
    assert all(t.key != f"fac_consensus_{w.code}" for t in at.toggle)
    assert len(at.selectbox(key=f"fac_jump_{w.code}-ja").options) == 1 + len(C.myths)  # join + each myth


def test_the_facilitator_view_in_english(engine, org):
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    at = app()
    at.session_state["lang"] = "en"
    at.switch_page("pages/facilitate.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Facilitator view"
    assert at.get("link_button")[0].proto.url == f"present?workshop={w.code}&lang=en"
    at.button(key="fac_next").click().run()
    assert at.subheader[0].value == "The room's risk by pattern"


def test_the_rooms_pin_and_closed_joins_show_on_the_projector(engine, org, monkeypatch):
    """The room's PIN and join switch (added to the workshop by the room's own change): the
    projector shows the PIN by the code, in the corner and on the join screen, and says when
    joining is closed."""
    w = wrepo.create_workshop(engine, org.id, "研修", "pulse")
    read = prepo.on_screen
    monkeypatch.setattr(prepo, "on_screen", lambda e, code: dataclasses.replace(read(e, code), pin="4821"))
    at = projector(w.code)
    page = texts(at)
    assert "PIN 4821" in page and "PIN(参加するときに入力)" in page and "参加の受付は締め切りました" not in page
    monkeypatch.setattr(prepo, "on_screen", lambda e, code: dataclasses.replace(read(e, code), joins_open=False))
    prepo.show(engine, w.code, "risk")
    at.run()
    assert "PIN" not in texts(at)  # none set: none shown
    prepo.show(engine, w.code, "join")
    at.run()
    assert "参加の受付は締め切りました" in texts(at)


# the projector window with a password set -------------------------------------------------

def test_with_a_password_the_projector_window_opens_with_its_pass_and_nothing_else_does(engine, org, monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    monkeypatch.setenv("DX_ADMIN_PASSWORD", "s3cret")
    w = wrepo.create_workshop(engine, org.id, "合言葉の研修", "pulse")
    other = wrepo.create_workshop(engine, org.id, "別の研修", "pulse")
    at = app()
    at.text_input(key="admin_password_input").input("s3cret")
    at.button[0].click().run()
    at.switch_page("pages/facilitate.py").run()
    [link] = at.get("link_button")
    query = parse_qs(urlsplit(link.proto.url).query)
    assert query["workshop"] == [w.code] or query["workshop"] == [other.code]
    code, given = query["workshop"][0], query["pass"][0]

    # a new browser session (the projector window): the room sees the projector, not the password form
    room = app(workshop=code, **{"pass": given})
    room.switch_page("pages/present.py").run()
    assert not room.exception, room.exception
    assert not room.text_input and code in texts(room) and "管理者のパスワード" not in texts(room)
    no_control_for_the_room(room)
    # the same session asks for the password anywhere else
    room.switch_page("pages/history.py").run()
    assert room.text_input(key="admin_password_input") is not None and "管理者のパスワード" in texts(room)

    # a pass is for its own workshop, is signed, and ends when the password changes
    for params in ({"workshop": next(c for c in (w.code, other.code) if c != code), "pass": given},
                   {"workshop": code, "pass": given[:-1] + ("0" if given[-1] != "0" else "1")},
                   {"workshop": code, "pass": "9999999999.deadbeef"}, {"workshop": code}):
        stranger = app(**params)
        stranger.switch_page("pages/present.py").run()
        assert "管理者のパスワード" in texts(stranger), params
    monkeypatch.setenv("DX_ADMIN_PASSWORD", "changed")
    old = app(workshop=code, **{"pass": given})
    old.switch_page("pages/present.py").run()
    assert "管理者のパスワード" in texts(old)
