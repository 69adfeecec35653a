"""KPIの目標と設定: targets per 年度, the hourly rate and baseline, and the organisation's own KPIs."""

import pandas as pd
import streamlit as st

from dxcore import kpi
from dxcore.errors import DxError
from dxcore.periods import fiscal_year
from dxcore.store import repo_kpi
from ui.common import engine, flash_later, lang, org_page, show_error, tr, tx, wkey
from ui.gate import through_app
from ui.kpi import catalogue, settings

through_app()

YEAR = "kpi_target_year"

org = org_page("kpi.settings.title")
cat, conf = catalogue(org.id), settings(org.id)

# targets -------------------------------------------------------------------------
st.subheader(tr("kpi.settings.targets"))
st.write(tr("kpi.settings.targets_body"))
this_year = fiscal_year(kpi.month_start(pd.Timestamp.now(tz="Asia/Tokyo").date()))
years = [this_year - 2, this_year - 1, this_year, this_year + 1]
st.session_state.setdefault(YEAR, this_year)
year = st.selectbox(tr("kpi.summary.fiscal_year"), years, index=years.index(st.session_state[YEAR]),
                    format_func={y: kpi.fy_label(y, lang()) for y in years}.get, key=wkey("kpi_target_year"))
st.session_state[YEAR] = year
targets = repo_kpi.targets(engine(), org.id)
scale = {k.id: 100.0 if k.unit == "ratio" else 1.0 for k in cat.kpis}
table = pd.DataFrame({
    "id": [k.id for k in cat.kpis],
    "name": [tx(k.name) for k in cat.kpis],
    "unit": [tr("kpi.settings.percent") if k.unit == "ratio" else kpi.unit_label(k.unit, lang()) for k in cat.kpis],
    "direction": [tr(f"kpi.direction.{k.direction}") for k in cat.kpis],
    "target": [targets.get((k.id, year), None) for k in cat.kpis],
})
table["target"] = [None if v is None else v * scale[i] for i, v in zip(table["id"], table["target"])]
edited = st.data_editor(
    table, hide_index=True, disabled=["id", "name", "unit", "direction"], key=f"kpi_targets_{year}_{lang()}",
    column_config={"id": None, "name": st.column_config.TextColumn(tr("kpi.summary.kpi")),
                   "unit": st.column_config.TextColumn(tr("kpi.summary.unit")),
                   "direction": st.column_config.TextColumn(tr("kpi.settings.direction")),
                   "target": st.column_config.NumberColumn(tr("kpi.summary.target"), min_value=-100.0, format="%g")})
if st.button(tr("kpi.settings.save_targets"), type="primary", key="kpi_save_targets"):
    try:
        repo_kpi.save_targets(engine(), org.id, year, {
            i: None if pd.isna(v) else float(v) / scale[i] for i, v in zip(edited["id"], edited["target"])}, cat)
    except DxError as e:
        show_error(e)
    else:
        flash_later(tr("kpi.settings.saved_targets", year=kpi.fy_label(year, lang())))
        st.rerun()

# hourly rate and baseline ----------------------------------------------------------
st.subheader(tr("kpi.settings.calc"))
with st.form("kpi_calc"):
    rate = st.number_input(tr("kpi.settings.hourly_rate"), min_value=1.0, step=100.0, value=conf.rate,
                           help=tr("kpi.settings.hourly_rate_help", default=f"{kpi.DEFAULT_HOURLY_RATE:,.0f}"))
    base = st.number_input(tr("kpi.settings.baseline"), min_value=0.0, step=0.05, format="%.3f",
                           value=conf.baseline_time_per_case or 0.0, help=tr("kpi.settings.baseline_help"))
    if st.form_submit_button(tr("kpi.settings.save_calc")):
        try:
            repo_kpi.save_settings(engine(), org.id, rate, base or None)
        except DxError as e:
            show_error(e)
        else:
            flash_later(tr("common.saved"))
            st.rerun()

# own KPIs ------------------------------------------------------------------------------
st.subheader(tr("kpi.settings.custom"))
st.write(tr("kpi.settings.custom_body"))
own = repo_kpi.custom_kpis(engine(), org.id)
if own:
    st.dataframe(pd.DataFrame([{tr("kpi.summary.kpi"): c.name, tr("kpi.summary.unit"): c.unit,
                                tr("kpi.settings.direction"): tr(f"kpi.direction.{c.direction}"),
                                tr("kpi.settings.aggregate"): tr(f"kpi.settings.aggregate_{c.aggregate}")}
                               for c in own]), hide_index=True, key="kpi_custom_table")
with st.form("kpi_custom_form", clear_on_submit=True):
    name = st.text_input(tr("kpi.settings.custom_name"), max_chars=repo_kpi.CUSTOM_NAME_MAX,
                         help=tr("kpi.settings.custom_name_help"))
    unit = st.text_input(tr("kpi.summary.unit"), max_chars=repo_kpi.CUSTOM_UNIT_MAX,
                         help=tr("kpi.settings.custom_unit_help"))
    direction = st.radio(tr("kpi.settings.direction"), kpi.DIRECTIONS, horizontal=True,
                         format_func={d: tr(f"kpi.direction.{d}") for d in kpi.DIRECTIONS}.get,
                         key=wkey("kpi_custom_direction"))
    aggregate = st.radio(tr("kpi.settings.aggregate"), kpi.CUSTOM_AGGREGATES, horizontal=True,
                         format_func={a: tr(f"kpi.settings.aggregate_{a}") for a in kpi.CUSTOM_AGGREGATES}.get,
                         key=wkey("kpi_custom_aggregate"))
    if st.form_submit_button(tr("kpi.settings.custom_add")):
        try:
            added = repo_kpi.add_custom_kpi(engine(), org.id, name, unit, direction, aggregate)
        except DxError as e:
            show_error(e)
        else:
            flash_later(tr("kpi.settings.custom_added", name=added.name))
            st.rerun()
if own:
    names = {c.key: c.name for c in own}
    gone = st.selectbox(tr("kpi.settings.custom_delete_choose"), list(names), format_func=names.get,
                        key="kpi_custom_delete_target")
    if st.button(tr("kpi.settings.custom_delete"), key="kpi_custom_delete"):
        try:
            repo_kpi.delete_custom_kpi(engine(), org.id, gone)
        except DxError as e:
            show_error(e)
        else:
            flash_later(tr("kpi.settings.custom_deleted", name=names[gone]))
            st.rerun()
