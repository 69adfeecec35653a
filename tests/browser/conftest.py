"""A real `streamlit run` server and Debian chromium driven by Python playwright.

Locally the browser tests are skipped, with the reason printed, when chromium is not
installed and CI is unset; under CI a missing chromium is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deploy import workers

ROOT = Path(__file__).resolve().parents[2]
# every expect(...) waits up to 30 s unless told otherwise: a Streamlit rerun on a loaded
# 2-core CI machine can take longer than playwright's default 5 s
expect.set_options(timeout=30_000)
CHROMIUM = os.environ.get("DX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but chromium is missing at {CHROMIUM}: .ci/run must install it")
        reason = f"chromium not found at {CHROMIUM} (install Debian's chromium to run the browser tests)"
        print(f"\nSKIP browser tests: {reason}", file=sys.stderr)
        pytest.skip(reason)
    return CHROMIUM


class Server:
    def __init__(self, db_url: str, log: Path, extra_env: dict | None = None, launcher: list[str] | None = None):
        """``launcher``: what runs ``streamlit run …`` (default ``-m streamlit``; a test may use a
        script that first injects a fault into the server process)."""
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        env = {**os.environ, "DX_DATABASE_URL": db_url, **(extra_env or {})}
        self.log_path = log
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, *(launcher or ["-m", "streamlit"]), "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        try:
            workers.wait_healthy(self.url, [self.proc], timeout=60)
        except RuntimeError as e:
            raise RuntimeError(f"{e}; see {log}") from None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def server(tmp_path, artifacts):
    srv = Server(f"sqlite:///{tmp_path / 'browser.sqlite3'}", artifacts / f"streamlit-{tmp_path.name}.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Outside:
    """Records every request the page makes to a host other than the test server."""

    def __init__(self, server_url: str):
        self.allowed = server_url.split("//", 1)[1].split("/", 1)[0]
        self.requests: list[str] = []

    def __call__(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        host = url.split("//", 1)[-1].split("/", 1)[0]
        if host != self.allowed:
            self.requests.append(url)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
    pg = context.new_page()
    outside = Outside(server.url)
    pg.on("request", outside)
    pg.outside = outside
    yield pg
    context.close()


def wait_idle(pg, timeout: float = 30_000) -> None:
    """Wait until the app is rendered and the script has stopped running."""
    expect(pg.locator('[data-testid="stApp"]')).to_be_visible(timeout=timeout)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=timeout)


@pytest.fixture
def sized(browser, server):
    """Make pages of a given viewport, each in a browser context of its own (separate sessions, as
    separate people); each page records requests to other hosts in ``.outside`` like ``page``."""
    contexts = []

    def make(width: int, height: int, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ja-JP", **options)
        contexts.append(context)
        pg = context.new_page()
        pg.outside = Outside(server.url)
        pg.on("request", pg.outside)
        return pg

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def phones(sized):
    """Make phone-sized pages (390 × 844, touch), as separate people."""
    return lambda: sized(390, 844, device_scale_factor=2, is_mobile=True, has_touch=True)
