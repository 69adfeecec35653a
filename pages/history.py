"""履歴: the diagnoses over time, one kind at a time (a pulse check and a full diagnosis
are never on one line), narrowed to a respondent if wanted, with where the questionnaire
was revised; the table, exports, and deleting a mistaken diagnosis."""

import streamlit as st

from dxcore import charts, history
from dxcore.content import QUESTION_SETS
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.periods import format_datetime
from dxcore.scoring import rounded
from dxcore.store import repo
from ui.common import content, engine, flash_later, lang, option_index, org_page, role_name, tr, tx, wkey
from ui.diagnosis_ui import entry_label, who_label
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

# which diagnoses: one kind, everyone or one respondent ------------------------------------
sets = [s for s in QUESTION_SETS if any(e.record.question_set == s for e in past)]
whos = [None] + list(dict.fromkeys(e.who for e in past))
left, right = st.columns(2)
set_names = {s: tr(f"qset.{s}") for s in sets}
who_names = {w: tr("history.who_all") if w is None else tr("history.who_workshop") if w == history.WORKSHOP
             else role_name(w) for w in whos}
question_set = left.radio(tr("history.filter_set"), sets, horizontal=True, key=wkey("history_set"),
                          index=option_index(sets, past[-1].record.question_set, 0), format_func=lambda s: set_names.get(s, s))
question_set = question_set if question_set in sets else past[-1].record.question_set
who = right.selectbox(tr("history.filter_who"), whos, key=wkey("history_who"),
                      format_func=lambda w: who_names.get(w, str(w)))
who = who if who in whos else None
st.caption(tr("history.only_set", set=tr(f"qset.{question_set}")))
shown = history.narrowed(past, question_set, who)

if not shown:
    st.info(tr("history.none_filtered"))
else:
    starts = history.version_starts(shown)
    marks = [{"date": history.chart_date(e), "version": e.version} for e in starts]
    st.header(tr("history.health_trend"))
    chart = charts.health_trend(history.health_points(shown), lang(), marks)
    st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 80), key="health_trend")
    st.header(tr("history.trend"))
    chart = charts.pattern_trend(history.long_rows(shown), lang(), c, marks)
    st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 80), key="trend")
    if starts:
        with st.container(border=True, key="history_versions"):
            st.subheader(tr("history.version_title"))
            for e in starts:
                change = c.change(e.version)
                st.markdown(tr("history.version_line", version=e.version, summary=tx(change.summary) if change else "",
                               date=format_datetime(e.record.taken_at, lang())))
            st.caption(tr("history.version_note"))

    st.header(tr("history.table"))
    st.dataframe(
        [{tr("history.col_date"): format_datetime(e.record.taken_at, lang()),
          tr("history.col_who"): who_label(e, markdown=False),
          tr("history.col_set"): tr(f"qset.{e.record.question_set}_short"),
          tr("history.col_version"): tr("history.version_short", version=e.version),
          tr("history.col_participants"): e.record.participants,
          tr("history.col_overall"): rounded(e.result.overall),
          **{p.id: rounded(p.risk) for p in e.result.patterns}} for e in reversed(shown)],
        hide_index=True, key="history_table",
    )

header, rows = history.rows(past, c)
a, b, _ = st.columns([1, 1, 3])
a.download_button(tr("common.download_csv"), csv_bytes(header, rows), file_name="dx_history.csv",
                  mime="text/csv", key="dl_csv")
b.download_button(tr("common.download_xlsx"), xlsx_bytes([("history", header, rows)]),
                  file_name="dx_history.xlsx", key="dl_xlsx",
                  mime=XLSX_MIME)

with st.expander(tr("history.delete_title")):
    labels = {e.record.id: entry_label(e, markdown=False) for e in past}
    ids = [e.record.id for e in reversed(past)]
    target = st.selectbox(tr("history.delete_choose"), ids, format_func=lambda i: labels.get(i, str(i)),
                          key="delete_target")
    if st.button(tr("history.delete_button"), key="delete"):
        st.session_state[CONFIRM] = target
    if target in labels and st.session_state.get(CONFIRM) == target:
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
