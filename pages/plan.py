"""再起動プラン: the seven restart steps as a checklist — status, owner, due date and note
per item; progress; the latest diagnosis' priorities ranked one to three, with only the
current step open; the three success habits; overdue items; the organisation's own and
archived items; milestones for the KPI charts; recent changes; exports.

A checklist row puts the item's text first and its status buttons after it; on a narrow
screen the buttons wrap below the text, which keeps the full width (ui.plan_ui.ROW_STYLE).

Each save changes only the fields the user changed and passes what the screen showed,
so two people working on the plan at once never overwrite each other unknowingly.
"""

from datetime import date

import streamlit as st

from dxcore import plan
from dxcore.errors import DxError
from dxcore.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from dxcore.periods import format_datetime
from dxcore.store import repo_plan
from ui.common import (
    content,
    engine,
    error_md,
    flash_later,
    lang,
    listing,
    md,
    option_index,
    org_page,
    role_name,
    show_error,
    tr,
    tx,
    wkey,
)
from ui.gate import through_app
from ui.plan_ui import habit_badges, kpi_link, overdue_lines, row_style

through_app()

EDITING = "plan_editing"  # the item whose details are open
ROLE = "plan_role"  # the role recorded with each change (None: not given)
ERROR = "plan_error"  # a save that failed inside a widget callback, shown once


def save(org_id: int, item: plan.PlanItem, changes: dict) -> bool:
    try:
        repo_plan.update_item(engine(), org_id, item.id, changes, role=st.session_state.get(ROLE),
                              expected=item.fields())
    except DxError as e:
        st.session_state[ERROR] = error_md(e)
        return False
    return True


def on_status(org_id: int, item: plan.PlanItem, key: str) -> None:
    value = st.session_state.get(key)
    if value in (None, item.status):
        return
    if save(org_id, item, {"status": value}):
        st.toast(tr("plan.edit.saved", item=item.id))
    else:  # also at the top of the page; the toast shows it where the user is
        st.toast(st.session_state[ERROR])


def toggle_editor(item_id: str) -> None:
    st.session_state[EDITING] = None if st.session_state.get(EDITING) == item_id else item_id


def facts(item: plan.PlanItem, today: date) -> str:
    """Owner · due or completion date · note, for the line under an item (overdue is shown as
    a badge on the item's own line, where its red keeps its contrast)."""
    out = []
    if item.owner:
        out.append(tr("plan.item.owner", owner=md(item.owner)))
    if item.status == "done" and item.completed_on:
        out.append(tr("plan.item.completed", date=plan.format_date(item.completed_on, lang())))
    elif item.due and not item.is_overdue(today):
        out.append(tr("plan.item.due", due=plan.format_date(item.due, lang())))
    if item.note:
        out.append(tr("plan.item.note", note=md(plan.shorten(item.note, 60))))
    return "  ·  ".join(out)


def first_needed(item: plan.PlanItem) -> list[str]:
    """Items that should be finished before this one and are not (e.g. the AI rules)."""
    needed = c.item_index[item.id].requires if item.id in c.item_index else ()
    return [i for i in needed if (found := current.find(i)) is not None and found.status != "done"
            and not found.archived] if item.status != "done" else []


