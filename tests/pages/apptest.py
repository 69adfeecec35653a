"""AppTest helpers shared by the page tests: start the app, read its text."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dxcore.text import shown_as

ROOT = Path(__file__).resolve().parents[2]
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "success", "error", "warning")


def app(**query) -> AppTest:
    """The whole app (app.py) after its first run, optionally with URL query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every piece of text on the screen, one per line, as it reads (user text that
    ``ui.common.md`` escaped shows without its backslashes)."""
    return "\n".join(shown_as(str(e.value)) for kind in TEXT_KINDS for e in getattr(at, kind))
