"""行政DX 再起動ナビ — entry point: page config, navigation, sidebar.

Every run: the page's frame (tab title, language, CSS; ui.frame), then who may see what
(ui.gate: participants join without the sidebar or a password), the URL's organisation and
language (ui.common.follow_url), the sidebar, and the page itself, guarded so that an
unexpected error shows a reference instead of code.
"""

import streamlit as st

from ui.common import follow_url, keep_in_url, sidebar, tr, url_notice
from ui.frame import guarded, lan_warning, page_head, page_title, settle_startup_heap
from ui.gate import (
    JOIN_LINK_PATH,
    JOIN_URL_PATH,
    admin_password,
    is_participant_page,
    joining,
    locked,
    page_asked_for,
    projector_with_pass,
    require_admin,
    run_page,
)
from ui.workshop import PARTICIPANT_CSS

settle_startup_heap()  # once per process: the imports above stay out of the GC's walks

# "auto": a phone starts with the sidebar closed, a desktop with it open
st.set_page_config(page_title=tr("app.title"), layout="wide", initial_sidebar_state="auto")

def join_page(url_path: str = JOIN_URL_PATH, *, default: bool = False) -> st.Page:
    """The join page.  A participant's link ("/?ws=CODE") runs its copy at JOIN_LINK_PATH as the
    default page, and "/join?ws=CODE" (a reload after typing the code) the one at /join: Streamlit
    finds a page by its URL path, which is "" for the default, so one page cannot answer both.
    The full navigation has that copy too, hidden, for the same browser once the code is gone."""
    return st.Page("pages/join.py", title=tr("workshop.nav.join"), url_path=url_path, default=default,
                   visibility="hidden" if url_path == JOIN_LINK_PATH else "visible")


def pages() -> dict:
    """Every page, by section (titles in the session's language)."""
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
        join_page(),
        join_page(JOIN_LINK_PATH),
        st.Page("pages/facilitate.py", title=tr("projector.nav.facilitate"), url_path="facilitate"),
    ]
    reports = [
        st.Page("pages/report.py", title=tr("report.nav.title"), url_path="report"),
    ]
    return {
        "": home,
        tr("nav.section_diagnosis"): diagnosis,
        tr("plan.nav.section"): restart,
        tr("kpi.nav.section"): kpis,
        tr("workshop.nav.section"): workshop,
        tr("report.nav.section"): reports,
    }


def main() -> None:
    asked_for = page_asked_for()  # a run that skipped app.py was for this page (see ui.gate)
    follow_url(with_org=False)  # the URL's language, before any text is chosen
    if joining():  # a participant's link (?ws=CODE): the join page alone, whatever the path; nothing else is built
        join = st.navigation([join_page(JOIN_LINK_PATH, default=True), join_page()], position="hidden")
        page_title(join.title)  # the rest of the frame is the join page's own (its form is one element)
        run_page(join)
        st.stop()
    sections = pages()
    # Which page was asked for, with no navigation shown yet: a participant's page (/join)
    # must never show the admin navigation, not even for an instant on a phone.
    page = st.navigation(sections, position="hidden")
    if asked_for:
        st.switch_page(asked_for, query_params=st.query_params.to_dict())
    # participants see no sidebar and need no password; nor does a projector window opened with its pass
    if is_participant_page(page) or projector_with_pass(page):
        page_head(page.title, css=PARTICIPANT_CSS if is_participant_page(page) else "")
        run_page(page)
        return
    page = st.navigation(sections, position="hidden" if locked() else "sidebar", expanded=True)
    page_head(page.title)
    lan_warning(password_set=admin_password() is not None)
    require_admin()  # DX_ADMIN_PASSWORD set: the password first
    follow_url()
    url_notice()
    keep_in_url(sidebar())
    run_page(page)


guarded(main)
