"""報告書 in a real browser (desktop 1400×1000): the demo's summary, the build with its
progress, and a download that python-pptx opens; nothing is fetched from outside the server."""

import pytest
from playwright.sync_api import expect
from pptx import Presentation

from dxcore import demo
from dxcore.store import engine as engine_mod

from .conftest import wait_idle

pytestmark = pytest.mark.browser


def test_build_and_download_the_demo_report(page, server, tmp_path, artifacts):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    demo.load_demo(db)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server.url)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("報告書").click()
    expect(page.get_by_role("heading", name="報告書(成果報告)")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("DX健全度は", exact=False).first).to_be_visible()
    page.locator(".st-key-report_build button").click()
    expect(page.locator(".st-key-report_dl_pptx button")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("できました")).to_be_visible()
    page.screenshot(path=str(artifacts / "report-page-desktop.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(".st-key-report_dl_pptx button").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pptx"
    slides = list(Presentation(str(path)).slides)
    assert len(slides) > 10 and any(shape.has_chart for s in slides for shape in s.shapes)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert page.outside.requests == [], f"the page fetched from outside the server: {page.outside.requests}"
