"""履歴: every diagnosis over time, trends, export, and deleting a mistaken one."""

import streamlit as st

from dxcore import charts, history
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.periods import format_datetime
from dxcore.store import repo
from ui.common import content, engine, flash_later, lang, org_page, role_name, tr
from ui.gate import through_app

through_app()

CONFIRM = "history_confirm_delete"

org = org_page("history.title")
c = content()

past = history.entries(repo.list_diagnoses(engine(), org.id))
if not past:
    st.info(tr("history.none"))
    st.page_link("pages/diagnose.py", label=tr("home.diagnose_now"))
    st.stop()

st.subheader(tr("history.health_trend"))
chart = charts.health_trend(history.health_points(past), lang())
st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 80), key="health_trend")
st.subheader(tr("history.trend"))
chart = charts.pattern_trend(history.long_rows(past), lang(), c)
st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 80), key="trend")

st.subheader(tr("history.table"))
header, rows = history.rows(past, c)
labels = {e.record.id: tr("results.option", date=format_datetime(e.record.taken_at, lang()),
                          role=role_name(e.record.role), qset=tr(f"qset.{e.record.question_set}_short"))
          for e in past}
st.dataframe(
    [{tr("history.col_date"): format_datetime(e.record.taken_at, lang()),
      tr("history.col_role"): role_name(e.record.role),
      tr("history.col_mode"): tr(f"mode.{e.record.mode}"),
      tr("history.col_set"): tr(f"qset.{e.record.question_set}_short"),
      tr("history.col_participants"): e.record.participants,
      tr("history.col_overall"): e.result.overall,
      **{p.id: p.risk for p in e.result.patterns}} for e in reversed(past)],
    hide_index=True, key="history_table",
)
a, b, _ = st.columns([1, 1, 3])
a.download_button(tr("common.download_csv"), csv_bytes(header, rows), file_name="dx_history.csv",
                  mime="text/csv", key="dl_csv")
b.download_button(tr("common.download_xlsx"), xlsx_bytes([("history", header, rows)]),
                  file_name="dx_history.xlsx", key="dl_xlsx",
                  mime=XLSX_MIME)

with st.expander(tr("history.delete_title")):
    ids = [e.record.id for e in reversed(past)]
    target = st.selectbox(tr("history.delete_choose"), ids, format_func=labels.get, key="delete_target")
    if st.button(tr("history.delete_button"), key="delete"):
        st.session_state[CONFIRM] = target
    if st.session_state.get(CONFIRM) == target:
        st.warning(tr("history.delete_confirm"))
        yes, no = st.columns(2)
        if yes.button(tr("history.delete_yes"), type="primary", key="delete_yes"):
            repo.delete_diagnosis(engine(), org.id, target)
            del st.session_state[CONFIRM]
            flash_later(tr("history.deleted"))
            st.rerun()
        if no.button(tr("common.cancel"), key="delete_no"):
            del st.session_state[CONFIRM]
            st.rerun()
