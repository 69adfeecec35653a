"""Streamlit pieces shared by the KPI pages: the template button, the 和暦 switch, the
organisation's catalogue and settings, and the upload's size check and reading."""

from __future__ import annotations

import streamlit as st

from dxcore import kpi, limits, sandbox
from dxcore.exports import XLSX_MIME
from dxcore.sheets import Parsed
from dxcore.store import repo_kpi
from dxcore.template import file_name, template_bytes
from ui.common import engine, lang, md, tr

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


def upload_limit() -> int:
    """Our own limit for a file on the upload page (DX_MAX_UPLOAD_MB), kept at least a
    megabyte under Streamlit's ``server.maxUploadSize`` (which its uploader counts in
    millions of bytes): a file between the two gets our sentence in the user's language,
    where the uploader alone would only show a red mark and an English line."""
    server = int(st.get_option("server.maxUploadSize") or 200) * 1_000_000
    return min(limits.MAX_UPLOAD_BYTES, server - limits.MB)


def upload_help(text: str) -> str:
    return f"{text}\n\n{tr('limits.upload_help', limit=limits.mb(upload_limit()))}"


def too_big(upload) -> bool:
    """Says so (and True) when the uploaded file is over our limit — judged by its size,
    before its bytes are read."""
    if upload.size <= upload_limit():
        return False
    st.error(tr("limits.upload_too_big", file=md(upload.name), size=limits.mb(upload.size),
                limit=limits.mb(upload_limit())))
    return True


def prepare_reader() -> None:
    """Start the upload reader's worker in the background (it loads pandas once), so that
    checking the first upload takes a moment, not seconds."""
    sandbox.start()


def read_upload(org_id: int, name: str, data: bytes) -> Parsed:
    """The upload read and checked in a child process with limits (dxcore.sandbox)."""
    return sandbox.parse_upload(data, name, repo_kpi.custom_kpis(engine(), org_id))
