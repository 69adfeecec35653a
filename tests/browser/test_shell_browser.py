"""The app's frame in a real browser: user text stays text, errors show a reference and no
code, the URL keeps the organisation and the language, each tab has its title and language,
participants never see the admin navigation, links between pages look like links."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from dxcore import demo
from dxcore.store import engine as engine_mod
from dxcore.store import repo, repo_plan
from dxcore.store import repo_workshop as wrepo
from dxcore.text import WORD_JOINER
from tests.injections import ALL, INJECTIONS

from .conftest import ROOT, Server, wait_idle

pytestmark = pytest.mark.browser


def shown_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text().replace(WORD_JOINER, "")


def assert_plain(page, where: str) -> None:
    main = page.locator('[data-testid="stMain"]')
    for selector in ('a[href*="evil"]:not([href^="#"])', 'img[src*="evil"]', "img", ".katex"):
        assert main.locator(selector).count() == 0, f"{where}: {selector} made from user text"
    assert main.locator('[data-testid="stIconMaterial"]', has_text=re.compile(r"^home$")).count() == 0
    assert main.locator("h1, h2, h3", has_text=re.compile(r"^H$")).count() == 0
    assert main.locator("strong", has_text=re.compile(r"^b$")).count() == 0
    text = shown_text(page)
    for piece in INJECTIONS:
        assert piece in text, f"{where}: {piece!r} is not shown as typed"


def test_user_text_is_shown_as_typed_and_fetches_nothing(page, server, artifacts):
    eng = engine_mod.get_engine(server.db_url)
    org = repo.create_org(eng, ALL)
    w = wrepo.create_workshop(eng, org.id, ALL, "pulse")
    repo_plan.add_milestone(eng, org.id, date.today(), "[x](http://evil) **b** $x$")
    for path, where in (("", "home"), ("plan", "plan"), ("workshop", "workshop")):
        page.goto(f"{server.url}/{path}")
        wait_idle(page)
        expect(page.locator(".st-key-dx-active-org, h2").first).to_be_visible()
        wait_idle(page)
        assert_plain(page, where)
        page.screenshot(path=str(artifacts / f"shell-injection-{where}.png"), full_page=True)
    page.goto(f"{server.url}/join?ws={w.code}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("h2").first).to_contain_text("# H [x](http:")
    expect(page.get_by_role("dialog")).to_have_count(0)  # "/join?ws=" is a page: no "Page not found"
    assert "/join?ws=" in page.url
    assert main.locator('a[href*="evil"]:not([href^="#"]), img[src*="evil"]').count() == 0
    # a hostile join link: the code is echoed inside the red alert, as text
    page.goto(f"{server.url}/?ws=" + "%21%5Bx%5D%28http%3A%2F%2Fevil%2Fx.png%29%20%23%20H%20www.evil.example")
    alert = page.locator('[data-testid="stAlert"]').first
    expect(alert).to_be_visible()
    wait_idle(page)
    assert alert.locator("a, img, h1").count() == 0
    assert "![x](http://evil/x.png)" in alert.inner_text().replace(WORD_JOINER, "")
    page.screenshot(path=str(artifacts / "shell-injection-join-link.png"), full_page=True)
    assert page.outside.requests == [], f"fetched from outside the server: {page.outside.requests}"


@pytest.fixture
def faulty_server(tmp_path, artifacts):
    srv = Server(f"sqlite:///{tmp_path / 'fault.sqlite3'}", artifacts / f"streamlit-fault-{tmp_path.name}.log",
                 launcher=[str(ROOT / "tests" / "browser" / "fault_launcher.py")])
    yield srv
    srv.stop()


def test_an_unexpected_error_shows_a_reference_the_log_also_has(browser, faulty_server, artifacts):
    repo.create_org(engine_mod.get_engine(faulty_server.db_url), "テスト町")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(faulty_server.url)
        alert = page.locator('[data-testid="stAlert"]').first
        expect(alert).to_contain_text("参照番号")
        wait_idle(page)
        body = page.locator("body").inner_text()
        ref = re.search(r"E-[2-9A-HJ-NP-Z]{6}", alert.inner_text()).group()
        for leak in ("Traceback", "secret detail", "/srv/app", ".py", "RuntimeError"):
            assert leak not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(artifacts / "shell-error-reference.png"), full_page=True)
        faulty_server.log.flush()
        log = faulty_server.log_path.read_text(encoding="utf-8")
        assert ref in log and "Traceback" in log and "secret detail" in log
    finally:
        context.close()


def _href(page) -> str:
    return page.evaluate("window.location.href")


def test_reload_bookmark_and_two_tabs_keep_organisation_and_language(browser, page, server, artifacts):
    eng = engine_mod.get_engine(server.db_url)
    demo.load_demo(eng)
    chiyoda = repo.create_org(eng, "千代田区", "131016")
    page.goto(server.url)
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_have_attribute("data-collapsed", "false")  # a desktop starts with it open
    sidebar.locator('[data-testid="stSelectbox"]').click()
    page.get_by_role("option", name="千代田区").click()
    expect(page.get_by_role("heading", name="千代田区")).to_be_visible()
    sidebar.get_by_text("English").click()
    expect(page.get_by_role("heading", name="Gov DX Restart Navigator")).to_be_visible()
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Restart plan").click()
    expect(page.locator(".st-key-dx-active-org")).to_contain_text("千代田区")
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('org=131016') && location.search.includes('lang=en')")
    bookmark = _href(page)
    assert "/plan" in bookmark
    page.reload()
    wait_idle(page)
    expect(page.locator(".st-key-dx-active-org")).to_contain_text("千代田区")
    expect(page.get_by_role("heading", name="Restart plan")).to_be_visible()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.screenshot(path=str(artifacts / "shell-reload-keeps-org-and-lang.png"), full_page=True)
    # a second tab on the demo municipality, in Japanese, while the first stays on 千代田区
    other = page.context.new_page()
    other.goto(f"{server.url}/plan?org=1")
    wait_idle(other)
    expect(other.locator(".st-key-dx-active-org")).to_contain_text("サンプル市")
    expect(other.get_by_role("heading", name="再起動プラン")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.locator(".st-key-dx-active-org")).to_contain_text("千代田区")
    assert chiyoda.lg_code in _href(page)
    other.screenshot(path=str(artifacts / "shell-second-tab.png"), full_page=True)
    # a link opened in a new tab (middle click, "open in new tab") keeps them too
    link = page.locator('a[data-testid="stSidebarNavLink"]', has_text="KPI dashboard")
    link.dispatch_event("pointerdown")
    href = link.get_attribute("href")
    assert "org=131016" in href and "lang=en" in href
    third = page.context.new_page()
    third.goto(href)
    wait_idle(third)
    expect(third.locator(".st-key-dx-active-org")).to_contain_text("千代田区")
    expect(third.get_by_role("heading", name="KPI dashboard")).to_be_visible()


def test_each_page_has_its_own_tab_title_and_page_language(page, server):
    demo.load_demo(engine_mod.get_engine(server.db_url))
    page.goto(f"{server.url}/results")
    wait_idle(page)
    expect(page).to_have_title("診断結果 | 行政DX 再起動ナビ")
    page.wait_for_function("() => document.documentElement.lang === 'ja'")  # Streamlit's page says "en"
    page.goto(f"{server.url}/kpi?lang=en")
    wait_idle(page)
    expect(page).to_have_title("KPI dashboard | Gov DX Restart Navigator")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.goto(server.url)
    wait_idle(page)
    expect(page).to_have_title("ホーム | 行政DX 再起動ナビ")
    assert page.outside.requests == []


def test_links_between_pages_look_like_links(page, server, artifacts):
    demo.load_demo(engine_mod.get_engine(server.db_url))
    page.goto(server.url)
    wait_idle(page)
    link = page.locator('[data-testid="stMain"] a[data-testid="stPageLink-NavLink"]', has_text="診断結果を詳しく見る")
    expect(link).to_be_visible()
    style = link.evaluate("a => { const s = getComputedStyle(a); return [s.textDecorationLine, s.color]; }")
    assert "underline" in style[0] and style[1] == "rgb(0, 90, 140)"
    link.screenshot(path=str(artifacts / "shell-page-link.png"))


def test_phones_start_with_the_sidebar_closed_and_participants_never_see_the_navigation(phones, server, artifacts):
    eng = engine_mod.get_engine(server.db_url)
    org = demo.load_demo(eng)
    phone = phones()
    phone.goto(server.url)
    wait_idle(phone)
    expect(phone.get_by_role("heading", name="行政DX 再起動ナビ")).to_be_visible()
    expect(phone.locator('[data-testid="stSidebar"]')).to_have_attribute("data-collapsed", "true")
    phone.screenshot(path=str(artifacts / "shell-phone-home-sidebar-closed.png"))
    for url in (f"{server.url}/join", f"{server.url}/join?ws={wrepo.list_workshops(eng, org.id)[0].workshop.code}"):
        participant = phones()
        participant.goto(url)
        wait_idle(participant)
        expect(participant.locator('[data-testid="stMain"] h1, [data-testid="stMain"] h3').first).to_be_visible()
        wait_idle(participant)
        expect(participant.locator('[data-testid="stSidebar"]')).to_have_count(0)
        expect(participant.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
        expect(participant.locator('[data-testid="stSidebarCollapsedControl"]')).to_have_count(0)
        participant.screenshot(path=str(artifacts / f"shell-phone-join-{'code' if '?ws' in url else 'nocode'}.png"))
