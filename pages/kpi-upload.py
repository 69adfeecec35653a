"""月次データの取り込み: template → upload → preview (new / changed / errors) → confirm; history and undo."""

import hashlib

import pandas as pd
import streamlit as st

from dxcore import sheets
from dxcore.errors import DxError
from dxcore.exports import csv_bytes
from dxcore.kpi import month_label
from dxcore.periods import format_datetime
from dxcore.store import repo_kpi
from ui.common import engine, flash_later, lang, org_page, show_error, tr
from ui.gate import through_app
from ui.kpi import catalogue, prepare_reader, read_upload, template_button, too_big, upload_help

through_app()

PREVIEW = "kpi_preview"  # (org id, file hash, Preview) of the file on screen
SHOWN = 500  # rows of a long list shown on screen (all of them are in the download)
PROBLEM_ROW_PX = 112  # five lines: the message (second, after the row) wraps instead of being cut
PROBLEM_TEXT_PX = 270  # the message column fits a 390 px phone beside the row number
CONFIRM_UNDO = "kpi_confirm_undo"

org = org_page("kpi.upload.title")
cat = catalogue(org.id)
prepare_reader()

st.header(tr("kpi.upload.step1"))
st.write(tr("kpi.upload.step1_body"))
template_button(org.id)

st.header(tr("kpi.upload.step2"))
upload = st.file_uploader(tr("kpi.upload.file"), type=["xlsx", "csv"], key="kpi_file",
                          help=upload_help(tr("kpi.upload.file_help")))

if upload is not None and not too_big(upload):
    data = upload.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    held = st.session_state.get(PREVIEW)
    if not held or held[0] != org.id or held[1] != sha:
        with st.status(tr("kpi.upload.checking"), expanded=True) as status:
            st.write(tr("kpi.upload.reading", file=upload.name))
            parsed = read_upload(org.id, upload.name, data)
            st.write(tr("kpi.upload.comparing", rows=parsed.rows))
            preview = repo_kpi.preview(engine(), org.id, parsed, max_changes=SHOWN)
            status.update(label=tr("kpi.upload.checked" if preview.ok else "kpi.upload.check_failed"),
                          state="complete" if preview.ok else "error", expanded=False)
        st.session_state[PREVIEW] = held = (org.id, sha, preview)
    preview = held[2]

    st.header(tr("kpi.upload.step3"))
    cols = st.columns(5)
    cols[0].metric(tr("kpi.upload.rows"), f"{preview.rows:,}", border=True)
    cols[1].metric(tr("kpi.upload.new"), f"{preview.new:,}", border=True)
    cols[2].metric(tr("kpi.upload.changed"), f"{preview.changed:,}", border=True)
    cols[3].metric(tr("kpi.upload.unchanged"), f"{preview.unchanged:,}", border=True)
    cols[4].metric(tr("kpi.upload.problems"), f"{preview.problem_count:,}", border=True)

    if not preview.ok:
        st.error(tr("kpi.upload.has_problems", n=preview.problem_count))
        header, rows = sheets.problems_table(preview.problems, lang())
        st.dataframe(pd.DataFrame(rows[:SHOWN], columns=header), hide_index=True, key="kpi_problems",
                     row_height=PROBLEM_ROW_PX, placeholder="",
                     column_order=[header[1], header[4], header[2], header[3], header[0]],
                     column_config={header[0]: st.column_config.TextColumn(width="small"),
                                    header[1]: st.column_config.NumberColumn(width="small"),
                                    header[2]: st.column_config.TextColumn(width="small"),
                                    header[3]: st.column_config.TextColumn(width="small"),
                                    header[4]: st.column_config.TextColumn(width=PROBLEM_TEXT_PX)})
        if len(rows) > SHOWN:
            st.caption(tr("kpi.upload.more_rows", shown=SHOWN, total=len(rows)))
        more = [[None] * 4 + [tr("limits.more_problems", n=f"{preview.more_problems:,}", shown=len(rows))]
                ] if preview.more_problems else []
        if more:
            st.caption(more[0][4])
        st.download_button(tr("kpi.upload.download_problems"), csv_bytes(header, rows + more),
                           file_name="kpi_problems.csv", mime="text/csv", key="dl_problems")
    elif preview.nothing_to_do:
        if preview.same_file:
            st.info(tr("kpi.upload.same_file", file=preview.same_file.file_name,
                       time=format_datetime(preview.same_file.uploaded_at, lang())))
        else:
            st.info(tr("kpi.import.nothing_new"))
    else:
        st.success(tr("kpi.upload.ready", new=preview.new, changed=preview.changed))
        if preview.changed:
            st.warning(tr("kpi.upload.will_change", n=preview.changed))
            names = {m.id: m.header for m in cat.measures}
            st.dataframe(pd.DataFrame(
                [{tr("kpi.upload.col_month"): month_label(c.month, lang()),
                  tr("kpi.upload.col_department"): c.department, tr("kpi.upload.col_process"): c.process,
                  tr("kpi.upload.col_measure"): names.get(c.measure, c.measure),
                  tr("kpi.upload.col_old"): c.old, tr("kpi.upload.col_new"): c.new} for c in preview.changes]),
                hide_index=True, key="kpi_changes")
            if preview.changed > len(preview.changes):
                st.caption(tr("kpi.upload.more_rows", shown=len(preview.changes), total=preview.changed))
        label = tr("kpi.upload.confirm_overwrite" if preview.changed else "kpi.upload.confirm")
        if st.button(label, type="primary", key="kpi_confirm"):
            bar = st.progress(0.0, text=tr("kpi.upload.writing"))
            try:
                done = repo_kpi.apply(engine(), preview, progress=lambda n, total: bar.progress(
                    n / total, text=tr("kpi.upload.writing_n", n=n, total=total)))
            except DxError as e:
                st.session_state.pop(PREVIEW, None)
                show_error(e)
            else:
                st.session_state.pop(PREVIEW, None)
                flash_later(tr("kpi.upload.done", new=done.new, changed=done.changed))
                st.switch_page("pages/kpi.py")

