"""The projector view in a real browser at 1920×1080, and the facilitator's laptop (1400×1000) driving it.

What the room sees: no control of any kind, the join code and the live count in a corner,
a QR code big enough to scan from the middle of the room (decoded here from the
screenshot), the patterns' names on the risk screen, chart text of 24 px or more, a
statement written out in full with its answers above the fold; the projector's keyboard
moves it, and the facilitator's "next" in another browser moves it within seconds.
Nothing is fetched from outside the server.
"""

from __future__ import annotations

import io
import random

import pytest
from playwright.sync_api import expect

from dxcore.content import load
from dxcore.i18n import pick
from dxcore.store import engine as engine_mod
from dxcore.store import repo
from dxcore.store import repo_present as prepo
from dxcore.store import repo_workshop as wrepo

from .conftest import Outside, wait_idle

pytestmark = pytest.mark.browser
C = load()
PULSE = C.question_ids("pulse")
PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1400, "height": 1000}
LIVE_WAIT_MS = 20_000  # the projector reads the room every 3 s
CONTROLS = ("button, select, input, textarea, a[href], [role=tab], [role=combobox], [role=switch], [role=slider], "
            "[role=radio], [role=checkbox], [data-testid=stSidebar], [data-testid=stHeader], "
            "[data-testid=stMainMenu], [data-testid=stToolbar]")


def a_room(db_url: str, question_set: str = "pulse", people: int = 24):
    """An organisation and a workshop that people have answered (executives, front line, others)."""
    engine = engine_mod.get_engine(db_url)
    org = repo.create_org(engine, "投影市")
    w = wrepo.create_workshop(engine, org.id, "令和8年度 DX推進研修(午後の部)", question_set)
    rnd = random.Random(7)
    roles = ["executive"] * 5 + ["frontline"] * 12 + ["it", "dx_office", "other"]
    for i in range(people):
        role = roles[i % len(roles)]
        if question_set == "myths":
            answers = {m.id: rnd.choice([True, False, False, None]) for m in C.myths}
        else:  # executives see it rosier than the front line
            answers = {q: rnd.choice([1, 2, 2, 3] if role == "executive" else [3, 4, 4, 5, None]) for q in PULSE}
        wrepo.submit(engine, w.code, f"room{i}-xxxxxxxx", role, answers)
    return engine, w


def open_projector(browser, server, code: str):
    context = browser.new_context(viewport=PROJECTOR, locale="ja-JP")
    pg = context.new_page()
    pg.outside = Outside(server.url)
    pg.on("request", pg.outside)
    pg.goto(f"{server.url}/present?workshop={code}")
    wait_idle(pg)
    expect(pg.locator(".ws-corner")).to_be_visible(timeout=30_000)
    return context, pg


def settled(pg) -> None:
    """The projector's refresh has finished: no element of the previous screen is left waiting
    to be replaced (the projector keeps them at full strength rather than greyed out)."""
    wait_idle(pg)
    pg.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=LIVE_WAIT_MS)


