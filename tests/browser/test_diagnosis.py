"""The diagnosis screens in a real browser at 390 / 1400 / 1920 px: choosing answers sends
nothing to the server until a button is pressed, a reload resumes the draft named in the
URL, 「回答をすべて消す」 really unchecks the radios, the plan's checklist text keeps its
width on a phone, the overdue mark has enough contrast, and the history chart has dates on
the very first day."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from dxcore.content import load
from dxcore.periods import to_local
from dxcore.store import engine as engine_mod
from dxcore.store import repo

from .conftest import wait_idle

pytestmark = pytest.mark.browser
C = load()


def heading_levels(page) -> list[int]:
    return page.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3, [data-testid="stMain"] h4')]
        .map(h => Number(h.tagName[1]))""")


def collapse_sidebar(page) -> None:
    """Phones: the app may open with the sidebar over the page; close it like a user would."""
    if page.viewport_size["width"] >= 700:
        return
    sidebar = page.locator('[data-testid="stSidebar"]')
    # the sidebar has been drawn by the app (its language switch), not only by the first paint
    expect(page.locator('[data-testid="stSidebarUserContent"] [data-testid="stRadio"]')).to_be_attached()
    try:  # the sidebar opens just after the first run, if the app asks for it on narrow screens
        expect(sidebar).to_have_attribute("data-collapsed", "false", timeout=3_000)
    except AssertionError:
        return
    sidebar.hover()  # its collapse button shows on hover
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    expect(sidebar).to_have_attribute("data-collapsed", "true")


def load_demo(page, server) -> None:
    page.goto(server.url)
    wait_idle(page)
    collapse_sidebar(page)
    page.get_by_role("button", name="デモの団体(サンプル市)を読み込む").click()
    expect(page.get_by_text("いま注意すべき失敗パターン")).to_be_visible()
    wait_idle(page)


def open_page(page, server, path: str) -> None:
    page.goto(f"{server.url}/{path}")
    wait_idle(page)
    collapse_sidebar(page)


def progress(page):
    return page.locator('[data-testid="stProgress"]').first


def answer(page, qid: str, label: str, generation: int = 0):
    block = page.locator(f".st-key-q{generation}_{qid}-ja")
    radio = block.get_by_role("radio", name=label, exact=True)
    block.locator("label").filter(has=page.get_by_role("radio", name=label, exact=True)).click()  # as a person does: the visible label (it covers the input)
    expect(radio).to_be_checked()
    return radio


def record_frames(page) -> list:
    """Every message the page sends to the server over Streamlit's websocket."""
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    return sent


def test_answers_travel_with_one_click_and_a_reload_resumes_the_draft(page, server, artifacts):
    sent = record_frames(page)
    load_demo(page, server)
    open_page(page, server, "diagnose")
    expect(progress(page)).to_contain_text("保存済み 0 / 42 問")
    p1 = [q.id for q in C.pattern_index["P1"].questions]
    before = len(sent)
    for qid in p1:
        answer(page, qid, "4 やや当てはまる")
    page.wait_for_timeout(1500)
    assert len(sent) == before, "choosing an answer must not send anything (no rerun per click)"
    expect(progress(page)).to_contain_text("保存済み 0 / 42 問")  # honest: the server has nothing yet

    page.locator(".st-key-save_P1 button").click()
    expect(progress(page)).to_contain_text("保存済み 6 / 42 問")
    wait_idle(page)
    assert len(sent) - before == 1, f"one click, one message: {len(sent) - before}"
    assert re.search(r"[?&]d=[A-Za-z0-9_-]{16,}", page.url), page.url

    page.reload()
    wait_idle(page)
    expect(progress(page)).to_contain_text("保存済み 6 / 42 問")
    for qid in p1:
        expect(page.locator(f".st-key-q0_{qid}-ja").get_by_role("radio", name="4 やや当てはまる",
                                                               exact=True)).to_be_checked()
    expect(page.locator(f".st-key-q0_{C.pattern_index['P2'].questions[0].id}-ja")
           .get_by_role("radio", name="4 やや当てはまる", exact=True)).not_to_be_checked()
    page.locator(".st-key-pattern_P1").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "diagnosis-reload-keeps-answers-1400.png"))
    assert page.outside.requests == []


def test_reset_asks_then_unchecks_the_radios_on_a_phone(phones, server, artifacts):
    page = phones()
    load_demo(page, server)
    open_page(page, server, "diagnose")
    first = C.question_ids("full")[0]
    answer(page, first, "5 よく当てはまる")
    page.locator(".st-key-save button").click()
    expect(progress(page)).to_contain_text("保存済み 1 / 42 問")
    wait_idle(page)

    page.locator(".st-key-reset button").click()
    expect(page.get_by_text("元に戻せません")).to_be_visible()
    expect(progress(page)).to_contain_text("保存済み 1 / 42 問")  # nothing cleared before confirming
    page.locator(".st-key-diagnose_confirm").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "diagnosis-reset-confirm-390.png"))
    page.locator(".st-key-reset_yes button").click()
    expect(page.get_by_text("回答をすべて消しました")).to_be_visible()
    wait_idle(page)
    expect(progress(page)).to_contain_text("保存済み 0 / 42 問")
    radios = page.locator(f".st-key-q1_{first}-ja").get_by_role("radio")
    expect(radios).to_have_count(6)
    for i in range(6):
        expect(radios.nth(i)).not_to_be_checked()
    assert "d=" not in page.url
    page.locator(f".st-key-q1_{first}-ja").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "diagnosis-reset-unchecked-390.png"))

    answer(page, first, "5 よく当てはまる", generation=1)  # the same option again counts
    page.locator(".st-key-save button").click()
    expect(progress(page)).to_contain_text("保存済み 1 / 42 問")


