"""Dated annotations for KPI trend charts: what was done when (「RPA導入 完了」 2025-06).

The KPI charts read them through :func:`for_org`; the restart plan is their source
(completed checklist items and milestones added by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine


@dataclass(frozen=True)
class Annotation:
    on: date
    label: str
    kind: str = "milestone"  # milestone | completed


def for_org(engine: Engine, org_id: int) -> list[Annotation]:
    """Every annotation of an organisation, oldest first.

    Until the restart plan stores anything there is nothing to annotate.
    """
    return []