def item_row(org_id: int, item: plan.PlanItem, today: date) -> None:
    key = wkey(f"plan_status_{item.id}")
    st.session_state[key] = item.status  # what is stored now, also when someone else changed it
    with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=True,
                      key=f"plan_row_{item.id}"):
        with st.container(gap=None, key=f"plan_text_{item.id}"):
            badges = [f":gray-badge[{tr('plan.item.own')}]"] if item.own else []
            if item.is_overdue(today):
                badges.append(f":red-badge[{tr('plan.item.overdue', due=plan.format_date(item.due, lang()))}]")
            badges += habit_badges(item.id)
            st.markdown(" ".join([f"**{item.id}** {md(item.label(lang()))}", *badges]))
            if line := facts(item, today):
                st.caption(line)
            if needed := first_needed(item):
                st.caption(tr("plan.item.requires", items=listing(needed)))
        with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content",
                          key=f"plan_controls_{item.id}"):
            st.segmented_control(tr("plan.item.status_label", item=item.id), plan.STATUSES, key=key, required=True,
                                 format_func=STATUS_LABELS.get, label_visibility="collapsed",
                                 on_change=on_status, args=(org_id, item, key))
            st.button(tr("plan.item.edit"), key=f"plan_edit_{item.id}", help=tr("plan.item.edit_help"),
                      on_click=toggle_editor, args=(item.id,))
    if st.session_state.get(EDITING) == item.id:
        editor(org_id, item, today)


def editor(org_id: int, item: plan.PlanItem, today: date) -> None:
    with st.form(f"plan_form_{item.id}"):
        st.markdown(f"**{tr('plan.edit.title', item=item.id)}**")
        left, right = st.columns(2)
        status = left.radio(tr("plan.field.status"), plan.STATUSES, index=option_index(plan.STATUSES, item.status, 0),
                            horizontal=True, format_func=STATUS_LABELS.get,
                            key=wkey(f"plan_f_status_{item.id}"))
        owner = right.text_input(tr("plan.edit.owner"), value=item.owner or "", max_chars=plan.OWNER_MAX,
                                 help=tr("plan.edit.owner_help"), key=f"plan_f_owner_{item.id}")
        left, right = st.columns(2)
        due = left.date_input(tr("plan.field.due"), value=item.due, min_value=plan.EARLIEST,
                              max_value=date(today.year + plan.DUE_YEARS_AHEAD, 12, 31),
                              key=f"plan_f_due_{item.id}")
        completed = right.date_input(tr("plan.field.completed_on"), value=item.completed_on,
                                     min_value=plan.EARLIEST, max_value=today, help=tr("plan.edit.completed_help"),
                                     key=f"plan_f_done_{item.id}")
        note = st.text_area(tr("plan.field.note"), value=item.note or "", max_chars=plan.NOTE_MAX,
                            key=f"plan_f_note_{item.id}")
        submitted = st.form_submit_button(tr("plan.edit.save"), type="primary")
    if submitted:
        entered = {"status": status, "owner": owner.strip() or None, "due": due, "completed_on": completed,
                   "note": note.strip() or None}
        changes = {f: v for f, v in entered.items() if v != getattr(item, f)}
        if not changes:
            st.info(tr("plan.edit.unchanged"))
        elif save(org_id, item, changes):
            st.session_state[EDITING] = None
            flash_later(tr("plan.edit.saved", item=item.id))
            st.rerun()
        else:
            st.error(st.session_state.pop(ERROR))
    close, archive = st.columns([1, 4])
    close.button(tr("plan.edit.close"), key=f"plan_close_{item.id}", on_click=toggle_editor, args=(item.id,))
    if archive.button(tr("plan.edit.archive"), key=f"plan_archive_{item.id}", help=tr("plan.edit.archive_help")):
        if save(org_id, item, {"archived": True}):
            st.session_state[EDITING] = None
            flash_later(tr("plan.edit.archived", item=item.id))
            st.rerun()
        st.error(st.session_state.pop(ERROR))


def step_label(step: plan.PlanStep) -> str:
    p = step.progress
    label = f"**{step.id} {tx(step.title)}**  —  {tr('plan.step.progress', done=p.done, total=p.total)}"
    if p.doing:
        label += f"  ·  {tr('plan.step.doing', n=p.doing)}"
    if step.priority and step.priority.ranked:
        label += f"  ·  :orange-badge[{tr('plan.priority.badge', rank=step.priority.rank)}]"
    elif p.total and p.done == p.total:
        label += f"  ·  :green-badge[{tr('plan.step.finished')}]"
    return label


# the screen -------------------------------------------------------------------------

