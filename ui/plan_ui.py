"""Restart-plan pieces for the pages: the overdue list (ホーム, 再起動プラン), the link on to
the KPI dashboard, the success habits an item practises, and the checklist rows' layout."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dxcore import plan
from dxcore.store import repo_plan
from ui.common import content, engine, lang, md, tr, tx

PAGE = "pages/plan.py"
KPI_PAGE = "pages/kpi.py"
ROOT = Path(__file__).resolve().parents[1]
# A checklist row is a wrapping flex row: the item's text (which grows) and then its status
# buttons and 編集.  The text keeps at least ~16 characters' width, so on a narrow screen the
# buttons wrap onto the next line instead of squeezing the text to one character per line.
ROW_STYLE = """<style>
[class*="st-key-plan_text_"] { flex-grow: 1 !important; min-width: min(100%, 18rem) !important; }
[class*="st-key-plan_row_"] { border-bottom: 1px solid #E3E8EF; padding-bottom: 0.5rem; }
</style>"""


def row_style() -> None:
    st.html(ROW_STYLE)


def habit_badges(item_id: str) -> list[str]:
    """A badge per success habit the catalogue item practises (小さく始める …)."""
    item = content().item_index.get(item_id)
    return [f":blue-badge[{tx(content().habit_index[h].name)}]" for h in item.habits] if item else []


def kpi_link() -> None:
    """The next step of the loop: read the KPIs against what was done (when the KPI screens are installed)."""
    if (ROOT / KPI_PAGE).exists():
        st.page_link(KPI_PAGE, label=tr("plan.see_kpis"))


def overdue_lines(items: list[plan.PlanItem], limit: int | None = None) -> None:
    """One line per overdue item: id, text, due date and owner."""
    shown = items if limit is None else items[:limit]
    for item in shown:
        owner = tr("plan.overdue.owner", owner=md(item.owner)) if item.owner else ""
        st.markdown(tr("plan.overdue.line", item=item.id, text=md(plan.shorten(item.label(lang()), 40)),
                       due=plan.format_date(item.due, lang()), owner=owner))
    if limit is not None and len(items) > limit:
        st.caption(tr("plan.overdue.more", n=len(items) - limit))


def overdue_panel(org_id: int, current: plan.Plan | None = None, limit: int = 5) -> None:
    """ホーム: the plan's overdue items (or a pointer to the plan), with a link to it."""
    current = current or repo_plan.load_plan(engine(), org_id, prioritise=False)
    late = current.overdue(plan.local_today())
    with st.container(key="home_overdue"):
        st.subheader(tr("plan.overdue.title"))
        if late:
            overdue_lines(late, limit)
            st.page_link(PAGE, label=tr("plan.open_overdue"))
        elif any(i.owner or i.due or i.status != "todo" for i in current.items):
            st.caption(tr("plan.overdue.none"))
            st.page_link(PAGE, label=tr("plan.open"))
        else:
            st.caption(tr("plan.overdue.start"))
            st.page_link(PAGE, label=tr("plan.open"))
