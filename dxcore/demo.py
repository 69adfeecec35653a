"""The demo municipality サンプル市: a year of diagnoses that tell a restart story.

A year ago the DX office found no KPIs and paper running beside the new systems; the
mayor's office, asked three months later, saw things far rosier (the gap between top and
front line); after KPIs were set and a first RPA project was done, the front line's own
diagnosis shows P1, P2 and P6 falling while vendor dependence (P3) is still stubborn.
The first two were answered before the questionnaire was revised (version 1), so the
history shows where the questionnaire changed.  Loading it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine

from dxcore import kpi_demo, plan_demo, workshop_demo
from dxcore.content import Content, load
from dxcore.periods import to_local
from dxcore.store import repo
from dxcore.store.models import utcnow

DEMO_NAME = "サンプル市"
DEMO_PREFECTURE = "13"

# (days ago, role, question set, questionnaire version, target risk per pattern P1…P7)
STORY: tuple[tuple[int, str, str, int, tuple[int, ...]], ...] = (
    (360, "dx_office", "full", 1, (82, 76, 70, 66, 62, 86, 56)),
    (270, "executive", "pulse", 1, (45, 50, 55, 35, 40, 55, 45)),
    (180, "dx_office", "full", 2, (48, 62, 66, 56, 55, 52, 50)),
    (90, "frontline", "full", 2, (34, 40, 58, 48, 44, 36, 46)),
)


def answers_for(targets: tuple[int, ...], question_set: str, seed: int,
                content: Content | None = None, version: int | None = None) -> dict[str, int | None]:
    """Plausible answers, to the statements of questionnaire ``version`` (the current one by
    default), whose pattern risks land near ``targets`` (0–100)."""
    content = content or load()
    rng = random.Random(seed)
    questionnaire = content.questionnaire(version)
    wanted = set(questionnaire.question_ids(question_set))
    answers: dict[str, int | None] = {}
    for pattern, target in zip(content.patterns, targets, strict=True):
        for q in questionnaire.questions:
            if q.id not in wanted or q.pattern != pattern.id:
                continue
            if question_set == "full" and rng.random() < 0.06:
                answers[q.id] = None  # 「わからない」 now and then
                continue
            risk_value = 1 + 4 * target / 100 + rng.choice((-0.6, 0, 0, 0.6))
            value = min(5, max(1, round(risk_value)))
            answers[q.id] = 6 - value if q.reverse else value
    return answers


def load_demo(engine: Engine, now: datetime | None = None) -> repo.Org:
    """Create サンプル市 with its history, unless it is already there."""
    existing = repo.find_org(engine, DEMO_NAME)
    if existing is not None:
        return existing
    now = now or utcnow()
    org = repo.create_org(engine, DEMO_NAME, prefecture=DEMO_PREFECTURE, is_demo=True)
    for seed, (days_ago, role, question_set, version, targets) in enumerate(STORY):
        repo.save_diagnosis(engine, org.id, answers_for(targets, question_set, seed, version=version), role=role,
                            question_set=question_set, taken_at=now - timedelta(days=days_ago), version=version)
    kpi_demo.seed_demo_kpis(engine, org.id, to_local(now).date())
    plan_demo.seed(engine, org.id, now)
    workshop_demo.seed(engine, org.id)
    return org
