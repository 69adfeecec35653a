"""Streamlit pieces shared by the KPI pages: the template button, the 和暦 switch, the
organisation's catalogue and settings, and a frame → table helper."""

from __future__ import annotations

import streamlit as st

from dxcore import kpi
from dxcore.exports import XLSX_MIME
from dxcore.store import repo_kpi
from dxcore.template import file_name, template_bytes
from ui.common import engine, lang, tr

WAREKI = "kpi_wareki"


def catalogue(org_id: int) -> kpi.Catalogue:
    return repo_kpi.catalogue_for(engine(), org_id)


def settings(org_id: int) -> kpi.Settings:
    return repo_kpi.settings(engine(), org_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _template(custom: tuple[kpi.CustomKpi, ...], language: str) -> bytes:
    return template_bytes(kpi.catalogue(custom), language)


def template_button(org_id: int, key: str = "dl_template", primary: bool = False) -> None:
    custom = tuple(repo_kpi.custom_kpis(engine(), org_id))
    st.download_button(tr("kpi.upload.template_button"), _template(custom, lang()), file_name=file_name(lang()),
                       mime=XLSX_MIME, key=key, type="primary" if primary else "secondary")


def wareki() -> bool:
    """Whether 年度 and months are shown in 和暦 (kept for the session)."""
    st.session_state.setdefault(WAREKI, False)
    if lang() != "ja":
        return False
    return st.toggle(tr("kpi.dashboard.wareki"), key=WAREKI)


def how_to_start(org_id: int) -> None:
    """What an organisation without data sees: three steps, the template and the way in."""
    st.info(tr("kpi.dashboard.empty"))
    for i in (1, 2, 3):
        st.markdown(tr(f"kpi.dashboard.start_{i}"))
    template_button(org_id, key="dl_template_start", primary=True)
    st.page_link("pages/kpi-upload.py", label=tr("kpi.dashboard.go_upload"))
