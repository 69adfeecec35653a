"""The frame around every page: the tab title, the page language, the app's CSS, the LAN
warning, and what a visitor sees when a page fails.

- **Errors**: :func:`guarded` runs a page; an exception the page did not expect is logged
  with its traceback under a short reference (``E-7KQ2XM``) and the browser gets one
  friendly sentence with that reference, never code.  Streamlit's own control flow
  (``st.stop``, ``st.rerun``, ``st.switch_page``) is made of BaseExceptions and passes.
  ``.streamlit/config.toml`` sets ``showErrorDetails = "none"`` for errors outside a page
  (a widget callback): Streamlit then shows only a generic sentence.
- **Language**: Streamlit's page says ``<html lang="en">``; a tiny inline script (nothing
  loaded from anywhere) sets it from the chosen language, for screen readers.
"""

from __future__ import annotations

import gc
import logging
import secrets
import sys
import threading
from pathlib import Path

import streamlit as st
from streamlit.errors import FragmentHandledException

from dxcore.errors import DxError
from ui.common import lang, show_error, tr

LOG = logging.getLogger("dxnavi")
LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})
REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: a reference read out on the phone
CSS = Path(__file__).with_name("frame.css").read_text(encoding="utf-8")  # read once per process
_warned_lan = threading.Event()


def _setup_logging() -> None:
    """Our log lines go to the server's stderr (next to Streamlit's), with the time."""
    if not LOG.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)


_setup_logging()


_settle_lock = threading.Lock()
_heap_settled = False


def settle_startup_heap() -> None:
    """Once per process, when app.py has imported what it needs: what exists by then (modules,
    content, catalogues) stays for the life of the process, so the cyclic GC stops walking it
    (``gc.freeze``); a full collection then walks what the sessions made.  Measured with a
    ``gc.callbacks`` probe while 200 phones answered at once: full collections walked about
    250,000 objects, 140-180 ms each, twice per room (a sixth of the server's CPU); after,
    10-30 ms.  postScriptGC is already off (.streamlit/config.toml)."""
    global _heap_settled
    if _heap_settled:
        return
    with _settle_lock:
        if not _heap_settled:
            gc.collect()  # no garbage of the imports kept for ever
            gc.freeze()
            _heap_settled = True


def new_reference() -> str:
    return "E-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(6))


def report_error(error: BaseException) -> str:
    """Log ``error`` with its traceback under a new reference and return the reference."""
    ref = new_reference()
    LOG.error("unexpected error %s on page %s", ref, _page_name(), exc_info=error)
    return ref


def _page_name() -> str:
    try:
        return st.context.url or "?"
    except Exception:  # noqa: BLE001 — the log line must not fail
        return "?"


def guarded(run) -> None:
    """Run a page (or app.py's own work); an unexpected error becomes a friendly sentence."""
    try:
        run()
    except FragmentHandledException:
        raise
    except DxError as e:  # a sentence the user can act on (a database fault, …): said as it is
        show_error(e)
    except Exception as e:  # noqa: BLE001 — no traceback ever reaches a browser
        ref = report_error(e)
        st.error(tr("shell.error.unexpected", ref=ref))


def page_title(title: str | None) -> None:
    """The tab's title: 「診断結果 | 行政DX 再起動ナビ」."""
    app = tr("app.title")
    st.set_page_config(page_title=tr("shell.page.title", page=title, app=app) if title else app)


def page_head(title: str | None, css: str = "") -> None:
    """The tab's title, ``<html lang>``, the app's CSS and a page's own (``css``): one element,
    as every participant's run pays for each one (the participant's form, ui.phone_form, is
    itself that one element: it sets the language and needs none of the app's CSS)."""
    page_title(title)
    with st.container(key="dx-page-lang"):  # hidden by the CSS; the styles apply and the script runs
        st.html(f"<style>{CSS}</style>{css}<script>document.documentElement.lang = {lang()!r};\n"
                f"{KEEP_PARAMS_JS}</script>", unsafe_allow_javascript=True)


# Links between pages (the sidebar's and st.page_link's) carry the URL's organisation and
# language, so that a link opened in a new tab or copied opens the same organisation.  The
# hrefs are completed just before the browser can use them (pointer down, focus, menu).
KEEP_PARAMS_JS = """if (!window.dxKeepParams) {
  window.dxKeepParams = true;
  const keep = (event) => {
    const a = event.target && event.target.closest && event.target.closest(
      'a[data-testid="stSidebarNavLink"], a[data-testid="stPageLink-NavLink"]');
    if (!a || a.origin !== window.location.origin) return;
    const here = new URLSearchParams(window.location.search);
    const url = new URL(a.href);
    let changed = false;
    for (const name of ["org", "lang"]) {
      if (here.has(name) && url.searchParams.get(name) !== here.get(name)) {
        url.searchParams.set(name, here.get(name));
        changed = true;
      }
    }
    if (changed) a.setAttribute("href", url.toString());
  };
  for (const type of ["pointerdown", "mousedown", "focusin", "contextmenu"]) {
    document.addEventListener(type, keep, true);
  }
}"""


def served_on_network() -> str | None:
    """The address the server listens on, when that is not this machine alone."""
    address = (st.get_option("server.address") or "").strip()
    if address.lower() in LOCAL_ADDRESSES:
        return None
    return address or "0.0.0.0"


def lan_warning(password_set: bool) -> None:
    """Top of every admin page (and once in the server log): served on the LAN, no password."""
    address = served_on_network()
    if password_set or address is None:
        return
    if not _warned_lan.is_set():
        _warned_lan.set()
        LOG.warning("served on %s without DX_ADMIN_PASSWORD: anyone on the network can see and change "
                    "every organisation's data. Set DX_ADMIN_PASSWORD and restart.", address)
    st.warning(tr("shell.lan.warning", address=address))