def contrast(page, locator) -> float:
    """WCAG contrast ratio between an element's text colour and the background behind it."""
    return page.evaluate("""el => {
        const rgb = s => s.match(/[\\d.]+/g).map(Number);
        const lum = ([r, g, b]) => {
            const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * (top[3] ?? 1) + bottom[i] * (1 - (top[3] ?? 1)));
        let layers = [];
        for (let e = el; e; e = e.parentElement) {
            const bg = rgb(getComputedStyle(e).backgroundColor);
            if ((bg[3] ?? 1) > 0) layers.push(bg);
            if ((bg[3] ?? 1) === 1) break;
        }
        let back = [255, 255, 255];
        for (const layer of layers.reverse()) back = over(layer, back);
        const style = getComputedStyle(el);
        const fg = over([...rgb(style.color).slice(0, 3), (rgb(style.color)[3] ?? 1) * Number(style.opacity)], back);
        const [a, b] = [lum(fg), lum(back)].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
    }""", locator.element_handle())


@pytest.mark.parametrize("width,height", [(390, 844), (1400, 1000), (1920, 1080)])
def test_the_plan_reads_at_every_width(sized, server, artifacts, width, height):
    page = sized(width, height)
    load_demo(page, server)
    open_page(page, server, "plan")
    current = page.locator(".st-key-plan_step_S1")
    expect(current.locator('[class*="st-key-plan_text_"]').first).to_be_visible()
    widths = page.evaluate("""() => [...document.querySelectorAll('[class*="st-key-plan_text_"]')]
        .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().width)""")
    assert widths and min(widths) >= 250, widths  # not one character per line
    # one step open (the current one), and a ranking of three
    expect(page.locator('[data-testid="stExpander"] details[open]')).to_have_count(1)
    expect(page.get_by_text(re.compile("^優先順位 [123]$"))).to_have_count(3)
    overdue = page.get_by_text(re.compile("^期限切れ")).first
    overdue.scroll_into_view_if_needed()
    assert contrast(page, overdue) >= 4.5
    height_px = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    assert height_px < 12_000, height_px  # it was about 28,000 px on a phone
    current.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"plan-current-step-{width}.png"))
    changes = page.locator(".st-key-plan_history table")
    changes.scroll_into_view_if_needed()
    expect(changes).to_be_visible()
    cell_widths = page.evaluate("""() => [...document.querySelectorAll('.st-key-plan_history td')]
        .map(td => td.scrollWidth <= td.clientWidth + 1)""")
    assert all(cell_widths)  # 「変更内容」 wraps inside its cell instead of being cut
    page.screenshot(path=str(artifacts / f"plan-recent-changes-{width}.png"))
    assert page.outside.requests == []


def test_history_has_dates_on_the_first_day(page, server, artifacts, tmp_path):
    engine = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    org = repo.create_org(engine, "初日町")
    now = datetime.now(timezone.utc)
    for role in ("dx_office", "frontline"):
        repo.save_diagnosis(engine, org.id, {q: 3 for q in C.question_ids("full")}, role, taken_at=now)
    open_page(page, server, "history")
    expect(page.get_by_role("heading", name="DX健全度の推移")).to_be_visible()
    labels = page.locator(".vega-embed").first.locator(".role-axis-label text")
    expect(labels.first).to_be_visible()
    today = to_local(now).strftime("%Y/%m/%d")
    assert today in labels.all_text_contents(), labels.all_text_contents()
    page.screenshot(path=str(artifacts / "history-first-day-1400.png"))


@pytest.mark.parametrize("width,height", [(390, 844), (1920, 1080)])
def test_results_explain_the_risk_at_phone_and_projector_width(sized, server, artifacts, width, height):
    page = sized(width, height)
    load_demo(page, server)
    open_page(page, server, "results")
    expect(page.get_by_role("heading", name="それぞれのリスクが意味すること")).to_be_visible()
    page.screenshot(path=str(artifacts / f"diagnosis-results-{width}.png"))
    page.locator(".st-key-results_levels").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"diagnosis-results-levels-{width}.png"))
    for path in ("results", "diagnose", "history", "plan"):  # headings go down one level at a time
        open_page(page, server, path)
        expect(page.locator('[data-testid="stMain"] h1')).to_have_count(1)
        levels = heading_levels(page)
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)
        page.screenshot(path=str(artifacts / f"screen-{path}-{width}.png"), full_page=path != "plan")
    assert page.outside.requests == []
