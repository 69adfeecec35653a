"""Register an organisation, or load the demo municipality."""

from __future__ import annotations

import streamlit as st

from dxcore.errors import DxError
from dxcore.lgcode import prefectures
from dxcore.store import repo
from ui.common import engine, flash_later, load_demo_org, select_org, show_error, tr, tx


def register_form(key: str = "org_form") -> None:
    with st.form(key, clear_on_submit=False):
        st.subheader(tr("org.form_title"))
        name = st.text_input(tr("org.name"), help=tr("org.name_help"), max_chars=repo.NAME_MAX)
        prefs = [None] + [p.code for p in prefectures()]
        names = {p.code: tx(p.name) for p in prefectures()}
        pref = st.selectbox(tr("org.prefecture"), prefs,
                            format_func=lambda c: names[c] if c else tr("org.prefecture_none"))
        code = st.text_input(tr("org.code"), help=tr("org.code_help"), max_chars=12)
        if st.form_submit_button(tr("org.submit"), type="primary"):
            try:
                org = repo.create_org(engine(), name, code, pref)
            except DxError as e:
                show_error(e)
            else:
                select_org(org.id)
                flash_later(tr("org.created", name=org.name))
                st.rerun()


def demo_button() -> None:
    if st.button(tr("org.demo_button"), key="load_demo"):
        load_demo_org()
        flash_later(tr("org.demo_loaded"))
        st.rerun()
