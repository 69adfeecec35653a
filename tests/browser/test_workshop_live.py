"""A live workshop in real browsers: the projector and three phones.

The facilitator's page shows the join link; three participants (separate browser
contexts, phone-sized) open exactly that link (?ws=CODE), pick a role and answer — choosing
costs no round trip to the server, sending costs one — and the projector's count and charts
follow by themselves: the page is never reloaded.  A phone in the middle of the full set
reloads and finds its draft.  No page loads anything from outside the server.
"""

import json
import re

import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench.stclient import INTERNAL_KEY_PREFIX, trigger_state
from dxcore import workshop as ws
from dxcore.content import load
from dxcore.i18n import pick
from dxcore.store import engine as engine_mod
from dxcore.store import repo
from dxcore.store import repo_workshop as wrepo

from .conftest import Server, wait_idle

pytestmark = pytest.mark.browser
C = load()
PULSE = C.question_ids("pulse")
PEOPLE = (("首長・幹部", 5), ("現場職員", 1), ("現場職員", 2))
LIVE_WAIT_MS = 20_000  # the projector reads the room every 3 s


def prepare(db_url: str, title: str = "午後のDX研修"):
    """An organisation and an open pulse workshop, stored before the server's first page."""
    engine = engine_mod.get_engine(db_url)
    org = repo.create_org(engine, "研修市")
    w = wrepo.create_workshop(engine, org.id, title, "pulse")
    return engine, w


def corner(page):
    """The projector's corner: the join code and the live counts."""
    return page.locator(".ws-corner")


def reruns_sent(pg) -> list:
    """The rerun requests the page sends to the server over its websocket, as they go."""
    sent: list[bytes] = []

    def watch(socket) -> None:
        socket.on("framesent", lambda payload: sent.append(payload) if isinstance(payload, bytes) else None)

    pg.on("websocket", watch)
    return sent


def count_reruns(sent: list) -> int:
    return sum(1 for frame in sent if BackMsg.FromString(frame).WhichOneof("type") == "rerun_script")


def form(phone):
    """The phone's screen: one element (ui.phone_form), its HTML in an open shadow root (which
    playwright's locators pierce)."""
    return phone.locator(".dx-phone")


def statement(phone, qid: str):
    return form(phone).locator(f'fieldset[data-statement="{qid}"]')


def answer_on_phone(phone, url: str, role: str, value: int, artifacts=None) -> None:
    """Open the link, choose a role and an answer for each statement, send: one round trip to send."""
    sent = reruns_sent(phone)
    phone.goto(url)
    wait_idle(phone)
    expect(phone.get_by_role("heading", name="ワークショップに参加", level=1)).to_be_visible(timeout=30_000)
    expect(phone.get_by_role("heading", name="午後のDX研修", level=2)).to_be_visible()
    loaded = count_reruns(sent)
    form(phone).get_by_role("group", name="あなたの立場を選んでください").get_by_text(role, exact=True).click()
    label = f"{value} {pick(C.scale[value - 1].label, 'ja')}"
    for q in PULSE:
        block = statement(phone, q)
        expect(block).to_be_visible(timeout=30_000)
        block.get_by_text(label, exact=True).click()
        expect(block.locator("input[type=radio]:checked")).to_have_count(1)
        expect(block.get_by_role("radio", name=label)).to_be_checked()
    box = statement(phone, PULSE[-1]).locator("label").filter(has_text=label).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300, box  # a touch target a thumb finds at 390 px
    assert count_reruns(sent) == loaded, "choosing an answer went to the server"
    if artifacts is not None:
        phone.screenshot(path=str(artifacts / f"workshop-phone-chosen-{value}.png"), full_page=True)
    form(phone).get_by_role("button", name="回答を送信する").click()
    expect(phone.get_by_text("回答を受け付けました")).to_be_visible(timeout=30_000)
    assert count_reruns(sent) == loaded + 1  # role, answers and join: one tap, one round trip
    # what the tap sent is what bench/stclient.py sends for a phone: the form's trigger value
    [press] = [w for w in BackMsg.FromString(sent[-1]).rerun_script.widget_states.widgets if w.json_trigger_value]
    [event] = json.loads(press.json_trigger_value)
    element_id = press.id.removeprefix(INTERNAL_KEY_PREFIX + "_").removesuffix("__events")
    assert element_id.endswith("-ws_form") and trigger_state(element_id, "send", event["value"]) == press
    role_id = next(r.id for r in C.roles if pick(r.name, "ja") == role)
    assert event["value"] == {"action": "send", "lang": None, "page": 0, "role": role_id, "pin": None,
                              "answers": {q: value for q in PULSE}}


