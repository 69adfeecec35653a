"""Streamlit helpers of the projector view: big text for the back of the room, the page look
without the sidebar, and the live read of the room."""

from __future__ import annotations

import html

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.store import repo_workshop as wrepo
from ui.common import engine, show_error

REFRESH_S = 3  # how often the projector reads the room again

PRESENTER_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapsedControl"] { display: none !important; }
.ws-code { font-size: clamp(4rem, 12vw, 11rem); font-weight: 800; letter-spacing: .12em;
           line-height: 1.05; font-family: "Noto Sans Mono CJK JP", "DejaVu Sans Mono", monospace; }
.ws-label { font-size: 1.8rem; color: #444; margin: 0; }
.ws-url { font-size: 1.7rem; font-weight: 600; word-break: break-all; }
.ws-count { font-size: clamp(3rem, 7vw, 6.5rem); font-weight: 800; line-height: 1.1; }
.ws-statement { font-size: clamp(2rem, 3.6vw, 3.2rem); font-weight: 700; line-height: 1.45; }
.ws-note { font-size: 1.5rem; }
[data-testid="stMetricValue"] { font-size: 3.6rem; font-weight: 700; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem; }
[class*="st-key-ws_cons_"] button { min-height: 4.2rem; }
[class*="st-key-ws_cons_"] button p { font-size: 1.3rem; }
</style>
"""

def presenter_look() -> None:
    """Wide, big and without the sidebar: what a projector needs."""
    st.html(PRESENTER_CSS)


def big(text: str, kind: str = "count") -> None:
    """Text sized for the back of the room (``kind``: code, label, url, count, statement, note)."""
    st.markdown(f'<div class="ws-{kind}">{html.escape(str(text))}</div>', unsafe_allow_html=True)


def live_or_error(code: str, min_group: int = ws.MIN_GROUP_SIZE) -> wrepo.Live | None:
    try:
        return wrepo.live(engine(), code, min_group=min_group)
    except DxError as e:
        show_error(e)
        return None
