"""Text that came from a user (names, titles, notes, URL parameters, spreadsheet cells) is data.

:func:`escape_md` is the one place that makes such text safe to put inside Markdown that
Streamlit renders; every page that builds Markdown from data goes through it (``ui.common.md``).
"""

from __future__ import annotations

_MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:"


def escape_md(text: object) -> str:
    """``text`` with every Markdown special character escaped, so that it shows as typed."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))
