"""The room through the real server: phones speaking Streamlit's own websocket protocol.

A small version of ``bench/workshop_server.py`` (no timings asserted: the figures belong to
the benchmark): ten phones join, answer and send through ``streamlit run app.py`` while a
projector session watches; every phone is acknowledged, every answer sent is stored, the
projector shows the final count, and no set needs more than four reruns.  Then what a
browser would never send: a made-up press of the phone's form, and many joins from one address.
"""

from __future__ import annotations

import pytest

from bench import workshop_server as bench
from bench.stclient import Session
from dxcore import workshop as ws
from dxcore.content import load
from dxcore.store import engine as engine_mod
from dxcore.store import repo_workshop as wrepo

C = load()


@pytest.mark.parametrize("question_set, people", [("pulse", 10), ("full", 3), ("myths", 4)])
def test_phones_through_the_real_server_are_all_acknowledged_and_counted(question_set, people, artifacts):
    result = bench.run_app(people, question_set, think=0.0, log_dir=artifacts)
    assert result.errors == [] and result.acked == people
    assert result.answers_sent == people * len(ws.statement_ids(question_set, C)) == result.answers_stored
    assert result.projector_final_after_s is not None  # the projector's own page showed everyone
    assert result.reruns_per_participant <= 1 + ws.MAX_PAGES <= 4
    assert result.script_runs_per_participant == result.reruns_per_participant  # no st.rerun round trips


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """One server, limited to 2 new participants per address and hour, and an open workshop."""
    tmp = tmp_path_factory.mktemp("room")
    db_url = f"sqlite:///{tmp / 'room.sqlite3'}"
    code = bench.make_workshop(db_url, "pulse")
    server = bench.Server(bench.ROOT / "app.py", env={"DX_DATABASE_URL": db_url, "DX_JOIN_LIMIT": "2/3600"},
                          log=tmp / "server.log")
    yield server, db_url, code
    server.stop()
    engine_mod.dispose_all()


def phone(server, code: str, address: str) -> Session:
    return Session(server.url, query=f"ws={code}", headers={"X-Forwarded-For": address})


def form(s: Session):
    """The phone's screen: its one element (ui.phone_form) and the data the page gave it."""
    element = s.widget(bench.FORM_KEY)
    assert element is not None and element.kind == "bidi_component", s.texts()
    return element, element.data


def test_what_a_browser_would_never_send_is_left_out_and_never_raises(room):
    """The form's trigger value, made up: no option, no such role, another set's statement, a
    value of the wrong type, the wrong shape altogether.  Nothing raises; only real choices stay."""
    server, db_url, code = room
    first = ws.pages("pulse", C)[0]

    async def scenario():
        async with phone(server, code, "10.1.0.1") as s:
            await s.rerun()
            for value in (None, "send", [1, 2], {"action": "send", "page": "0"}, {"action": 7}):
                await s.trigger(form(s)[0], "send", value)
                assert not s.all("exception") and form(s)[1]["mode"] == "form", s.texts()
            element, data = form(s)
            await s.trigger(element, "send", {
                "action": "send", "page": data["page"], "role": "<script>alert(1)</script>", "pin": 123,
                "answers": {first[0]: 3, first[1]: 99, first[2]: True, first[3]: "4", "M1": 0, "x" * 5000: 1}})
            element, data = form(s)
            assert not s.all("exception") and data["problem"]["field"] == "role" and "立場を選んで" in data["problem"]["text"]
            assert {q: v for g in data["groups"] for q, _, v in g["statements"] if v is not None} == {first[0]: 3}
            await s.trigger(element, "send", {"action": "send", "page": data["page"], "role": "frontline",
                                              "answers": {first[0]: 3}})
            assert not s.all("exception") and form(s)[1]["mode"] == "thanks", s.texts()
            return s.query

    query = bench.run_async(scenario)
    engine = engine_mod.get_engine(db_url)
    token = dict(p.split("=", 1) for p in query.split("&"))["p"]
    back = wrepo.returning(engine, code, token)
    assert back.role == "frontline" and back.answers == {first[0]: 3}


def test_new_participants_per_address_are_limited_behind_our_proxy(room):
    """The server takes the phone's address from X-Forwarded-For only from a proxy on this machine
    (as deploy/workers.py's nginx sends it); three phones behind one address, one behind another."""
    server, db_url, code = room

    async def join(address: str) -> Session:
        async with phone(server, code, address) as s:
            await s.rerun()
            element, data = form(s)
            await s.trigger(element, "send", {"action": "send", "page": data["page"], "role": "other",
                                              "answers": {data["groups"][0]["statements"][0][0]: 2}})
            return s

    async def scenario():
        return [await join(a) for a in ("10.2.0.1", "10.2.0.1", "10.2.0.1", "10.2.0.2")]

    first, second, third, other = bench.run_async(scenario)
    assert form(first)[1]["mode"] == "thanks" and form(second)[1]["mode"] == "thanks"
    assert "待ってから" in form(third)[1]["problem"]["text"] and form(third)[1]["mode"] == "form"  # still there
    assert form(other)[1]["mode"] == "thanks"
