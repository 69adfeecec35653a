"""The restart plan in a real browser: from ホーム's overdue list to the plan, a status
change and a detail edit that survive a reload, and nothing fetched from outside."""

import pytest
from playwright.sync_api import expect

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def test_demo_plan_status_change_and_edit_survive_a_reload(page, server, artifacts):
    page.goto(server.url)
    wait_idle(page)
    page.get_by_role("button", name="デモの団体(サンプル市)を読み込む").click()
    home_overdue = page.locator(".st-key-home_overdue")
    expect(home_overdue).to_contain_text("S5-4", timeout=30_000)
    home_overdue.get_by_text("再起動プランで確認する").click()

    expect(page.get_by_role("heading", name="再起動プラン")).to_be_visible(timeout=30_000)
    wait_idle(page)
    overdue = page.locator(".st-key-plan_overdue")
    expect(overdue).to_contain_text("S3-2")
    expect(overdue).to_contain_text("S5-4")

    # only the current step is open: open S5 to act on its overdue item
    page.locator(".st-key-plan_step_S5 summary").click()
    page.locator(".st-key-plan_status_S5-4-ja").get_by_role("radio", name="完了").click()
    expect(page.locator('[data-testid="stToast"]').first).to_contain_text("S5-4", timeout=30_000)
    wait_idle(page)
    expect(page.locator(".st-key-plan_overdue")).not_to_contain_text("S5-4")

    page.locator(".st-key-plan_edit_S5-1").get_by_role("button", name="編集").first.click()
    owner = page.locator(".st-key-plan_f_owner_S5-1 input")
    expect(owner).to_be_visible(timeout=30_000)
    owner.fill("情報政策課 中村")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("S5-1 を保存しました")).to_be_visible(timeout=30_000)

    page.reload()
    wait_idle(page)
    page.locator(".st-key-plan_step_S5 summary").click()
    done = page.locator(".st-key-plan_status_S5-4-ja").get_by_role("radio", name="完了")
    expect(done).to_have_attribute("aria-checked", "true", timeout=30_000)
    expect(page.get_by_text("担当: 情報政策課 中村")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 5200})  # the whole page in one picture
    wait_idle(page)
    expect(page.locator(".st-key-plan_history table")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=30_000)
    page.screenshot(path=str(artifacts / "browser-plan.png"))

    assert page.outside.requests == [], f"the page fetched from outside the server: {page.outside.requests}"