def visible_controls(pg) -> list[str]:
    """Anything the room could see to click, choose or open (there must be none)."""
    return pg.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}))
        // drawn on the screen: more than a screen reader's 1-px "skip to content" link
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 2 && r.height > 2
                       && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight; })
        .map(e => e.outerHTML.slice(0, 120))""", CONTROLS)


def inside_viewport(pg, locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= PROJECTOR["width"] + 0.5, box
    assert box["y"] + box["height"] <= PROJECTOR["height"] + 0.5, f"below the fold: {box}"


def chart_texts(pg, where: str) -> list[dict]:
    """The text Vega drew (SVG), with its font size in px."""
    locator = pg.locator(f"{where} svg.marks text").first
    expect(locator).to_be_attached(timeout=LIVE_WAIT_MS)
    return pg.evaluate("""(where) => [...document.querySelectorAll(where + ' svg.marks text')]
        .map(t => ({text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize)}))
        .filter(t => t.text.trim())""", where)


def corner_shows(pg, code: str, answered: int, joined: int) -> None:
    corner = pg.locator(".ws-corner")
    expect(corner).to_contain_text(code)
    expect(corner).to_contain_text(f"回答済み {answered} 人 / 参加 {joined} 人")
    inside_viewport(pg, corner)


def shown_to_the_room(pg, code: str, people: int, shot) -> None:
    """A finished screen: the corner in place, nothing to press, kept as a screenshot."""
    corner_shows(pg, code, people, people)
    settled(pg)
    assert visible_controls(pg) == []
    pg.screenshot(path=str(shot))


def decoded_qr(png: bytes) -> list[str]:
    try:
        from PIL import Image
        from pyzbar.pyzbar import decode
    except ImportError as e:  # pyzbar is in requirements-dev.txt, libzbar0 in .ci/run
        pytest.fail(f"no QR decoder: {e}")
    return [d.data.decode() for d in decode(Image.open(io.BytesIO(png)))]


def test_the_room_sees_one_clean_screen_at_a_time_and_the_keyboard_moves_it(browser, server, tmp_path, artifacts):
    engine, w = a_room(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    context, pg = open_projector(browser, server, w.code)
    try:
        # the join screen: code, address, a QR code for the middle of the room
        expect(pg.get_by_role("heading", name=w.title)).to_be_visible()
        join_url = f"{server.url}/?ws={w.code}"
        expect(pg.get_by_text(join_url, exact=True)).to_be_visible()
        qr = pg.locator(".st-key-present_qr img")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 500 and box["height"] >= 500, box
        inside_viewport(pg, qr)
        assert decoded_qr(qr.screenshot()) == [join_url]
        # its caption is drawn in full (Streamlit fades image captions to opacity .6: contrast 3.7)
        caption = pg.locator(".st-key-present_qr p", has_text="カメラで読み取ると")
        assert caption.evaluate("p => { let o = 1; for (let n = p; n; n = n.parentElement)"
                                " o *= +getComputedStyle(n).opacity; return o; }") == 1
        shown_to_the_room(pg, w.code, 24, artifacts / "projector-join.png")

        # → : the room's risk by pattern; hidden until revealed (H)
        pg.keyboard.press("ArrowRight")
        expect(pg.get_by_role("heading", name="会場の失敗パターン別リスク")).to_be_visible(timeout=LIVE_WAIT_MS)
        expect(pg.get_by_text("結果はまだ表示していません")).to_be_visible()
        assert prepo.screen(engine, w.code).id == "risk"
        pg.keyboard.press("h")
        expect(pg.get_by_text("結果はまだ表示していません")).to_have_count(0, timeout=LIVE_WAIT_MS)
        chart = pg.locator(".st-key-present_risk svg.marks")
        settled(pg)
        texts = chart_texts(pg, ".st-key-present_risk")
        assert wrepo.require_workshop(engine, w.code).revealed
        drawn = {t["text"] for t in texts}
        for p in C.patterns:
            assert f"{p.id} {pick(p.title, 'ja')}" in drawn, f"{p.id}'s name is not on the risk chart"
        assert all(t["size"] >= 24 for t in texts), [t for t in texts if t["size"] < 24]
        assert not any(t["text"].endswith("…") for t in texts)
        for label in pg.locator(".st-key-present_risk svg.marks text").all():
            inside_viewport(pg, label)
        inside_viewport(pg, chart)
        shown_to_the_room(pg, w.code, 24, artifacts / "projector-risk.png")

        # space: where 幹部 and 現場 differ
        pg.keyboard.press("Space")
        expect(pg.get_by_role("heading", name="幹部と現場の見え方のズレ")).to_be_visible(timeout=LIVE_WAIT_MS)
        settled(pg)
        texts = chart_texts(pg, ".st-key-present_gap")
        assert {"幹部", "現場"} <= {t["text"] for t in texts} and all(t["size"] >= 24 for t in texts)
        expect(pg.get_by_text("最もズレが大きい設問")).to_be_visible()
        inside_viewport(pg, pg.locator(".st-key-present_gap"))
        shown_to_the_room(pg, w.code, 24, artifacts / "projector-gap.png")

        # → : one statement, written out in full, its answers above the fold
        pg.keyboard.press("ArrowRight")
        q = C.question_index[PULSE[0]]
        statement = pg.locator(".ws-statement")
        expect(statement).to_have_text(f"{q.id}  {q.text['ja']}", timeout=LIVE_WAIT_MS)
        assert statement.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight + 1")
        inside_viewport(pg, statement)
        settled(pg)
        texts = chart_texts(pg, ".st-key-present_statement")
        expect(pg.get_by_text("最もズレが大きい設問")).to_have_count(0)  # nothing left of the last screen
        assert all(t["size"] >= 24 for t in texts)
        assert {f"{o.value} {pick(o.label, 'ja')}" for o in C.scale} <= {t["text"] for t in texts}
        inside_viewport(pg, pg.locator(".st-key-present_statement svg.marks"))
        shown_to_the_room(pg, w.code, 24, artifacts / "projector-statement.png")

        # ← : back again
        pg.keyboard.press("ArrowLeft")
        expect(pg.get_by_role("heading", name="幹部と現場の見え方のズレ")).to_be_visible(timeout=LIVE_WAIT_MS)
        assert prepo.screen(engine, w.code).id == "gap"
        assert pg.outside.requests == [], f"the projector fetched from outside the server: {pg.outside.requests}"
    finally:
        context.close()


def test_the_facilitators_laptop_drives_the_projector_in_another_browser(browser, server, tmp_path, artifacts):
    engine, w = a_room(f"sqlite:///{tmp_path / 'browser.sqlite3'}")
    laptop_context = browser.new_context(viewport=LAPTOP, locale="ja-JP")
    projector_context, room = open_projector(browser, server, w.code)
    try:
        laptop = laptop_context.new_page()
        laptop.outside = Outside(server.url)
        laptop.on("request", laptop.outside)
        laptop.goto(f"{server.url}/facilitate")
        wait_idle(laptop)
        expect(laptop.get_by_role("heading", name="進行役の画面")).to_be_visible(timeout=30_000)
        expect(room.get_by_role("heading", name=w.title)).to_be_visible()

        laptop.locator(".st-key-fac_next button").click()  # the big button
        expect(room.get_by_role("heading", name="会場の失敗パターン別リスク")).to_be_visible(timeout=LIVE_WAIT_MS)
        expect(laptop.get_by_role("heading", name="会場の失敗パターン別リスク")).to_be_visible()
        laptop.locator(".st-key-fac_reveal button:visible").click()
        expect(room.locator(".st-key-present_risk svg.marks text").first).to_be_attached(timeout=LIVE_WAIT_MS)

        laptop.keyboard.press("ArrowRight")  # the laptop's keyboard works there too
        expect(room.get_by_role("heading", name="幹部と現場の見え方のズレ")).to_be_visible(timeout=LIVE_WAIT_MS)
        wait_idle(laptop)
        laptop.screenshot(path=str(artifacts / "projector-facilitator.png"), full_page=True)

        room.keyboard.press("ArrowRight")  # moved on the projector: the laptop follows
        expect(laptop.get_by_role("heading", name=f"設問 {PULSE[0]} {C.question_index[PULSE[0]].text['ja']}")
               ).to_be_visible(timeout=LIVE_WAIT_MS)

        # the link opens the clean projector view in a new window
        with laptop_context.expect_page() as opened:
            laptop.get_by_text("プロジェクター表示を新しいウィンドウで開く").click()
        second = opened.value
        second.wait_for_load_state()
        wait_idle(second)
        expect(second.locator(".ws-statement")).to_contain_text(PULSE[0], timeout=30_000)
        assert f"/present?workshop={w.code}" in second.url
        for pg in (laptop, room):
            assert pg.outside.requests == [], f"a page fetched from outside the server: {pg.outside.requests}"
        room.screenshot(path=str(artifacts / "projector-following.png"))
    finally:
        laptop_context.close()
        projector_context.close()


def test_the_warm_up_shows_each_myth_with_its_split_and_answer(browser, server, tmp_path, artifacts):
    engine, w = a_room(f"sqlite:///{tmp_path / 'browser.sqlite3'}", "myths", people=12)
    prepo.show(engine, w.code, "myth:M2")
    wrepo.set_revealed(engine, w.code, True)
    context, pg = open_projector(browser, server, w.code)
    try:
        myth = next(m for m in C.myths if m.id == "M2")
        expect(pg.locator(".ws-statement")).to_have_text(f"M2  {myth.statement['ja']}")
        texts = chart_texts(pg, ".st-key-present_myth")
        assert {"○ 正しい", "× 誤り", "わからない"} <= {t["text"] for t in texts}
        assert all(t["size"] >= 24 for t in texts)
        expect(pg.get_by_text("正解は「× 誤り」", exact=False)).to_be_visible()
        inside_viewport(pg, pg.locator(".st-key-present_myth"))
        shown_to_the_room(pg, w.code, 12, artifacts / "projector-myth.png")
        assert pg.outside.requests == []
    finally:
        context.close()
