"""Streamlit pieces shared by the KPI pages: the template button, the 和暦 switch, the
organisation's catalogue and settings, the dashboard's data (computed once per data
version and kept), the compact KPI cards and the list of a chart's numbered events, and the
upload's size check and reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, TypeVar

import pandas as pd
import streamlit as st

from dxcore import kpi, limits, sandbox
from dxcore.errors import DxError
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.sheets import Parsed
from dxcore.store import database_url, repo_kpi
from dxcore.template import file_name, template_bytes
from ui.chart import once
from ui.common import engine, flash_later, lang, md, show_error, tr, tx

WAREKI = "kpi_wareki"
T = TypeVar("T")
CARD_PX = 160  # two cards side by side on a 360–390 px phone, five or six across a desktop
# cards: names wrap instead of being cut, numbers a size smaller so that 385.2 万円 fits
CARD_CSS = """
<style>
.st-key-kpi_cards [class*="st-key-kpi_card_"] { padding: .6rem .7rem; gap: .25rem; }
.st-key-kpi_cards [data-testid="stMetricLabel"] p,
.st-key-kpi_cards [data-testid="stMetricLabel"] .stMarkdownEllipsis {
  white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.3; }
.st-key-kpi_cards [data-testid="stMetricLabel"] { height: auto; min-height: 0; }
.st-key-kpi_cards [data-testid="stMetricValue"] { font-size: 1.6rem; line-height: 1.25; }
.st-key-kpi_cards [data-testid="stCaptionContainer"] p { font-size: .8rem; line-height: 1.35; }
</style>
"""


def own_kpis(org_id: int) -> tuple[kpi.CustomKpi, ...]:
    return tuple(repo_kpi.custom_kpis(engine(), org_id))


def catalogue(org_id: int, own: tuple[kpi.CustomKpi, ...] | None = None) -> kpi.Catalogue:
    return kpi.catalogue(own_kpis(org_id) if own is None else own)


def settings(org_id: int) -> kpi.Settings:
    return repo_kpi.settings(engine(), org_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _template(custom: tuple[kpi.CustomKpi, ...], language: str) -> bytes:
    return template_bytes(kpi.catalogue(custom), language)


def template_button(org_id: int, key: str = "dl_template", primary: bool = False) -> None:
    custom = tuple(repo_kpi.custom_kpis(engine(), org_id))
    st.download_button(tr("kpi.upload.template_button"), _template(custom, lang()), file_name=file_name(lang()),
                       mime=XLSX_MIME, key=key, type="primary" if primary else "secondary")


def save_and_rerun(action: Callable[[], T], message: Callable[[T], str] | str) -> None:
    """Run a save; on a refusal show why (nothing was saved), otherwise leave ``message``
    (or the message made from the result) for the next run and rerun."""
    try:
        done = action()
    except DxError as e:
        show_error(e)
    else:
        flash_later(message(done) if callable(message) else message)
        st.rerun()


def _summary_files(sheet: str, header: list, rows: list) -> tuple[bytes, bytes]:
    return csv_bytes(header, rows), xlsx_bytes([(sheet, header, rows)])


def summary_files(sheet: str, header: list, rows: list) -> tuple[bytes, bytes]:
    """The 年度 summary as CSV and as a workbook, made once per content, not on every rerun
    (openpyxl alone took a seventh of a dashboard rerun)."""
    return once(_summary_files, sheet, header, rows)


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


# the dashboard's data: computed once per version of the stored data ------------------

@dataclass(frozen=True)
class Dashboard:
    """What the KPI dashboard shows, for all departments or one."""

    departments: tuple[str, ...]
    monthly: pd.DataFrame  # month, kpi, value, base
    yearly: pd.DataFrame  # fiscal_year, kpi, value, total, months, base
    baselines: tuple[kpi.Baseline, ...]

    @property
    def empty(self) -> bool:
        return not self.departments

    @property
    def latest(self) -> date | None:
        return None if self.monthly.empty else self.monthly["month"].max().date()


# Keys: the database (a process may be pointed at another one, as the tests do), the
# organisation, the version of its stored values, and everything else the numbers depend on.
Version = tuple[str, int, tuple[int, int]]


def _version(org_id: int) -> Version:
    return database_url(), org_id, repo_kpi.data_version(engine(), org_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _values(version: Version) -> pd.DataFrame:
    """The stored values of one version of an organisation's data (read-only for callers)."""
    return repo_kpi.load_values(engine(), version[1])


@st.cache_data(show_spinner=False, max_entries=64)
def _dashboard(version: Version, conf: kpi.Settings, custom: tuple[kpi.CustomKpi, ...],
               department: str | None) -> Dashboard:
    values = _values(version)
    cat = kpi.catalogue(custom)
    part = values if department is None else values[values["department"] == department]
    monthly, yearly = kpi.summary(values, cat, conf, department)
    return Dashboard(tuple(sorted(values["department"].unique().tolist())), monthly, yearly,
                     tuple(kpi.baselines(part, conf)))


