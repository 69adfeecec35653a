"""Before/after screenshots of the screens issue 10 is about, taken the same way from two checkouts.

    python docs/screens.py --app /tmp/before --label before --app . --label after --out test-artifacts/screens

For each checkout: a fresh SQLite database with the demo (``python -m dxcore demo`` run in that
checkout, so each version builds its own schema), a real ``streamlit run`` of that checkout, and
Debian chromium at the widths users have (phone 390 px, desktop 1400 px, projector 1920 px).
Each shot is named ``<label>-<item>.png``; a step a version cannot do (a screen it does not have)
is skipped with a line saying so.  Nothing here is a test: the pictures are for people to compare.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def idle(page, timeout: float = 30_000) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=timeout)
    page.wait_for_timeout(1500)  # charts draw after the script has finished


class App:
    def __init__(self, app_dir: Path, work: Path):
        self.dir = app_dir
        db = work / "screens.sqlite3"
        self.env = {**os.environ, "DX_DATABASE_URL": f"sqlite:///{db}"}
        self.env.pop("DX_ADMIN_PASSWORD", None)
        subprocess.run([sys.executable, "-m", "dxcore", "demo"], cwd=app_dir, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        with sqlite3.connect(db) as conn:
            self.code = conn.execute("SELECT code FROM workshop ORDER BY id LIMIT 1").fetchone()[0]
            conn.execute("UPDATE workshop SET revealed = 1")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (work / "server.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=app_dir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{app_dir}: the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def shots(app: App, browser, label: str, out: Path) -> None:
    def take(item: str, context_options: dict, path: str, *, full_page: bool = True, then=None) -> None:
        context = browser.new_context(locale="ja-JP", **context_options)
        page = context.new_page()
        try:
            page.goto(app.url + path)
            idle(page)
            if then is not None:
                then(page)
                idle(page)
            page.screenshot(path=str(out / f"{label}-{item}.png"), full_page=full_page)
            print(f"  {label}-{item}.png")
        except Exception as e:  # noqa: BLE001 — a version without this screen: say so and go on
            print(f"  {label}-{item}: skipped ({type(e).__name__}: {str(e).splitlines()[0][:100]})")
        finally:
            context.close()

    def old_results_screen(page) -> None:  # before: a segmented control picks the results screen
        page.get_by_text("結果", exact=True).first.click()

    def new_risk_screen(page) -> None:  # after: the facilitator moves the projector on (→), as /facilitate does
        subprocess.run([sys.executable, "-c", "import sys; from dxcore import present; "
                        "from dxcore.store import engine, repo_present; "
                        "repo_present.move(engine.get_engine(), sys.argv[1], present.NEXT)", app.code],
                       cwd=app.dir, env=app.env, check=True)
        page.get_by_role("heading", name="会場の失敗パターン別リスク").wait_for(timeout=15_000)

    has_clean_view = (app.dir / "pages" / "facilitate.py").exists()
    if has_clean_view:
        take("projector-join-1920", PROJECTOR, f"/present?workshop={app.code}", full_page=False)
        take("projector-results-1920", PROJECTOR, f"/present?workshop={app.code}", full_page=False,
             then=new_risk_screen)
        take("facilitator-1400", DESKTOP, "/facilitate")
    else:
        take("projector-results-1920", PROJECTOR, "/present", full_page=False, then=old_results_screen)
        take("projector-join-1920", PROJECTOR, "/present", full_page=False)
    take("home-390", PHONE, "/", full_page=False)
    take("join-without-code-390", PHONE, "/join", full_page=False)
    take("join-390", PHONE, f"/?ws={app.code}")
    take("plan-390", PHONE, "/plan")
    take("plan-820", {"viewport": {"width": 820, "height": 1180}}, "/plan", full_page=False)
    take("kpi-390", PHONE, "/kpi")
    take("kpi-1400", DESKTOP, "/kpi")
    take("kpi-compare-1400", DESKTOP, "/kpi", then=lambda page: page.get_by_role("tab").nth(1).click())
    take("results-1400", DESKTOP, "/results")
    take("history-1400", DESKTOP, "/history")
    take("diagnose-390", PHONE, "/diagnose", full_page=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", action="append", required=True, type=Path, help="a checkout of the app")
    parser.add_argument("--label", action="append", required=True, help="its name in the file names")
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/screens"))
    parser.add_argument("--chromium", default=os.environ.get("DX_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if len(args.app) != len(args.label):
        parser.error("give one --label per --app")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        for app_dir, label in zip(args.app, args.label):
            print(f"{label}: {app_dir.resolve()}")
            with tempfile.TemporaryDirectory(prefix=f"dx-screens-{label}-") as work:
                app = App(app_dir.resolve(), Path(work))
                try:
                    shots(app, browser, label, args.out)
                finally:
                    app.stop()
        browser.close()


if __name__ == "__main__":
    main()
