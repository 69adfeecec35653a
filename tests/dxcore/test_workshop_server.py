"""The room through the real server: phones speaking Streamlit's own websocket protocol.

A small version of ``bench/workshop_server.py`` (no timings asserted: the figures belong to
the benchmark): ten phones join, answer and send through ``streamlit run app.py`` while a
projector session watches; every phone is acknowledged, every answer sent is stored, the
projector shows the final count, and no set needs more than four reruns.  Then what a
browser would never send: made-up widget values, and many joins from one address.
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


def test_made_up_widget_values_are_left_out_and_never_raise(room):
    server, db_url, code = room

    async def scenario():
        async with phone(server, code, "10.1.0.1") as s:
            await s.rerun()
            radios = s.widgets("wsq_", "radio")
            s.set(s.widget("ws_role"), "<script>alert(1)</script>")  # no such role
            s.set(radios[0], "3 どちらともいえない")
            s.set(radios[1], "99 とても")
            await s.click(s.widget("ws_submit"))
            assert not s.all("exception")
            assert any("立場を選んで" in t for t in s.texts()), s.texts()
            s.set(s.widget("ws_role"), "現場職員")
            s.values["$$ID-0000-ws_made_up"] = s.values[radios[1].id]  # a widget the page never drew
            await s.click(s.widget("ws_submit"))
            assert not s.all("exception") and s.has_text("回答を受け付けました"), s.texts()
            return s.query

    query = bench.run_async(scenario)
    engine = engine_mod.get_engine(db_url)
    token = dict(p.split("=", 1) for p in query.split("&"))["p"]
    back = wrepo.returning(engine, code, token)
    assert back.role == "frontline" and back.answers == {radios_first_statement(): 3}


def radios_first_statement() -> str:
    return ws.pages("pulse", C)[0][0]


def test_new_participants_per_address_are_limited_behind_our_proxy(room):
    """The server takes the phone's address from X-Forwarded-For only from a proxy on this machine
    (as deploy/workers.py's nginx sends it); three phones behind one address, one behind another."""
    server, db_url, code = room

    async def join(address: str) -> Session:
        async with phone(server, code, address) as s:
            await s.rerun()
            s.set(s.widget("ws_role"), "その他")
            s.set(s.widgets("wsq_", "radio")[0], "2 あまり当てはまらない")
            await s.click(s.widget("ws_submit"))
            return s

    async def scenario():
        return [await join(a) for a in ("10.2.0.1", "10.2.0.1", "10.2.0.1", "10.2.0.2")]

    first, second, third, other = bench.run_async(scenario)
    assert first.has_text("回答を受け付けました") and second.has_text("回答を受け付けました")
    assert third.has_text("待ってから") and not third.has_text("回答を受け付けました")
    assert third.widget(f"wsq_{radios_first_statement()}") is not None  # the form, still there
    assert other.has_text("回答を受け付けました")