st.header(tr("kpi.upload.history"))
uploads = repo_kpi.list_uploads(engine(), org.id)
if not uploads:
    st.caption(tr("kpi.upload.no_history"))
else:
    st.dataframe(pd.DataFrame([{
        tr("kpi.upload.col_id"): u.id, tr("kpi.upload.col_time"): format_datetime(u.uploaded_at, lang()),
        tr("kpi.upload.col_file"): u.file_name, tr("kpi.upload.col_source"): tr(f"kpi.upload.source_{u.source}"),
        tr("kpi.upload.rows"): u.rows, tr("kpi.upload.new"): u.new, tr("kpi.upload.changed"): u.changed,
        tr("kpi.upload.col_state"): tr("kpi.upload.state_active") if u.active else tr(
            "kpi.upload.state_undone", time=format_datetime(u.undone_at, lang())),
        tr("kpi.upload.col_sha"): u.sha256[:12]} for u in uploads]), hide_index=True, key="kpi_uploads")
    active = [u for u in uploads if u.active]
    if active:
        with st.expander(tr("kpi.upload.undo_title")):
            st.write(tr("kpi.upload.undo_body"))
            labels = {u.id: f"#{u.id} {u.file_name}({format_datetime(u.uploaded_at, lang())})" for u in active}
            target = st.selectbox(tr("kpi.upload.undo_choose"), list(labels), format_func=labels.get,
                                  key="kpi_undo_target")
            if st.button(tr("kpi.upload.undo_button"), key="kpi_undo"):
                st.session_state[CONFIRM_UNDO] = target
            if st.session_state.get(CONFIRM_UNDO) == target:
                st.warning(tr("kpi.upload.undo_confirm", file=labels[target]))
                yes, no = st.columns(2)
                if yes.button(tr("kpi.upload.undo_yes"), type="primary", key="kpi_undo_yes"):
                    st.session_state.pop(CONFIRM_UNDO, None)
                    try:
                        repo_kpi.undo(engine(), org.id, target)
                    except DxError as e:
                        show_error(e)
                    else:
                        st.session_state.pop(PREVIEW, None)
                        flash_later(tr("kpi.upload.undone"))
                        st.rerun()
                if no.button(tr("common.cancel"), key="kpi_undo_no"):
                    st.session_state.pop(CONFIRM_UNDO, None)
                    st.rerun()
st.page_link("pages/kpi.py", label=tr("kpi.upload.to_dashboard"))
