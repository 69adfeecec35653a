"""行政DX 再起動ナビ — entry point: page config, navigation, sidebar."""

import streamlit as st

from ui.common import sidebar, tr
from ui.gate import is_participant_page, joining, locked, page_asked_for, require_admin, run_page

st.set_page_config(page_title=tr("app.title"), layout="wide", initial_sidebar_state="expanded")

join = st.Page("pages/join.py", title=tr("workshop.nav.join"), url_path="join")
asked_for = page_asked_for()  # a run that skipped app.py was for this page (see ui.gate)
if joining():  # a participant's link (?ws=CODE): the join page alone, whatever the path; nothing else is built
    run_page(st.navigation([join], position="hidden"))
    st.stop()

home = [
    st.Page("pages/home.py", title=tr("nav.home"), default=True),
]
diagnosis = [
    st.Page("pages/diagnose.py", title=tr("nav.diagnose"), url_path="diagnose"),
    st.Page("pages/results.py", title=tr("nav.results"), url_path="results"),
    st.Page("pages/history.py", title=tr("nav.history"), url_path="history"),
]
restart = [
    st.Page("pages/plan.py", title=tr("plan.nav.title"), url_path="plan"),
]
kpis = [
    st.Page("pages/kpi.py", title=tr("kpi.nav.dashboard"), url_path="kpi"),
    st.Page("pages/kpi-upload.py", title=tr("kpi.nav.upload"), url_path="kpi-upload"),
    st.Page("pages/kpi-settings.py", title=tr("kpi.nav.settings"), url_path="kpi-settings"),
]
workshop = [
    st.Page("pages/workshop.py", title=tr("workshop.nav.admin"), url_path="workshop"),
    st.Page("pages/present.py", title=tr("workshop.nav.present"), url_path="present"),
    join,
]

page = st.navigation({
    "": home,
    tr("nav.section_diagnosis"): diagnosis,
    tr("plan.nav.section"): restart,
    tr("kpi.nav.section"): kpis,
    tr("workshop.nav.section"): workshop,
}, position="hidden" if locked() else "sidebar")
if asked_for:
    st.switch_page(asked_for, query_params=st.query_params.to_dict())
if not is_participant_page(page):  # participants see no sidebar and need no password
    require_admin()  # DX_ADMIN_PASSWORD set: the password first
    sidebar()
run_page(page)