def test_projector_follows_three_phones_without_reloading(page, phones, server, tmp_path, artifacts):
    engine, w = prepare(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server fixture's database
    # the fresh server's very first request: Streamlit's old pages/ mode runs pages/present.py
    # without app.py; the page goes back through app.py, which comes back to it (ui/gate.py)
    page.goto(f"{server.url}/present")
    wait_idle(page)
    expect(page.get_by_role("heading", name="午後のDX研修")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert page.url.split("?")[0] == f"{server.url}/present"
    assert f"workshop={w.code}" in page.url  # the projector names its workshop (and the URL its organisation)
    expect(page.locator(".ws-code")).to_have_text(w.code)
    join_url = f"{server.url}/?ws={w.code}"
    expect(page.get_by_text(join_url, exact=True)).to_be_visible()  # from st.context.url
    expect(page.locator('[data-testid="stImage"] img')).to_be_visible()  # the QR code
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.get_by_text("参加 0 人", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "workshop-projector-join.png"), full_page=True)

    page.keyboard.press("ArrowRight")  # the projector's keyboard: the room's risk by pattern
    expect(page.get_by_role("heading", name="会場の失敗パターン別リスク")).to_be_visible(timeout=30_000)
    page.keyboard.press("h")  # show the results to the room
    expect(page.get_by_text("まだ回答がありません")).to_be_visible(timeout=30_000)
    expect(corner(page)).to_contain_text("回答済み 0 人")

    first = phones()
    answer_on_phone(first, join_url, PEOPLE[0][0], PEOPLE[0][1], artifacts)
    expect(corner(page)).to_contain_text("回答済み 1 人 / 参加 1 人", timeout=LIVE_WAIT_MS)  # no reload
    distribution = page.locator(".st-key-present_risk")  # the room's risk, drawn again as answers come
    expect(distribution.locator("svg.marks").first).to_be_visible(timeout=LIVE_WAIT_MS)
    wait_idle(page)
    before = distribution.screenshot()

    second, third = phones(), phones()
    for phone, (role, value) in zip((second, third), PEOPLE[1:]):
        answer_on_phone(phone, join_url, role, value)
        phone.screenshot(path=str(artifacts / f"workshop-phone-{value}.png"), full_page=True)

    expect(corner(page)).to_contain_text("回答済み 3 人 / 参加 3 人", timeout=LIVE_WAIT_MS)
    # the distribution now shows three people's answers, drawn again in place
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running/)")
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
    expect(distribution.locator("svg.marks").first).to_be_visible()
    assert distribution.screenshot() != before, "the room's risk did not change on the projector"
    page.screenshot(path=str(artifacts / "workshop-projector-results.png"), full_page=True)

    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=3, answered=3)

    # a phone reloads its page: still the same participant, still counted once
    expect(first).to_have_url(re.compile(r"[?&]p="))
    first.reload()
    wait_idle(first)
    expect(first.get_by_text("回答を受け付けました")).to_be_visible(timeout=30_000)
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=3, answered=3)
    for pg in (page, first, second, third):
        assert pg.outside.requests == [], f"a page fetched from outside the server: {pg.outside.requests}"


