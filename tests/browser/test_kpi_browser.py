"""Monthly KPIs in a real browser: download the template from the page, fill two months
with openpyxl, upload it through the page, confirm, see the chart — and nothing is
fetched from outside the server."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from dxcore.store import engine as engine_mod
from dxcore.store import repo, repo_kpi

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def test_template_fill_upload_confirm_and_chart(page, server, tmp_path, artifacts):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    org = repo.create_org(db, "ブラウザ市")

    page.goto(server.url)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("月次データの取り込み").click()
    expect(page.get_by_role("heading", name="月次データの取り込み")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.locator(".st-key-dl_template button").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    wb = load_workbook(template)
    ws = wb["月次データ"]
    header = [c.value for c in ws[1]]
    for month, cases, hours, online, total in (("2025-04", 100, 50, 10, 40), ("2025-05", 120, 48, 20, 50)):
        row = {"年月": month, "部署": "市民課", "処理件数": cases, "処理時間(時間)": hours, "電子申請件数": online,
               "申請件数(合計)": total}
        ws.append([row.get(h) for h in header])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
    expect(page.get_by_text("取り込める状態です")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="新しい値")).to_contain_text("8")
    assert repo_kpi.count_values(db, org.id) == 0  # nothing until confirmed
    page.locator(".st-key-kpi_confirm button").click()

    expect(page.get_by_role("heading", name="KPIダッシュボード")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("取り込みました").first).to_be_visible(timeout=30_000)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart).to_be_visible(timeout=30_000)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("電子申請利用率").first).to_be_visible()
    wait_idle(page)
    assert repo_kpi.count_values(db, org.id) == 8
    page.screenshot(path=str(artifacts / "browser-kpi-dashboard.png"), full_page=True)

    assert page.outside.requests == [], f"the page fetched from outside the server: {page.outside.requests}"
