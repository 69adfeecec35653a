"""Pieces the diagnosis pages share (自己診断, 診断結果, 履歴, ホーム): who answered a
diagnosis, its one-line label, and what a pattern's risk looks like in words."""

from __future__ import annotations

import streamlit as st

from dxcore import history
from dxcore.content import Pattern
from dxcore.periods import format_datetime
from dxcore.scoring import rounded
from ui.common import content, lang, listing, md, role_name, tr, tx


def who_label(entry: history.Entry, markdown: bool = True) -> str:
    """The respondent: a role, or the workshop's title and head count; the title is escaped
    for Markdown unless the label goes where text is shown as it is (a table, an option)."""
    r = entry.record
    if entry.who == history.WORKSHOP:
        if r.workshop_title:
            title = md(r.workshop_title) if markdown else r.workshop_title
            return tr("history.workshop_label", title=title, n=r.participants)
        return tr("history.workshop_untitled", n=r.participants)
    return role_name(r.role)


def entry_label(entry: history.Entry, markdown: bool = True) -> str:
    """「2025/06/01 12:00・現場職員・フル」: one diagnosis in a list or a choice."""
    r = entry.record
    return tr("results.option", date=format_datetime(r.taken_at, lang()), role=who_label(entry, markdown),
              qset=tr(f"qset.{r.question_set}_short"))


def shown(value: float | None) -> str:
    """A risk or a DX健全度 as a person reads it: the one rounding rule, or 「—」."""
    number = rounded(value)
    return "—" if number is None else str(number)


def level_lines(pattern: Pattern, current: str | None = None) -> None:
    """What low, medium and high risk look like for ``pattern``; the band ``current`` in bold."""
    for band in ("low", "medium", "high"):
        text = tx(pattern.levels[band])
        line = tr("diagnose.level_line", band=tr(f"band.{band}"), text=text)
        st.markdown(f"**{line}**" if band == current else line)


def symptom_names(pattern_id: str) -> str:
    """The article's typical symptoms that point to this pattern, as one line ("" if none)."""
    return listing(tx(s.name) for s in content().symptoms_of(pattern_id))
