"""行政DX 再起動ナビ — entry point: page config, navigation, sidebar."""

import streamlit as st

from ui.common import sidebar, tr

st.set_page_config(page_title=tr("app.title"), layout="wide", initial_sidebar_state="expanded")

home = [
    st.Page("pages/home.py", title=tr("nav.home"), default=True),
]
diagnosis = [
    st.Page("pages/diagnose.py", title=tr("nav.diagnose"), url_path="diagnose"),
    st.Page("pages/results.py", title=tr("nav.results"), url_path="results"),
    st.Page("pages/history.py", title=tr("nav.history"), url_path="history"),
]

page = st.navigation({
    "": home,
    tr("nav.section_diagnosis"): diagnosis,
})
sidebar()
page.run()
