"""KPIダッシュボード: compact headline cards, a trend per KPI with targets and numbered
events, departments side by side, and the 年度 summary to download."""

import pandas as pd
import streamlit as st

from dxcore import charts_kpi, kpi
from dxcore.exports import XLSX_MIME
from dxcore.periods import fiscal_year
from dxcore.store import annotations
from ui import chart
from ui.common import content, engine, lang, listing, md, option_index, org_page, tr, tx, wkey
from ui.gate import through_app
from ui.kpi import annotation_list, cards, dashboard, how_to_start, page_data, summary_files, wareki
from ui.kpi import by_department as department_data

through_app()

DEPARTMENT = "kpi_department"
CHOSEN = "kpi_chosen"
COMPARE = "kpi_compare"

org = org_page("kpi.dashboard.title")
data = page_data(org.id)
own, cat, conf, everyone, targets = data.own, data.cat, data.conf, data.everyone, data.targets
if everyone.empty:
    how_to_start(org.id)
    st.stop()
depts = list(everyone.departments)

left, right = st.columns([2, 1], vertical_alignment="bottom")
with left:
    options = [None] + depts
    current = st.session_state.get(DEPARTMENT)
    department = st.selectbox(tr("kpi.dashboard.department"), options,
                              index=options.index(current) if current in options else 0,
                              format_func={None: tr("kpi.dashboard.all_departments"), **{d: d for d in depts}}.get,
                              key=wkey("kpi_department"))
    st.session_state[DEPARTMENT] = department
with right:
    use_wareki = wareki()

dash = everyone if department is None else dashboard(org.id, department, conf, own)
monthly = dash.monthly
if monthly.empty:  # e.g. only 来庁者数 so far, or a department without KPI data
    st.info(tr("kpi.dashboard.no_kpis"))
    st.page_link("pages/kpi-upload.py", label=tr("kpi.dashboard.go_upload"))
    st.stop()
latest = dash.latest
st.markdown(tr("kpi.dashboard.latest", month=kpi.month_label(latest, lang(), use_wareki),
               year=kpi.fy_label(fiscal_year(latest), lang(), use_wareki), n=len(depts)))

# cards --------------------------------------------------------------------------
cards(kpi.cards(monthly, cat, targets), cat, conf, dash, use_wareki)

# trend, comparison, summary -------------------------------------------------------
shown_kpis = set(monthly["kpi"])
ids = [k.id for k in cat.kpis if k.id in shown_kpis]
names = {i: tx(cat.kpi_index[i].name) for i in ids}  # labels made now, in this run's language
if st.session_state.get(CHOSEN) not in ids:
    st.session_state[CHOSEN] = ids[0]
trend_tab, compare_tab, summary_tab = st.tabs([tr("kpi.dashboard.tab_trend"), tr("kpi.dashboard.tab_compare"),
                                               tr("kpi.dashboard.tab_summary")])
with trend_tab:
    chosen = st.selectbox(tr("kpi.dashboard.choose_kpi"), ids, index=option_index(ids, st.session_state[CHOSEN], 0),
                          format_func=names.get, key=wkey("kpi_chosen"))
    st.session_state[CHOSEN] = chosen
    k = cat.kpi_index[chosen]
    series = monthly[monthly["kpi"] == chosen].assign(
        indicative=lambda s: (s["base"] < k.min_n) if k.min_n else False)
    events = annotations.for_org(engine(), org.id, lang())
    year_targets = {fy: v for (kid, fy), v in targets.items() if kid == chosen}
    chart.draw(charts_kpi.trend, series, k, lang(), year_targets, events, use_wareki, key="kpi_trend")
    annotation_list(charts_kpi.numbered(events, series["month"].min().date(), latest))
    st.caption(tr("kpi.dashboard.formula", formula=md(tx(k.formula))))
    if k.steps:
        steps = content().step_index
        st.caption(tr("kpi.dashboard.steps", steps=listing(f"{s} {tx(steps[s].title)}" for s in k.steps)))
    if k.survey and conf.survey(k.survey):
        st.caption(tr("kpi.card.survey", name=md(conf.survey(k.survey))))

with compare_tab:
    other = st.selectbox(tr("kpi.dashboard.choose_kpi"), ids, index=ids.index(st.session_state.get(COMPARE, chosen))
                         if st.session_state.get(COMPARE, chosen) in ids else 0,
                         format_func=names.get, key=wkey("kpi_compare"))
    st.session_state[COMPARE] = other
    k2 = cat.kpi_index[other]
    per_month, per_year = department_data(org.id, other, conf, own)
    if per_month.empty:
        st.info(tr("kpi.dashboard.no_compare"))
    else:
        chart.draw(charts_kpi.department_lines, per_month, k2, lang(), use_wareki, key="kpi_compare_lines")
        fy = fiscal_year(latest)
        this_year = per_year[per_year["fiscal_year"] == fy]
        if not this_year.empty:
            title = tr("kpi.dashboard.bars_title", year=kpi.fy_label(fy, lang(), use_wareki))
            chart.draw(charts_kpi.department_bars, this_year, k2, lang(), title, key="kpi_compare_bars")

with summary_tab:
    header, rows = kpi.summary_rows(dash.yearly, cat, targets, lang(), use_wareki)
    few = kpi.indicative_years(dash.yearly, cat, lang(), use_wareki)
    shown = pd.DataFrame(kpi.formatted_summary(rows, cat, lang(), few), columns=header)
    st.dataframe(shown, hide_index=True, key="kpi_summary")
    st.caption(tr("kpi.dashboard.summary_note"))
    as_csv, as_xlsx = summary_files(tr("kpi.dashboard.tab_summary"), header, rows)
    with st.container(horizontal=True):
        st.download_button(tr("common.download_csv"), as_csv, file_name="kpi_summary.csv",
                           mime="text/csv", key="kpi_dl_csv")
        st.download_button(tr("common.download_xlsx"), as_xlsx,
                           file_name="kpi_summary.xlsx", mime=XLSX_MIME, key="kpi_dl_xlsx")

st.page_link("pages/kpi-upload.py", label=tr("kpi.dashboard.go_upload"))
