"""An automated accessibility audit (axe-core, shipped inside axe-playwright-python: nothing
is fetched) over the app's screens with the demo loaded, at desktop width.

The app's own content (inside ``[data-testid="stMain"]``) must have no serious or critical
violation.  Streamlit's own chrome (header, toolbar, sidebar) is listed separately in the
output: we cannot change its markup, only report it.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dxcore import demo
from dxcore.store import engine as engine_mod
from dxcore.store import repo_workshop as wrepo

from .conftest import wait_idle

pytestmark = pytest.mark.browser
SEVERE = ("serious", "critical")
# Pages other helpers are rewriting: their own violations are reported, not fixed here
# (the lead un-marks them after merging), as this audit found them on the branch "shell".
OTHERS: dict[str, str] = {}
PAGES = ["", "diagnose", "results", "history", "plan", "kpi", "kpi-upload", "workshop", "present", "join"]

_WHERE = """(selectors) => selectors.map(sel => {
    let node = null;
    try { node = document.querySelector(sel); } catch (e) { return 'unknown'; }
    if (!node) return 'unknown';
    return node.closest('[data-testid="stMain"]') ? 'content' : 'chrome';
})"""


def audit(page) -> tuple[list[dict], list[dict], list[str]]:
    """(content violations, chrome violations) that are serious or critical, one entry per rule
    and place, and the lesser ones (moderate, minor) by rule, for information."""
    response = Axe().run(page).response
    content, chrome, lesser = [], [], []
    for v in response["violations"]:
        if v["impact"] not in SEVERE:
            lesser.append(f"{v['id']} ({v['impact']}) ×{len(v['nodes'])}")
            continue
        targets = [n["target"][-1] if isinstance(n["target"][-1], str) else str(n["target"][-1]) for n in v["nodes"]]
        # what axe saw at each node (its HTML and why it fails), so a failure names the text
        seen = {t: f'{n.get("html", "")[:160]} — {n.get("failureSummary", "")[:200]}' for t, n in zip(targets, v["nodes"], strict=True)}
        places = page.evaluate(_WHERE, targets)
        for where, bucket in (("content", content), ("chrome", chrome)):
            nodes = [t for t, w in zip(targets, places, strict=True) if w == where or (w == "unknown" and where == "content")]
            if nodes:
                bucket.append({"id": v["id"], "impact": v["impact"], "help": v["help"],
                               "nodes": [f"{t}: {seen[t]}" for t in nodes[:5]],
                               "count": len(nodes)})
    return content, chrome, lesser


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violation_in_the_apps_own_content(page, server, artifacts, path, request):
    if path in OTHERS:
        request.applymarker(pytest.mark.xfail(strict=False, reason=OTHERS[path]))
    eng = engine_mod.get_engine(server.db_url)
    org = demo.load_demo(eng)
    code = wrepo.list_workshops(eng, org.id)[0].workshop.code
    url = f"{server.url}/{path}" + (f"?ws={code}" if path == "join" else "")
    page.goto(url)
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible()
    wait_idle(page)
    content, chrome, lesser = audit(page)
    name = path or "home"
    page.screenshot(path=str(artifacts / f"a11y-{name}.png"), full_page=True)
    print(f"\n[axe] /{path} Streamlit chrome (not ours to fix): "
          + (json.dumps(chrome, ensure_ascii=False) if chrome else "none"))
    print(f"[axe] /{path} app content: " + (json.dumps(content, ensure_ascii=False) if content else "none"))
    print(f"[axe] /{path} moderate or minor, not asserted: " + (", ".join(lesser) or "none"))
    (artifacts / f"a11y-{name}.json").write_text(json.dumps({"content": content, "chrome": chrome, "lesser": lesser},
                                                            ensure_ascii=False, indent=1), encoding="utf-8")
    assert page.outside.requests == [], f"fetched from outside the server: {page.outside.requests}"
    # headings in order (h1 → h2 → h3) on every page: screen readers navigate by them (issue 10)
    assert not [v for v in lesser if v.startswith("heading-order")], f"/{path}: {lesser}"
    assert not content, f"/{path}: " + "; ".join(f"{v['id']} ({v['impact']}) ×{v['count']}: {v['nodes']}"
                                                for v in content)
