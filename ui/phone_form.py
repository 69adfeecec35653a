"""The participant's form as ONE Streamlit element (a components v2 element): the role, the
room PIN, the statements with their options (「わからない」 among them), the page's buttons and
the language switch, in plain accessible HTML (``fieldset``/``legend``, native radios in
their labels, ``button``), drawn by ``phone_form.js`` from the data the page passes.

Choosing sends nothing.  A button sends everything chosen at once, as one trigger value
``send`` = ``{action, page, role, pin, answers, lang}``; the page's callback reads it with
:func:`pressed` (see ``ui.workshop.take_form``, which trusts none of it).  A page with many
radios paid Streamlit's per-widget work for each of them on every run; this element is one.

Registered once per process, at import; its HTML, CSS and JS are inline (nothing is loaded
from outside the server).  Every text is data, set with ``textContent`` by the script.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

FORM_KEY = "ws_form"
EVENT = "send"  # the trigger's name: ``on_send_change`` runs the page's callback

_HERE = Path(__file__).parent
_FORM = st.components.v2.component(
    "dx_phone_form",
    html='<div class="dx-phone" aria-busy="false"></div>',
    css=(_HERE / "phone_form.css").read_text(encoding="utf-8"),
    js=(_HERE / "phone_form.js").read_text(encoding="utf-8"),
)


def phone_form(data: dict, on_send) -> None:
    """Draw the form from ``data`` (see ``phone_form.js``); ``on_send()`` runs when a button is
    pressed, before the page is drawn again (read the press with :func:`pressed`).

    The data goes as JSON bytes: Streamlit passes bytes through as they are, where a dict
    would be searched value by value for data frames on every run."""
    _FORM(key=FORM_KEY, data=json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(),
          on_send_change=on_send)


def pressed() -> object:
    """What the phone sent with the press being handled (any JSON value: check everything)."""
    state = st.session_state.get(FORM_KEY)
    return state.get(EVENT) if state is not None else None