def test_a_phone_that_reloads_in_the_full_set_resumes_its_draft(phones, server, tmp_path, artifacts):
    engine = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    org = repo.create_org(engine, "研修市")
    w = wrepo.create_workshop(engine, org.id, "フル診断の研修", "full")
    pages = ws.pages("full", C)
    phone = phones()
    phone.goto(f"{server.url}/?ws={w.code}")
    wait_idle(phone)
    form(phone).get_by_text("現場職員", exact=True).click()
    for q in pages[0]:
        statement(phone, q).get_by_text("わからない", exact=True).click()
    form(phone).get_by_role("button", name="次へ").click()
    expect(statement(phone, pages[1][0])).to_be_visible(timeout=30_000)
    expect(phone).to_have_url(re.compile(r"[?&]p="))
    statement(phone, pages[1][0]).get_by_text("4 やや当てはまる", exact=True).click()
    phone.reload()  # the pages sent are the server's draft; this page's unsent choice is kept by the tab
    wait_idle(phone)
    expect(phone.get_by_text("続きから答えてください")).to_be_visible(timeout=30_000)
    expect(phone.get_by_text(f"2 / {len(pages)} ページ", exact=False)).to_be_visible()
    expect(statement(phone, pages[1][0]).get_by_role("radio", name="4 やや当てはまる")).to_be_checked()
    form(phone).get_by_role("button", name="前へ").click()
    first = statement(phone, pages[0][0])
    expect(first.locator("input[type=radio]:checked")).to_have_count(1, timeout=30_000)
    expect(first.get_by_role("radio", name="わからない")).to_be_checked()
    phone.screenshot(path=str(artifacts / "workshop-phone-full-resumed.png"), full_page=True)
    assert wrepo.counts(engine, w.id) == wrepo.Counts(joined=1, answered=0)


def test_a_reload_before_sending_keeps_every_choice_without_asking_the_server(phones, server, tmp_path, artifacts):
    """Choices not sent yet survive a reload (the tab keeps them, no request per choice); once sent,
    nothing of the room stays in the tab."""
    engine, w = prepare(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    phone = phones()
    phone.goto(f"{server.url}/?ws={w.code}")
    wait_idle(phone)
    form(phone).get_by_role("group", name="あなたの立場を選んでください").get_by_text("DX推進担当", exact=True).click()
    for q in PULSE[:4]:
        statement(phone, q).get_by_text("5 よく当てはまる", exact=True).click()
    sent = reruns_sent(phone)
    phone.reload()
    wait_idle(phone)
    expect(statement(phone, PULSE[0])).to_be_visible(timeout=30_000)
    expect(form(phone).locator("input[type=radio]:checked")).to_have_count(5)  # the role and four answers
    expect(form(phone).get_by_role("radio", name="DX推進担当")).to_be_checked()
    for q in PULSE[:4]:
        expect(statement(phone, q).get_by_role("radio", name="5 よく当てはまる")).to_be_checked()
    loaded = count_reruns(sent)
    for q in PULSE[4:]:
        statement(phone, q).get_by_text("3 どちらともいえない", exact=True).click()
    assert count_reruns(sent) == loaded, "choosing an answer went to the server"
    phone.screenshot(path=str(artifacts / "workshop-phone-reloaded-choices.png"), full_page=True)
    assert wrepo.counts(engine, w.id).joined == 0  # nothing counts until it is sent
    form(phone).get_by_role("button", name="回答を送信する").click()
    expect(phone.get_by_text("回答を受け付けました")).to_be_visible(timeout=30_000)
    [mine] = wrepo.responses(engine, w.id)
    assert mine.role == "dx_office" and mine.answers == {q: 5 for q in PULSE[:4]} | {q: 3 for q in PULSE[4:]}
    assert phone.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('dx-phone:'))") == []