@st.cache_data(show_spinner=False, max_entries=64)
def _by_department(version: Version, conf: kpi.Settings, custom: tuple[kpi.CustomKpi, ...],
                   kpi_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return kpi.by_department(_values(version), kpi_id, kpi.catalogue(custom), conf)


def dashboard(org_id: int, department: str | None, conf: kpi.Settings, own: tuple[kpi.CustomKpi, ...]
              ) -> Dashboard:
    """The dashboard's numbers: one cheap query to learn the data's version, then the
    numbers kept for that version and these settings (a new import, an undo or a changed
    setting shows at once)."""
    return _dashboard(_version(org_id), conf, own, department)


@dataclass(frozen=True)
class PageData:
    """What every run of the dashboard reads first (bench/kpi_dashboard.py times this)."""

    own: tuple[kpi.CustomKpi, ...]
    cat: kpi.Catalogue
    conf: kpi.Settings
    everyone: Dashboard  # all departments added up
    targets: dict[tuple[str, int], float]


def page_data(org_id: int) -> PageData:
    own = own_kpis(org_id)
    conf = settings(org_id)
    return PageData(own, catalogue(org_id, own), conf, dashboard(org_id, None, conf, own),
                    repo_kpi.targets(engine(), org_id))


def by_department(org_id: int, kpi_id: str, conf: kpi.Settings, own: tuple[kpi.CustomKpi, ...]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One KPI per department (kept per data version, like :func:`dashboard`)."""
    return _by_department(_version(org_id), conf, own, kpi_id)


# cards ----------------------------------------------------------------------------------

def _delta(card: kpi.Card, k: kpi.KpiDef) -> tuple[str | None, str | None, int]:
    """(the change shown, what it compares with, its sign as shown): the same month a year
    earlier when there is one (municipal months are seasonal), otherwise the month before."""
    use_year = card.vs_last_year is not None
    change = card.vs_last_year if use_year else card.vs_previous_month
    if change is None:
        return None, None, 0
    return (kpi.format_delta(change, k.unit, lang(), like=card.value), "year" if use_year else "month",
            kpi.delta_sign(change, k.unit, lang(), like=card.value))


def card_notes(card: kpi.Card, k: kpi.KpiDef, conf: kpi.Settings, dash: Dashboard, wareki_on: bool,
               compared: str | None = "year") -> list[str]:
    """The short lines under a card's number (Markdown, user text escaped).  The month is
    said only when it is not the dashboard's latest month, the comparison only when it is
    not the usual one (the same month a year earlier)."""
    notes = []
    if card.month != dash.latest:
        notes.append(tr("kpi.card.month", month=kpi.month_label(card.month, lang(), wareki_on)))
    if compared == "month":
        notes.append(tr("kpi.card.vs_month"))
    if card.target is not None:
        notes.append(tr("kpi.card.target", target=kpi.format_value(card.target, k.unit, lang()),
                        pct=kpi.format_attainment(card.attainment)))
    if k.id == "training_rate":
        notes.append(tr("kpi.card.training_definition"))
    if k.rule in ("reduction", "reduced_hours"):
        left_out = sum(1 for b in dash.baselines if b.source == "none")
        if left_out:
            notes.append(tr("kpi.card.left_out", n=left_out))
    if k.rule == "cost":
        notes.append(tr("kpi.card.rate", rate=kpi.format_value(conf.rate, "yen", lang()),
                        source=tr(f"kpi.card.rate_{conf.rate_source}")))
    if k.min_n and card.responses is not None:
        n = f"{card.responses:,.0f}"
        notes.append(tr("kpi.card.indicative" if card.indicative else "kpi.card.responses", n=n))
    if k.survey and conf.survey(k.survey):
        notes.append(tr("kpi.card.survey", name=md(conf.survey(k.survey))))
    return notes


def cards(cards_: list[kpi.Card], cat: kpi.Catalogue, conf: kpi.Settings, dash: Dashboard,
          wareki_on: bool) -> None:
    """The headline KPIs as small cards that wrap: two across a phone, several across a desktop."""
    st.html(CARD_CSS)
    with st.container(horizontal=True, gap="xsmall", key="kpi_cards"):
        shown = {c.kpi for c in cards_}
        for k in cat.headline:
            if k.rule == "reduction" and k.id not in shown and dash.baselines:
                # hours and cases are there, but no process has a baseline yet: say so, not 0 %
                with st.container(border=True, width=CARD_PX, gap=None, key=f"kpi_card_{k.id}"):
                    st.metric(md(tx(k.name)), "—", help=md(tx(k.formula)))
                    st.caption(tr("kpi.card.no_baseline"))
        for card in cards_:
            k = cat.kpi_index[card.kpi]
            delta, compared, sign = _delta(card, k)
            colour = "off" if not k.has_direction or sign == 0 else (
                "normal" if k.direction == "higher" else "inverse")
            with st.container(border=True, width=CARD_PX, gap=None, key=f"kpi_card_{card.kpi}"):
                st.metric(md(tx(k.name)), kpi.format_value(card.value, k.unit, lang()), delta=delta,
                          delta_color=colour, delta_arrow="off" if sign == 0 else "auto", help=card_help(card, k))
                notes = card_notes(card, k, conf, dash, wareki_on, compared)
                if notes:
                    st.caption("  \n".join(notes))


def card_help(card: kpi.Card, k: kpi.KpiDef) -> str:
    parts = [tx(k.formula), tr(f"kpi.direction.{k.direction}")]
    if card.vs_last_year is not None and card.vs_previous_month is not None:
        parts.append(tr("kpi.card.help_month", delta=kpi.format_delta(card.vs_previous_month, k.unit, lang(),
                                                                       like=card.value)))
    return "\n\n".join(md(p) for p in parts)


def annotation_list(notes: list[tuple[int, object]]) -> None:
    """The numbered events of a trend chart, with their dates (labels are user text)."""
    if not notes:
        return
    with st.expander(tr("kpi.dashboard.events", n=len(notes))):
        st.markdown("  \n".join(f"**{n}** {a.on:%Y/%m/%d} {md(a.label)}" for n, a in notes))


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
