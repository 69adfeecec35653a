"""Dated annotations for KPI trend charts: what was done when (「RPA導入 完了」 2025-06).

The KPI charts read them through :func:`for_org`; the restart plan is their source
(completed checklist items and milestones added by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from dxcore import plan
from dxcore.store import repo_plan


@dataclass(frozen=True)
class Annotation:
    on: date
    label: str
    kind: str = "milestone"  # milestone | completed


KIND_ORDER = {"milestone": 0, "completed": 1}


def for_org(engine: Engine, org_id: int, lang: str = "ja") -> list[Annotation]:
    """Every annotation of an organisation, oldest first: each completed (not archived)
    checklist item on its completion date, labelled 「RPAで定型入力業務を自動化する 完了」
    (long item texts shortened), and each milestone added by hand (not withdrawn)."""
    done = plan.completed_marks(repo_plan.load_plan(engine, org_id, prioritise=False), lang)
    marks = [Annotation(on, label, "completed") for on, label in done]
    marks += [Annotation(m.on, m.label, "milestone") for m in repo_plan.list_milestones(engine, org_id)]
    return sorted(marks, key=lambda a: (a.on, KIND_ORDER[a.kind], a.label))