def test_a_phone_is_told_what_is_missing_where_it_is_and_keeps_its_choices(phones, server, tmp_path, artifacts):
    """Send without a role: the message is at the role, which gets the focus, and every choice stays;
    the language switch keeps them too; a double tap sends once."""
    engine, w = prepare(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    phone = phones()
    sent = reruns_sent(phone)
    phone.goto(f"{server.url}/?ws={w.code}")
    wait_idle(phone)
    expect(phone).to_have_title("ワークショップに参加 | 行政DX 再起動ナビ")
    phone.wait_for_function("() => document.documentElement.lang === 'ja'")  # set by the form (no frame element)
    for q in PULSE:
        statement(phone, q).get_by_text("2 あまり当てはまらない", exact=True).click()
    loaded = count_reruns(sent)
    form(phone).get_by_role("button", name="回答を送信する").dblclick()
    alert = form(phone).get_by_role("alert")
    expect(alert).to_contain_text("立場を選んで", timeout=30_000)
    assert count_reruns(sent) == loaded + 1  # the second tap of the double tap sent nothing
    role = form(phone).get_by_role("group", name="あなたの立場を選んでください")
    expect(role).to_have_attribute("aria-invalid", "true")
    assert phone.evaluate("() => document.activeElement.shadowRoot?.activeElement?.name") == "role"
    expect(form(phone).locator("input[type=radio]:checked")).to_have_count(len(PULSE))
    phone.screenshot(path=str(artifacts / "workshop-phone-needs-role.png"))
    assert wrepo.counts(engine, w.id).joined == 0

    form(phone).get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="Join the workshop", level=1)).to_be_visible(timeout=30_000)
    expect(form(phone).locator("input[type=radio]:checked")).to_have_count(len(PULSE))
    expect(phone).to_have_url(re.compile(r"[?&]lang=en"))
    expect(phone).to_have_title("Join a workshop | Gov DX Restart Navigator")
    phone.wait_for_function("() => document.documentElement.lang === 'en'")
    form(phone).get_by_text("Front-line staff", exact=True).click()
    form(phone).get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Your answers are in")).to_be_visible(timeout=30_000)
    [mine] = wrepo.responses(engine, w.id)
    assert mine.role == "frontline" and mine.answers == {q: 2 for q in PULSE}
    assert phone.outside.requests == []


def test_admin_password_in_a_real_server(browser, tmp_path, artifacts):
    db_url = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
    engine, w = prepare(db_url, "合言葉の研修")
    server = Server(db_url, artifacts / f"streamlit-gate-{tmp_path.name}.log",
                    extra_env={"DX_ADMIN_PASSWORD": "open-sesame"})
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
    try:
        pg = context.new_page()
        # the fresh server's very first request names a pages/ file: Streamlit would run it
        # without app.py (its legacy multipage mode) unless the page sends it back (ui.gate)
        for path in ("/history", "/", "/results", "/plan", "/kpi", "/workshop", "/present"):
            pg.goto(server.url + path)
            wait_idle(pg)
            expect(pg.get_by_role("heading", name="管理者のパスワード")).to_be_visible(timeout=30_000)
            expect(pg.get_by_text("研修市")).to_have_count(0)
            expect(pg.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        phone = context.new_page()  # same browser, another tab: still needs nothing to join
        phone.goto(f"{server.url}/?ws={w.code}")
        wait_idle(phone)
        expect(phone.get_by_text("合言葉の研修")).to_be_visible(timeout=30_000)
        expect(phone.get_by_role("heading", name="管理者のパスワード")).to_have_count(0)

        pg.locator('input[type="password"]').fill("open-sesame")
        pg.get_by_role("button", name="開く").click()
        expect(pg.get_by_role("heading", name="合言葉の研修")).to_be_visible(timeout=30_000)  # /present
        expect(pg.get_by_text(re.compile(r"^参加 0 人$"))).to_be_visible()
    finally:
        context.close()
        server.stop()
        engine_mod.dispose_all()
