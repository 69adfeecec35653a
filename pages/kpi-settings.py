"""KPIの目標と設定: targets per 年度, the hourly staff cost and its basis, the surveys' names,
the baseline of each process, and the organisation's own KPIs."""

import pandas as pd
import streamlit as st

from dxcore import kpi
from dxcore.periods import fiscal_year
from dxcore.store import repo_kpi
from ui.common import engine, lang, listing, md, option_index, org_page, tr, tx, wkey
from ui.gate import through_app
from ui.kpi import catalogue, own_kpis, save_and_rerun, settings

through_app()

YEAR = "kpi_target_year"
RATE_WAY = "kpi_rate_way"

org = org_page("kpi.settings.title")
cat, conf = catalogue(org.id, own_kpis(org.id)), settings(org.id)

# targets -------------------------------------------------------------------------
st.subheader(tr("kpi.settings.targets"))
st.write(tr("kpi.settings.targets_body"))
this_year = fiscal_year(kpi.month_start(pd.Timestamp.now(tz="Asia/Tokyo").date()))
years = [this_year - 2, this_year - 1, this_year, this_year + 1]
st.session_state.setdefault(YEAR, this_year)
year = st.selectbox(tr("kpi.summary.fiscal_year"), years, index=option_index(years, st.session_state[YEAR], 0),
                    format_func={y: kpi.fy_label(y, lang()) for y in years}.get, key=wkey("kpi_target_year"))
st.session_state[YEAR] = year
targets = repo_kpi.targets(engine(), org.id)
aimed = [k for k in cat.kpis if k.has_direction]  # a volume (問い合わせ件数 …) takes no target
scale = {k.id: 100.0 if k.unit == "ratio" else 1.0 for k in aimed}
table = pd.DataFrame({
    "id": [k.id for k in aimed],
    "name": [tr("kpi.settings.name_unit", name=tx(k.name),
                unit=tr("kpi.settings.percent") if k.unit == "ratio" else kpi.unit_label(k.unit, lang()))
             for k in aimed],
    "direction": [tr(f"kpi.direction.{k.direction}") for k in aimed],
    "target": pd.Series([targets.get((k.id, year), float("nan")) * scale[k.id] for k in aimed], dtype=float),
})
edited = st.data_editor(
    table, hide_index=True, disabled=["id", "name", "direction"], key=f"kpi_targets_{year}_{lang()}",
    height="content", width="stretch", placeholder="",
    column_config={"id": None, "name": st.column_config.TextColumn(tr("kpi.summary.kpi"), width="medium"),
                   "direction": st.column_config.TextColumn(tr("kpi.settings.direction"), width="small"),
                   "target": st.column_config.NumberColumn(tr("kpi.summary.target"), min_value=-100.0, format="%g",
                                                           width="small")})
none_names = listing(tx(k.name) for k in cat.kpis if not k.has_direction)
if none_names:
    st.caption(tr("kpi.settings.no_target_for", names=md(none_names)))
if st.button(tr("kpi.settings.save_targets"), type="primary", key="kpi_save_targets"):
    save_and_rerun(lambda: repo_kpi.save_targets(engine(), org.id, year, {
        i: None if pd.isna(v) else float(v) / scale[i] for i, v in zip(edited["id"], edited["target"])}, cat),
        tr("kpi.settings.saved_targets", year=kpi.fy_label(year, lang())))

# the hourly staff cost -------------------------------------------------------------------
st.subheader(tr("kpi.settings.rate"))
st.write(tr("kpi.settings.rate_body", rate=kpi.format_value(conf.rate, "yen", lang()),
            source=tr(f"kpi.card.rate_{conf.rate_source}")))
ways = ("basis", "direct", "default")
st.session_state.setdefault(RATE_WAY, conf.rate_source)
way = st.radio(tr("kpi.settings.rate_way"), ways, format_func=lambda w: tr(f"kpi.settings.rate_way_{w}"),
               key=wkey(RATE_WAY), index=option_index(ways, st.session_state[RATE_WAY], 0))
st.session_state[RATE_WAY] = way
basis = conf.basis
if way == "basis":
    a, b, c = st.columns(3)
    pay = a.number_input(tr("kpi.settings.pay_per_staff"), min_value=1.0, step=10_000.0, format="%.0f",
                         value=float(basis.pay_per_staff), help=tr("kpi.settings.pay_per_staff_help"),
                         key="kpi_pay_per_staff")
    share = b.number_input(tr("kpi.settings.mutual_aid"), min_value=0.0, max_value=99.0, step=0.5, format="%.1f",
                           value=float(basis.mutual_aid_rate * 100), help=tr("kpi.settings.mutual_aid_help"),
                           key="kpi_mutual_aid")
    hours = c.number_input(tr("kpi.settings.annual_hours"), min_value=1.0, max_value=8784.0, step=10.0,
                           format="%.0f", value=float(basis.annual_hours), help=tr("kpi.settings.annual_hours_help"),
                           key="kpi_annual_hours")
    chosen = kpi.PayBasis(pay, share / 100, hours)
    st.markdown(tr("kpi.settings.rate_formula", pay=f"{pay:,.0f}", share=f"{share:g}", hours=f"{hours:,.0f}",
                   rate=kpi.format_value(chosen.hourly_rate, "yen", lang())))
    save = dict(hourly_rate=None, pay_basis=chosen)