org = org_page("plan.title")
c = content()
row_style()
if message := st.session_state.pop(ERROR, None):
    st.error(message)
st.write(tr("plan.intro"))

today = plan.local_today()
current = repo_plan.load_plan(engine(), org.id, c)
STATUS_LABELS = {s: plan.status_label(s, lang()) for s in plan.STATUSES}
late = current.overdue(today)

# where we stand
overall = current.progress
cols = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
cols[0].metric(tr("plan.summary.overall"), f"{overall.ratio:.0%}", border=True,
               help=tr("plan.summary.overall_text", done=overall.done, total=overall.total))
cols[1].metric(tr("plan.summary.doing"), overall.doing, border=True)
cols[2].metric(tr("plan.summary.overdue"), len(late), border=True)
roles = {None: tr("plan.summary.role_none")} | {r.id: role_name(r.id) for r in c.roles}
st.session_state[ROLE] = cols[3].selectbox(
    tr("plan.summary.role"), list(roles), index=option_index(list(roles), st.session_state.get(ROLE), 0),
    key=wkey("plan_role"), format_func=roles.get)
st.progress(overall.ratio, text=tr("plan.summary.overall_text", done=overall.done, total=overall.total))

# what the latest diagnosis puts first
if current.basis is None:
    st.info(tr("plan.priority.no_diagnosis"))
    st.page_link("pages/diagnose.py", label=tr("home.diagnose_now"))
elif not current.priority_steps:
    st.caption(tr("plan.priority.none_advised"))
else:
    order = " → ".join(f"{s.id} {tx(s.title)}" for s in current.priority_steps if s.priority.ranked)
    st.caption(tr("plan.priority.basis", date=format_datetime(current.basis.taken_at, lang()),
                  role=role_name(current.basis.role), order=order))

if late:
    with st.container(border=True, key="plan_overdue"):
        st.markdown(f"**{tr('plan.overdue.title')}**")
        overdue_lines(late)

# the seven steps: only the current one (and one being edited) open
st.header(tr("plan.steps_title"))
editing = st.session_state.get(EDITING)
now_step = current.current_step
for step in current.steps:
    opened = (now_step is not None and step.id == now_step.id) or any(i.id == editing for i in step.items)
    with st.expander(step_label(step), expanded=opened, key=f"plan_step_{step.id}"):
        st.caption(tx(step.summary))
        if now_step is not None and step.id == now_step.id:
            st.markdown(f":blue-badge[{tr('plan.priority.current')}]")
        if step.priority and step.priority.patterns:
            patterns = listing(f"{p} {tx(c.pattern_index[p].title)}" for p in step.priority.patterns)
            st.markdown(tr("plan.priority.addresses", patterns=patterns))
        if step.priority and step.priority.foundation:
            st.caption(tr("plan.priority.foundation"))
        st.progress(step.progress.ratio)
        if not step.items:
            st.caption(tr("plan.step.empty"))
        for item in step.items:
            item_row(org.id, item, today)

# the three habits successful municipalities share
with st.container(border=True, key="plan_habits"):
    st.header(tr("plan.habits.title"), help=tr("plan.habits.help"))
    for column, habit in zip(st.columns(len(c.habits)), c.habits):
        done = current.habit_progress(habit.id, c)
        column.markdown(f"**{tx(habit.name)}** — {tr('plan.habits.progress', done=done.done, total=done.total)}")
        column.caption(tx(habit.summary))

# the organisation's own items, and the archived ones
left, right = st.columns(2, gap="large")
with left, st.expander(tr("plan.add.title")):
    with st.form("plan_add", clear_on_submit=True):
        step_names = {s.id: f"{s.id} {tx(s.title)}" for s in c.steps}
        new_step = st.selectbox(tr("plan.add.step"), list(step_names), key=wkey("plan_add_step"),
                                format_func=step_names.get)
        new_text = st.text_input(tr("plan.add.text"), max_chars=plan.TEXT_MAX, help=tr("plan.add.text_help"),
                                 key="plan_add_text")
        if st.form_submit_button(tr("plan.add.submit")):
            try:
                added = repo_plan.add_item(engine(), org.id, new_step, new_text, role=st.session_state.get(ROLE))
            except DxError as e:
                show_error(e)
            else:
                flash_later(tr("plan.add.added", item=added.item_id))
                st.rerun()
