"""Read what a report needs about one organisation, through the repository functions
(no SQL here: :mod:`dxcore.store` does the talking)."""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import Engine

from dxcore import history
from dxcore.content import load
from dxcore.periods import to_local
from dxcore.plan import local_today
from dxcore.report.build import Inputs, WorkshopInfo
from dxcore.store import annotations, repo, repo_kpi, repo_plan, repo_workshop


def _room(engine: Engine, code: str):
    return repo_workshop.live(engine, code).room


def inputs(engine: Engine, org: repo.Org, lang: str = "ja", today: date | None = None) -> Inputs:
    content = load()
    workshops = []
    for s in repo_workshop.list_workshops(engine, org.id):
        w = s.workshop
        workshops.append(WorkshopInfo(w.code, w.title, to_local(w.created_at).date(), w.question_set,
                                      s.counts.joined, s.counts.answered, not w.is_open,
                                      partial(_room, engine, w.code)))
    return Inputs(
        org=org.name,
        diagnoses=tuple(history.entries(repo.list_diagnoses(engine, org.id), content)),
        values=repo_kpi.load_values(engine, org.id),
        catalogue=repo_kpi.catalogue_for(engine, org.id),
        settings=repo_kpi.settings(engine, org.id),
        targets=repo_kpi.targets(engine, org.id),
        plan=repo_plan.load_plan(engine, org.id, content),
        marks=tuple((a.on, a.label) for a in annotations.for_org(engine, org.id, lang)),
        uploads=tuple((u.file_name, to_local(u.uploaded_at).date())
                      for u in repo_kpi.list_uploads(engine, org.id) if u.active),
        workshops=tuple(workshops),
        content=content,
        today=today or local_today(),
    )