elif way == "direct":
    rate = st.number_input(tr("kpi.settings.hourly_rate"), min_value=1.0, step=100.0, format="%.0f",
                           value=float(conf.hourly_rate or conf.rate), key="kpi_hourly_rate")
    save = dict(hourly_rate=rate)
else:
    d = kpi.DEFAULT_PAY_BASIS
    st.markdown(tr("kpi.settings.rate_formula", pay=f"{d.pay_per_staff:,.0f}", share=f"{d.mutual_aid_rate * 100:g}",
                   hours=f"{d.annual_hours:,.0f}", rate=kpi.format_value(d.hourly_rate, "yen", lang())))
    save = dict(hourly_rate=None, pay_basis=None)
st.caption(tr("kpi.settings.rate_note"))
if st.button(tr("kpi.settings.save_rate"), key="kpi_save_rate"):
    save_and_rerun(lambda: repo_kpi.save_settings(engine(), org.id, **save), tr("common.saved"))

# survey names ----------------------------------------------------------------------------
st.subheader(tr("kpi.settings.surveys"))
with st.form("kpi_surveys"):
    resident = st.text_input(tr("kpi.settings.resident_survey"), value=conf.resident_survey,
                             max_chars=repo_kpi.SURVEY_NAME_MAX, help=tr("kpi.settings.survey_help"))
    staff = st.text_input(tr("kpi.settings.staff_survey"), value=conf.staff_survey,
                          max_chars=repo_kpi.SURVEY_NAME_MAX)
    if st.form_submit_button(tr("kpi.settings.save_surveys")):
        save_and_rerun(lambda: repo_kpi.save_settings(engine(), org.id, resident_survey=resident,
                                                      staff_survey=staff), tr("common.saved"))

# baselines ---------------------------------------------------------------------------------
st.subheader(tr("kpi.settings.baselines"))
st.write(tr("kpi.settings.baselines_body"))
found = repo_kpi.baselines(engine(), org.id)
if not found:
    st.caption(tr("kpi.settings.no_baselines"))
else:
    rows = pd.DataFrame({
        "department": [b.department for b in found],
        "process": [b.process or "—" for b in found],
        "baseline": [kpi.format_value(b.time_per_case, "hours", lang()) if b.time_per_case else "" for b in found],
        "source": [tr(f"kpi.settings.source_{b.source}", year=kpi.fy_label(b.fiscal_year, lang())
                      if b.fiscal_year else "") for b in found],
        "set": pd.Series([b.time_per_case if b.source == "set" else float("nan") for b in found], dtype=float),
    })
    edited_b = st.data_editor(
        rows, hide_index=True, height="content", width="stretch", key=f"kpi_baselines_{lang()}",
        placeholder=tr("kpi.settings.automatic"),
        disabled=["department", "process", "baseline", "source"],
        column_config={"department": st.column_config.TextColumn(tr("kpi.upload.col_department")),
                       "process": st.column_config.TextColumn(tr("kpi.upload.col_process")),
                       "baseline": st.column_config.TextColumn(tr("kpi.settings.baseline_now")),
                       "source": st.column_config.TextColumn(tr("kpi.settings.baseline_source"), width="medium"),
                       "set": st.column_config.NumberColumn(tr("kpi.settings.baseline_set"), min_value=0.0,
                                                            format="%.3f")})
    if st.button(tr("kpi.settings.save_baselines"), key="kpi_save_baselines"):
        changed = {}
        for b, new in zip(found, edited_b["set"]):
            old = b.time_per_case if b.source == "set" else None
            new = None if pd.isna(new) else float(new)
            if new != old:
                changed[(b.department, b.process)] = new
        save_and_rerun(lambda: repo_kpi.save_baselines(engine(), org.id, changed),
                       tr("kpi.settings.saved_baselines", n=len(changed)))

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
        save_and_rerun(lambda: repo_kpi.add_custom_kpi(engine(), org.id, name, unit, direction, aggregate),
                       lambda added: tr("kpi.settings.custom_added", name=md(added.name)))
if own:
    names = {c.key: c.name for c in own}
    gone = st.selectbox(tr("kpi.settings.custom_delete_choose"), list(names), format_func=names.get,
                        key="kpi_custom_delete_target")
    if st.button(tr("kpi.settings.custom_delete"), key="kpi_custom_delete"):
        save_and_rerun(lambda: repo_kpi.delete_custom_kpi(engine(), org.id, gone),
                       tr("kpi.settings.custom_deleted", name=md(names[gone])))
