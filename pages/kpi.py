"""KPIダッシュボード: headline cards, a trend per KPI with targets and milestones,
departments side by side, and the 年度 summary to download."""

import pandas as pd
import streamlit as st

from dxcore import charts, charts_kpi, kpi
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.periods import fiscal_year
from dxcore.store import annotations, repo_kpi
from ui.common import engine, lang, org_page, tr, tx, wkey
from ui.gate import through_app
from ui.kpi import catalogue, how_to_start, settings, wareki

through_app()

DEPARTMENT = "kpi_department"
CHOSEN = "kpi_chosen"
COMPARE = "kpi_compare"

org = org_page("kpi.dashboard.title")

values = repo_kpi.load_values(engine(), org.id)
if values.empty:
    how_to_start(org.id)
    st.stop()

cat, conf = catalogue(org.id), settings(org.id)
targets = repo_kpi.targets(engine(), org.id)
depts = sorted(values["department"].unique().tolist())

left, right = st.columns([2, 1])
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

monthly = kpi.monthly(values, cat, conf, department=department)
if monthly.empty:  # e.g. only 来庁者数 so far, which feeds no KPI
    st.info(tr("kpi.dashboard.no_kpis"))
    st.page_link("pages/kpi-upload.py", label=tr("kpi.dashboard.go_upload"))
    st.stop()
latest = monthly["month"].max().date()
st.markdown(tr("kpi.dashboard.latest", month=kpi.month_label(latest, lang(), use_wareki),
               year=kpi.fy_label(fiscal_year(latest), lang(), use_wareki), n=len(depts)))

# cards --------------------------------------------------------------------------
cards = kpi.cards(monthly, cat, targets)
for start in range(0, len(cards), 4):
    for col, card in zip(st.columns(4), cards[start:start + 4]):
        k = cat.kpi_index[card.kpi]
        with col:
            st.metric(tx(k.name), kpi.format_value(card.value, k.unit, lang()),
                      delta=kpi.format_delta(card.vs_previous_month, k.unit, lang()),
                      delta_color="normal" if k.direction == "higher" else "inverse", border=True,
                      help=tr("kpi.dashboard.card_help", formula=tx(k.formula),
                              direction=tr(f"kpi.direction.{k.direction}")))
            notes = [tr("kpi.dashboard.vs_month", month=kpi.month_label(card.month, lang(), use_wareki))]
            if card.vs_last_year is not None:
                notes.append(tr("kpi.dashboard.vs_year", delta=kpi.format_delta(card.vs_last_year, k.unit, lang())))
            if card.target is not None:
                notes.append(tr("kpi.dashboard.attainment", target=kpi.format_value(card.target, k.unit, lang()),
                                pct=f"{card.attainment * 100:.0f}" if card.attainment is not None else "—"))
            st.caption(" ・ ".join(notes))

# trend, comparison, summary -------------------------------------------------------
ids = [k.id for k in cat.kpis if k.id in set(monthly["kpi"])]
names = {i: tx(cat.kpi_index[i].name) for i in ids}  # labels made now, in this run's language
if st.session_state.get(CHOSEN) not in ids:
    st.session_state[CHOSEN] = ids[0]
trend_tab, compare_tab, summary_tab = st.tabs([tr("kpi.dashboard.tab_trend"), tr("kpi.dashboard.tab_compare"),
                                               tr("kpi.dashboard.tab_summary")])
with trend_tab:
    chosen = st.selectbox(tr("kpi.dashboard.choose_kpi"), ids, index=ids.index(st.session_state[CHOSEN]),
                          format_func=names.get, key=wkey("kpi_chosen"))
    st.session_state[CHOSEN] = chosen
    k = cat.kpi_index[chosen]
    series = monthly[monthly["kpi"] == chosen]
    chart = charts_kpi.trend(series, k, lang(), {fy: v for (kid, fy), v in targets.items() if kid == chosen},
                             annotations.for_org(engine(), org.id, lang()), use_wareki)
    st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 90), key="kpi_trend")
    st.caption(tr("kpi.dashboard.formula", formula=tx(k.formula)))

with compare_tab:
    other = st.selectbox(tr("kpi.dashboard.choose_kpi"), ids, index=ids.index(st.session_state.get(COMPARE, chosen))
                         if st.session_state.get(COMPARE, chosen) in ids else 0,
                         format_func=names.get, key=wkey("kpi_compare"))
    st.session_state[COMPARE] = other
    k2 = cat.kpi_index[other]
    per_month, per_year = kpi.by_department(values, other, cat, conf)
    if per_month.empty:
        st.info(tr("kpi.dashboard.no_compare"))
    else:
        chart = charts_kpi.department_lines(per_month, k2, lang(), use_wareki)
        st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 90), key="kpi_compare_lines")
        fy = fiscal_year(latest)
        this_year = per_year[per_year["fiscal_year"] == fy]
        if not this_year.empty:
            chart = charts_kpi.department_bars(this_year, k2, lang(), tr(
                "kpi.dashboard.bars_title", year=kpi.fy_label(fy, lang(), use_wareki)))
            st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 90), key="kpi_compare_bars")

with summary_tab:
    header, rows = kpi.summary_rows(kpi.yearly(values, cat, conf, department=department), cat, targets, lang(),
                                    use_wareki)
    shown = pd.DataFrame(kpi.formatted_summary(rows, cat, lang()), columns=header)
    st.dataframe(shown, hide_index=True, key="kpi_summary")
    st.caption(tr("kpi.dashboard.summary_note"))
    a, b, _ = st.columns([1, 1, 3])
    a.download_button(tr("common.download_csv"), csv_bytes(header, rows), file_name="kpi_summary.csv",
                      mime="text/csv", key="kpi_dl_csv")
    b.download_button(tr("common.download_xlsx"), xlsx_bytes([(tr("kpi.dashboard.tab_summary"), header, rows)]),
                      file_name="kpi_summary.xlsx", mime=XLSX_MIME, key="kpi_dl_xlsx")

st.page_link("pages/kpi-upload.py", label=tr("kpi.dashboard.go_upload"))
