"""A new user, in a real browser: load the demo, answer the pulse check, see the chart."""

import pytest
from playwright.sync_api import expect

from dxcore.content import load
from dxcore.i18n import pick

from .conftest import wait_idle

pytestmark = pytest.mark.browser
C = load()


def test_new_user_demo_pulse_and_result_chart(page, server, artifacts):
    page.goto(server.url)
    wait_idle(page)
    expect(page.get_by_text("ようこそ")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="デモの団体(サンプル市)を読み込む").click()
    expect(page.get_by_text("DX健全度").first).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("サンプル市").first).to_be_visible()

    page.locator('[data-testid="stSidebarNav"]').get_by_text("自己診断").click()
    expect(page.get_by_role("heading", name="自己診断")).to_be_visible(timeout=30_000)
    page.locator(".st-key-diag_role-ja").click()
    page.get_by_role("option", name="現場職員").click()
    page.locator(".st-key-diag_set-ja").get_by_text("クイック診断(7問)").click()
    for q in C.questions_of("pulse"):
        block = page.locator(f".st-key-q0_{q.id}-ja")
        expect(block).to_be_visible(timeout=30_000)
        block.get_by_text("4 " + pick(C.scale[3].label, "ja"), exact=True).click()
        expect(block.locator("input[type=radio]:checked")).to_have_count(1)
    # the choices reach the server with the submit (no rerun per click)
    page.locator(".st-key-submit button").click()

    expect(page.get_by_role("heading", name="診断結果")).to_be_visible(timeout=30_000)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible(timeout=30_000)
    expect(charts.first.locator("canvas, svg").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("優先度 1").first).to_be_visible()
    wait_idle(page)
    page.screenshot(path=str(artifacts / "browser-results.png"), full_page=True)

    assert page.outside.requests == [], f"the page fetched from outside the server: {page.outside.requests}"