with right, st.expander(tr("plan.archive.title", n=len(current.archived))):
    if not current.archived:
        st.caption(tr("plan.archive.none"))
    for item in current.archived:
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.markdown(f"**{item.id}** {md(item.label(lang()))}")
        if button.button(tr("plan.archive.restore"), key=f"plan_restore_{item.id}"):
            if save(org.id, item, {"archived": False}):
                flash_later(tr("plan.archive.restored", item=item.id))
            st.rerun()

# milestones (drawn on the KPI charts)
st.header(tr("plan.milestone.title"), help=tr("plan.milestone.help"))
milestones = repo_plan.list_milestones(engine(), org.id, include_archived=True)
listed, form = st.columns([3, 2], gap="large")
with listed:
    active = [m for m in milestones if not m.archived]
    if not active:
        st.caption(tr("plan.milestone.none"))
    for m in active:
        with st.container(horizontal=True, vertical_alignment="center", gap="medium", wrap=False):
            st.markdown(tr("plan.milestone.line", date=plan.format_date(m.on, lang()), label=md(m.label)))
            if st.button(tr("plan.milestone.archive"), key=f"plan_ms_archive_{m.id}"):
                repo_plan.archive_milestone(engine(), org.id, m.id, role=st.session_state.get(ROLE))
                flash_later(tr("plan.milestone.archived", label=m.label))
                st.rerun()
with form, st.form("plan_milestone", clear_on_submit=True):
    ms_date = st.date_input(tr("plan.milestone.date"), value=today, min_value=plan.EARLIEST,
                            max_value=date(today.year + plan.DUE_YEARS_AHEAD, 12, 31), key="plan_ms_date")
    ms_label = st.text_input(tr("plan.milestone.label"), max_chars=plan.LABEL_MAX,
                             help=tr("plan.milestone.label_help"), key="plan_ms_label")
    if st.form_submit_button(tr("plan.milestone.submit")):
        try:
            added = repo_plan.add_milestone(engine(), org.id, ms_date, ms_label, role=st.session_state.get(ROLE))
        except DxError as e:
            show_error(e)
        else:
            flash_later(tr("plan.milestone.added", label=added.label))
            st.rerun()

kpi_link()

# who changed what, when (a static table: long changes wrap instead of being cut)
st.header(tr("plan.history.title"))
changes = plan.recent_changes(repo_plan.list_events(engine(), org.id, limit=60), current, milestones, lang(),
                              limit=repo_plan.RECENT)
if not changes:
    st.caption(tr("plan.history.none"))
else:
    when, role, what, change = (tr(f"plan.history.col_{k}") for k in ("when", "role", "what", "change"))
    with st.container(key="plan_history"):
        st.table(
            [{when: format_datetime(ch.changed_at, lang()), role: role_name(ch.role) if ch.role else tr("common.none"),
              what: md(ch.what), change: md(ch.change)} for ch in changes],
            hide_index=True, border="horizontal", alt=tr("plan.history.title"))

# export
st.header(tr("plan.export.title"))
header, rows = plan.export_rows(current, lang())
a, b, _ = st.columns([1, 1, 3])
a.download_button(tr("common.download_csv"), csv_bytes(header, rows), file_name="restart_plan.csv",
                  mime="text/csv", key="plan_dl_csv")
b.download_button(tr("common.download_xlsx"), xlsx_bytes([(tr("plan.export.sheet"), header, rows)]),
                  file_name="restart_plan.xlsx", mime=XLSX_MIME, key="plan_dl_xlsx")
