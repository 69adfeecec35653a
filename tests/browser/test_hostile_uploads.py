"""Hostile uploads through a real server and a real browser (issue 8): the server keeps
answering /_stcore/health and serving the next upload, whatever the file did to the
process that read it; a file over our size limit is explained in Japanese, where
Streamlit's uploader alone would only show a red mark; nothing is stored."""

import urllib.request

import pytest
from playwright.sync_api import expect

from dxcore.store import engine as engine_mod
from dxcore.store import repo, repo_kpi
from tests.data.kpi_bad import hostile as h

from .conftest import Server, wait_idle

pytestmark = pytest.mark.browser


def healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
        return r.status == 200


def upload(page, url: str, path) -> None:
    page.goto(f"{url}/kpi-upload")
    expect(page.get_by_role("heading", name="月次データの取り込み")).to_be_visible(timeout=60_000)
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def test_a_reader_that_blows_up_takes_down_neither_the_server_nor_the_next_upload(browser, tmp_path, artifacts):
    # limits raised so far that XFD1048576 reaches calamine, which aborts asking for 512 GiB:
    # in the child process that reads the upload, not in the server
    db = tmp_path / "hostile.sqlite3"
    org = repo.create_org(engine_mod.get_engine(f"sqlite:///{db}"), "ブラウザ市")
    srv = Server(f"sqlite:///{db}", artifacts / "streamlit-hostile-uploads.log",
                 extra_env={"DX_MAX_COLUMNS": "20000", "DX_MAX_CELLS": "100000000000000"})
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    try:
        page = context.new_page()
        far = tmp_path / "far.xlsx"
        far.write_bytes(h.far_cell())
        upload(page, srv.url, far)
        expect(page.get_by_text("1 か所に誤りがあります")).to_be_visible(timeout=60_000)
        page.screenshot(path=str(artifacts / "browser-upload-reader-aborted.png"), full_page=True)
        assert healthy(srv.url) and srv.proc.poll() is None

        small = tmp_path / "small.xlsx"
        small.write_bytes(h.raw_xlsx(h.table([h.HEADER, h.ROW])))
        upload(page, srv.url, small)
        expect(page.get_by_text("取り込める状態です")).to_be_visible(timeout=60_000)
        assert repo_kpi.count_values(engine_mod.get_engine(f"sqlite:///{db}"), org.id) == 0
    finally:
        context.close()
        srv.stop()
    assert "upload 'far.xlsx' not read: memory" in (artifacts / "streamlit-hostile-uploads.log").read_text()


def test_hostile_files_are_refused_and_a_big_one_is_explained_in_japanese(page, server, tmp_path, artifacts):
    db = engine_mod.get_engine(f"sqlite:///{tmp_path / 'browser.sqlite3'}")  # the server's database
    org = repo.create_org(db, "ブラウザ市")
    for name, data in (("far.xlsx", h.far_cell()), ("wide.csv", h.wide_csv()),
                       ("nul.csv", h.control_csv("市民\x00課"))):
        path = tmp_path / name
        path.write_bytes(data)
        upload(page, server.url, path)
        expect(page.get_by_text("1 か所に誤りがあります")).to_be_visible(timeout=60_000)
        assert healthy(server.url)
    big = tmp_path / "大きい.csv"
    big.write_bytes(h.big_file(19_000_000))  # over ours (18 MiB), under Streamlit's 20 MB
    upload(page, server.url, big)
    expect(page.get_by_text("画面から取り込める上限(18MB)を超えています")).to_be_visible(timeout=120_000)
    page.screenshot(path=str(artifacts / "browser-upload-too-big.png"), full_page=True)
    assert healthy(server.url) and repo_kpi.count_values(db, org.id) == 0
    assert page.outside.requests == []
