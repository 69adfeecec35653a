"""A live workshop in real browsers: the projector and three phones.

The facilitator's page shows the join link; three participants (separate browser
contexts, phone-sized) open exactly that link (?ws=CODE), pick a role and answer; the
projector's count and charts follow by themselves — the page is never reloaded.  No
page loads anything from outside the server.
"""

import re

import pytest
from playwright.sync_api import expect

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


def answer_on_phone(phone, url: str, role: str, value: int) -> None:
    phone.goto(url)
    wait_idle(phone)
    expect(phone.get_by_role("heading", name="ワークショップに参加")).to_be_visible(timeout=30_000)
    expect(phone.get_by_text("午後のDX研修")).to_be_visible()
    phone.locator(".st-key-ws_role-ja").get_by_text(role, exact=True).click()
    phone.locator(".st-key-ws_join button").click()
    label = f"{value} {pick(C.scale[value - 1].label, 'ja')}"
    for q in PULSE:
        block = phone.locator(f".st-key-wsq_{q}-ja")
        expect(block).to_be_visible(timeout=30_000)
        block.get_by_text(label, exact=True).click()
        expect(block.locator("input[type=radio]:checked")).to_have_count(1)
    expect(phone.get_by_text("回答済み 7 / 7 問")).to_be_visible(timeout=30_000)
    phone.locator(".st-key-ws_submit button").click()
    expect(phone.get_by_text("回答を受け付けました")).to_be_visible(timeout=30_000)


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

    first = phones()
    first.goto(join_url)
    wait_idle(first)
    first.locator(".st-key-ws_role-ja").get_by_text(PEOPLE[0][0], exact=True).click()
    first.locator(".st-key-ws_join button").click()
    expect(first.locator(f".st-key-wsq_{PULSE[0]}-ja")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("参加 1 人", exact=True)).to_be_visible(timeout=LIVE_WAIT_MS)  # no reload

    page.keyboard.press("ArrowRight")  # the projector's keyboard: the room's risk by pattern
    expect(page.get_by_role("heading", name="会場の失敗パターン別リスク")).to_be_visible(timeout=30_000)
    page.keyboard.press("h")  # show the results to the room
    expect(page.get_by_text("まだ回答がありません")).to_be_visible(timeout=30_000)
    expect(corner(page)).to_contain_text("回答済み 0 人")

    label = f"{PEOPLE[0][1]} {pick(C.scale[PEOPLE[0][1] - 1].label, 'ja')}"
    for q in PULSE:
        first.locator(f".st-key-wsq_{q}-ja").get_by_text(label, exact=True).click()
        expect(first.locator(f".st-key-wsq_{q}-ja input[type=radio]:checked")).to_have_count(1)
    first.locator(".st-key-ws_submit button").click()
    expect(first.get_by_text("回答を受け付けました")).to_be_visible(timeout=30_000)

    expect(corner(page)).to_contain_text("回答済み 1 人", timeout=LIVE_WAIT_MS)
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
