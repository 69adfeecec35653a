"""ワークショップ: create one, see them all, close one (saving the room to the history), export."""

import streamlit as st

from dxcore import workshop as ws
from dxcore.errors import DxError
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.periods import format_datetime
from dxcore.store import repo_workshop as wrepo
from ui.common import content, engine, flash_later, lang, option_index, org_page, show_error, tr, wkey
from ui.gate import through_app
from ui.workshop import CURRENT, choose_workshop, door_toggle, join_limit_text, public_base, show_door_problem

through_app()

NEW_SET = "ws_new_set"
CONFIRM = "ws_confirm_close"

org = org_page("workshop.admin.title")

summaries = wrepo.list_workshops(engine(), org.id)
with st.expander(tr("workshop.admin.create"), expanded=not summaries), st.form("ws_create", border=False):
    title = st.text_input(tr("workshop.admin.name"), max_chars=ws.TITLE_MAX, key="ws_new_title",
                          placeholder=tr("workshop.admin.name_placeholder"))
    sets = {s: tr(f"workshop.set.{s}") for s in ws.SETS}
    question_set = st.radio(tr("workshop.admin.set"), list(sets), horizontal=True, key=wkey("ws_new_set"),
                            index=option_index(ws.SETS, st.session_state.setdefault(NEW_SET, "pulse"), 0),
                            format_func=sets.get)
    limit = st.columns([1, 2])[0].number_input(
        tr("workshop.admin.limit"), min_value=0, max_value=ws.LIMIT_MAX, value=0, step=1,
        help=tr("workshop.admin.limit_help"), key="ws_new_limit")
    create = st.form_submit_button(tr("workshop.admin.create_button"), type="primary")
if create:
    st.session_state[NEW_SET] = question_set
    try:
        new = wrepo.create_workshop(engine(), org.id, title, question_set, int(limit) or None)
    except DxError as e:
        show_error(e)
    else:
        st.session_state[CURRENT] = new.code
        flash_later(tr("workshop.admin.created", code=new.code, title=new.title))
        st.rerun()

if not summaries:
    st.info(tr("workshop.admin.none"))
    st.stop()

st.header(tr("workshop.admin.manage"))
summary = choose_workshop(org.id)
w = summary.workshop
base = public_base("workshop")
st.markdown(tr("workshop.admin.join_link"))
st.code(ws.join_url(base, w.code) if base else ws.join_path(w.code), language=None)
st.page_link("pages/facilitate.py", label=tr("projector.nav.open_facilitate"))

if w.is_open:
    with st.container(border=True, key="ws_door_box"):
        st.markdown(f"**{tr('room.admin.door')}**")
        door_toggle(w, "joins_open", tr("room.admin.joins_open"), tr("room.admin.joins_open_help"))
        if not w.joins_open:
            st.caption(tr("room.admin.joins_closed_note", n=summary.counts.joined))
        door_toggle(w, "pin", tr("room.admin.pin_required"), tr("room.admin.pin_help"))
        if w.pin:
            st.markdown(f"### {tr('room.admin.pin_now', pin=w.pin)}")
        show_door_problem()
        st.caption(join_limit_text())
    with st.container(border=True, key="ws_close_box"):
        st.markdown(f"**{tr('workshop.admin.close_title')}**")
        if not w.saves_diagnosis:
            st.caption(tr("workshop.admin.close_myths"))
        elif wrepo.consensus(engine(), w.id):
            st.caption(tr("workshop.admin.close_consensus"))
        else:
            st.caption(tr("workshop.admin.close_aggregate", n=summary.counts.answered))
        if st.button(tr("workshop.admin.close"), key="ws_close"):
            st.session_state[CONFIRM] = w.code
        if st.session_state.get(CONFIRM) == w.code:
            st.warning(tr("workshop.admin.close_confirm", code=w.code))
            yes, no = st.columns(2)
            if yes.button(tr("workshop.admin.close_yes"), type="primary", key="ws_close_yes"):
                del st.session_state[CONFIRM]
                try:
                    done = wrepo.close(engine(), w.code)
                except DxError as e:
                    show_error(e)
                else:
                    if done.diagnosis_id is not None:
                        message = tr("workshop.admin.closed_saved", code=w.code, n=done.participants)
                    elif w.saves_diagnosis:
                        message = tr("workshop.admin.closed_empty", code=w.code)
                    else:
                        message = tr("workshop.admin.closed_myths", code=w.code)
                    flash_later(message)
                    st.rerun()
            if no.button(tr("common.cancel"), key="ws_close_no"):
                del st.session_state[CONFIRM]
                st.rerun()
else:
    st.info(tr("workshop.admin.closed_at", date=format_datetime(w.closed_at, lang())))
    if w.diagnosis_id is not None:
        st.page_link("pages/history.py", label=tr("workshop.admin.see_history"))

st.header(tr("workshop.admin.export"))
st.caption(tr("workshop.admin.export_help"))
answers = wrepo.responses(engine(), w.id)
room = ws.aggregate(answers, w.question_set, content(), min_group=1)  # the facilitator sees every group
raw = ws.raw_rows(answers, w.question_set, tr("workshop.export.unknown"))
per_statement = ws.statement_rows(room)
sheets = [("answers", *raw), ("statements", *per_statement)]
if w.saves_diagnosis:
    sheets.append(("patterns", *ws.pattern_rows(room)))
    agreed = wrepo.consensus(engine(), w.id)
    if agreed:
        sheets.append(("consensus", ["statement", "value"],
                       [[q, tr("workshop.export.unknown") if v is None else v] for q, v in agreed.items()]))
cols = st.columns(len(sheets) + 1)
cols[0].download_button(tr("common.download_xlsx"), xlsx_bytes(sheets), file_name=f"workshop_{w.code}.xlsx",
                        mime=XLSX_MIME, key="ws_dl_xlsx")
for col, (name, header, rows) in zip(cols[1:], sheets):
    col.download_button(tr(f"workshop.admin.csv_{name}"), csv_bytes(header, rows),
                        file_name=f"workshop_{w.code}_{name}.csv", mime="text/csv", key=f"ws_dl_{name}")

st.header(tr("workshop.admin.list"))
st.dataframe(
    [{tr("workshop.admin.col_code"): s.workshop.code,
      tr("workshop.admin.col_title"): s.workshop.title,
      tr("workshop.admin.col_set"): tr(f"workshop.set.{s.workshop.question_set}"),
      tr("workshop.admin.col_status"): tr("workshop.status.open" if s.workshop.is_open else "workshop.status.closed"),
      tr("workshop.admin.col_joined"): s.counts.joined,
      tr("workshop.admin.col_answered"): s.counts.answered,
      tr("workshop.admin.col_created"): format_datetime(s.workshop.created_at, lang())} for s in summaries],
    hide_index=True, key="ws_table",
)
