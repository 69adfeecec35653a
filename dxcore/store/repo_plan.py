"""Repository functions for the restart plan.

Every write is one transaction that changes only the fields the user changed and adds
one history row per changed field.  An item's row is locked before it is read (an
``UPDATE … RETURNING`` that changes nothing), so two sessions saving different items,
or different fields of one item, never lose each other's change on SQLite or
PostgreSQL; a session that would overwrite a field someone else changed since it was
shown gets ``plan.error.conflict`` instead.  Nothing is ever hard-deleted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dxcore import plan as plan_mod
from dxcore.content import Content, load
from dxcore.errors import DxError
from dxcore.plan import Event, ItemState, Milestone, Plan
from dxcore.store import repo
from dxcore.store.models import Organization, utcnow
from dxcore.store.models_plan import PlanEvent, PlanItem, PlanMilestone

RECENT = 20
RETRIES = 5  # a new row racing another session's insert of the same row is retried
_ITEM_COLUMNS = (PlanItem.item_id, PlanItem.step, PlanItem.text, PlanItem.status, PlanItem.owner, PlanItem.due,
                 PlanItem.note, PlanItem.completed_on, PlanItem.archived)


def _state(row) -> ItemState:
    return ItemState(row.item_id, row.step, row.text, row.status, row.owner, row.due, row.note,
                     row.completed_on, bool(row.archived))


def _check_role(role: str | None, content: Content) -> str | None:
    if role is None or role == "":
        return None
    if role not in content.role_index:
        raise DxError("diagnosis.error.unknown_role", role=role)
    return role


def _require_org(conn, org_id: int) -> None:
    if conn.execute(select(Organization.id).where(Organization.id == org_id)).first() is None:
        raise DxError("org.error.not_found", key=str(org_id))


def _event(org_id: int, at: datetime, role: str | None, field: str, old=None, new=None,
           item_id: str | None = None, milestone_id: int | None = None) -> dict:
    return {"org_id": org_id, "changed_at": at, "role": role, "item_id": item_id, "milestone_id": milestone_id,
            "field": field, "old_value": plan_mod.storable(old), "new_value": plan_mod.storable(new)}


# reading ----------------------------------------------------------------------------

def list_items(engine: Engine, org_id: int) -> list[ItemState]:
    """Every stored item of an organisation (archived ones too)."""
    with engine.connect() as conn:
        rows = conn.execute(select(*_ITEM_COLUMNS).where(PlanItem.org_id == org_id).order_by(PlanItem.id)).all()
    return [_state(r) for r in rows]


def load_plan(engine: Engine, org_id: int, content: Content | None = None, prioritise: bool = True) -> Plan:
    """The organisation's plan, with the steps its latest diagnosis recommends marked, in the
    advice's order and leaving out steps already finished (``prioritise=False`` skips
    reading and scoring the diagnosis)."""
    content = content or load()
    states = list_items(engine, org_id)
    latest = None
    if prioritise:
        finished = plan_mod.finished_steps(states, content)
        latest = plan_mod.latest_advice(repo.list_diagnoses(engine, org_id), content, finished)
    record, advice = latest or (None, None)
    return plan_mod.build(states, content, advice, record)


def list_events(engine: Engine, org_id: int, limit: int | None = RECENT) -> list[Event]:
    """The organisation's changes, newest first."""
    query = (select(PlanEvent).where(PlanEvent.org_id == org_id)
             .order_by(PlanEvent.changed_at.desc(), PlanEvent.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Event(r.id, r.changed_at, r.role, r.item_id, r.milestone_id, r.field, r.old_value, r.new_value)
            for r in rows]


def list_milestones(engine: Engine, org_id: int, include_archived: bool = False) -> list[Milestone]:
    """Milestones, oldest first."""
    query = select(PlanMilestone).where(PlanMilestone.org_id == org_id)
    if not include_archived:
        query = query.where(PlanMilestone.archived.is_(False))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(PlanMilestone.on_date, PlanMilestone.id)).all()
    return [Milestone(r.id, r.on_date, r.label, bool(r.archived)) for r in rows]


# items ------------------------------------------------------------------------------

def _lock(conn, org_id: int, item_id: str):
    """The item's row, locked for this transaction (None if it has none yet).

    The no-op UPDATE takes SQLite's write lock / PostgreSQL's row lock before anything is
    read, so the values compared and recorded below are the latest committed ones.
    """
    return conn.execute(update(PlanItem).where(PlanItem.org_id == org_id, PlanItem.item_id == item_id)
                        .values(updated_at=PlanItem.updated_at).returning(*_ITEM_COLUMNS)).first()


def update_item(engine: Engine, org_id: int, item_id: str, changes: Mapping[str, object],
                role: str | None = None, expected: Mapping[str, object] | None = None,
                now: datetime | None = None, content: Content | None = None) -> ItemState:
    """Change some fields of one item (status, owner, due, note, completed_on, archived).

    ``expected`` holds the values the user saw; a field that someone else has changed
    since then is not overwritten (DxError ``plan.error.conflict``, nothing saved).
    Returns the item as stored afterwards.
    """
    content = content or load()
    now = now or utcnow()
    today = plan_mod.local_today(now)
    role = _check_role(role, content)
    clean = plan_mod.clean_changes(changes, today)
    catalogue = {i.id: s.id for s in content.steps for i in s.items}
    for _attempt in range(RETRIES):
        try:
            with engine.begin() as conn:
                row = _lock(conn, org_id, item_id)
                if row is None:
                    if item_id not in catalogue:
                        raise DxError("plan.error.unknown_item", item=item_id)
                    _require_org(conn, org_id)
                    current = ItemState(item_id, catalogue[item_id])
                else:
                    current = _state(row)
                diff = plan_mod.effective_changes(current, clean, today)
                clash = plan_mod.conflicts(current, expected, diff)
                if clash:
                    raise DxError("plan.error.conflict", item=item_id)
                if not diff:
                    return current
                if row is None:
                    conn.execute(insert(PlanItem).values({
                        "org_id": org_id, "item_id": item_id, "step": current.step, "status": current.status,
                        "archived": False, "created_at": now, "updated_at": now, **diff}))
                else:
                    conn.execute(update(PlanItem).where(PlanItem.org_id == org_id, PlanItem.item_id == item_id)
                                 .values(updated_at=now, **diff))
                conn.execute(insert(PlanEvent), [
                    _event(org_id, now, role, f, getattr(current, f), v, item_id=item_id) for f, v in diff.items()])
                return replace(current, **diff)
        except IntegrityError:
            continue  # another session created this item's row first: lock it and compare again
    raise DxError("plan.error.busy")


def add_item(engine: Engine, org_id: int, step: str, text: str, role: str | None = None,
             now: datetime | None = None, content: Content | None = None) -> ItemState:
    """Add an organisation's own checklist item under a step (id S3-C1, S3-C2 …)."""
    content = content or load()
    now = now or utcnow()
    role = _check_role(role, content)
    if step not in content.step_index:
        raise DxError("plan.error.unknown_step", step=str(step))
    text = plan_mod.clean_text(text, plan_mod.TEXT_MAX, "plan.error.text_too_long")
    if text is None:
        raise DxError("plan.error.text_required")
    for _attempt in range(RETRIES):
        try:
            with engine.begin() as conn:
                _require_org(conn, org_id)
                own = conn.execute(select(PlanItem.item_id).where(
                    PlanItem.org_id == org_id, PlanItem.step == step, PlanItem.text.is_not(None))).scalars()
                n = max((plan_mod.own_number(i) or 0 for i in own), default=0) + 1
                item_id = plan_mod.own_item_id(step, n)
                conn.execute(insert(PlanItem).values(org_id=org_id, item_id=item_id, step=step, text=text,
                                                     status="todo", archived=False, created_at=now, updated_at=now))
                conn.execute(insert(PlanEvent).values(**_event(org_id, now, role, "added", None, text,
                                                               item_id=item_id)))
            return ItemState(item_id, step, text)
        except IntegrityError:
            continue  # two sessions picked the same number: take the next one
    raise DxError("plan.error.busy")


def archive_item(engine: Engine, org_id: int, item_id: str, archived: bool = True, role: str | None = None,
                 now: datetime | None = None) -> ItemState:
    """Archive an item the organisation does not need (or bring it back); its history stays."""
    return update_item(engine, org_id, item_id, {"archived": archived}, role=role, now=now)


# milestones -------------------------------------------------------------------------

def add_milestone(engine: Engine, org_id: int, on, label: str, role: str | None = None,
                  now: datetime | None = None, content: Content | None = None) -> Milestone:
    """A dated milestone added by hand (it is drawn on the KPI trend charts)."""
    content = content or load()
    now = now or utcnow()
    role = _check_role(role, content)
    on = plan_mod.parse_date(on, "milestone")
    today = plan_mod.local_today(now)
    latest = date(today.year + plan_mod.DUE_YEARS_AHEAD, 12, 31)
    if on is None:
        raise DxError("plan.error.milestone_date_required")
    if not plan_mod.EARLIEST <= on <= latest:
        raise DxError("plan.error.due_range", value=on.isoformat(), first=plan_mod.EARLIEST.isoformat(),
                      last=latest.isoformat())
    label = plan_mod.clean_text(label, plan_mod.LABEL_MAX, "plan.error.label_too_long")
    if label is None:
        raise DxError("plan.error.label_required")
    with engine.begin() as conn:
        _require_org(conn, org_id)
        new_id = conn.execute(insert(PlanMilestone).values(org_id=org_id, on_date=on, label=label, archived=False,
                                                           created_at=now).returning(PlanMilestone.id)).scalar_one()
        conn.execute(insert(PlanEvent).values(**_event(org_id, now, role, "milestone", None, label,
                                                       milestone_id=new_id)))
    return Milestone(new_id, on, label)


def archive_milestone(engine: Engine, org_id: int, milestone_id: int, role: str | None = None,
                      now: datetime | None = None, content: Content | None = None) -> bool:
    """Take a milestone off the charts (it stays in the history)."""
    role = _check_role(role, content or load())
    now = now or utcnow()
    with engine.begin() as conn:
        gone = conn.execute(update(PlanMilestone).where(
            PlanMilestone.id == milestone_id, PlanMilestone.org_id == org_id, PlanMilestone.archived.is_(False))
            .values(archived=True).returning(PlanMilestone.label)).first()
        if gone is None:
            return False
        conn.execute(insert(PlanEvent).values(**_event(org_id, now, role, "milestone_archived", None, gone.label,
                                                       milestone_id=milestone_id)))
    return True


# bulk (the demo) --------------------------------------------------------------------

def import_plan(engine: Engine, org_id: int, items: Sequence[tuple[ItemState, datetime]],
                events: Iterable[Mapping],
                milestones: Sequence[tuple[date, str, datetime, str | None]] = ()) -> None:
    """Store a whole plan at once (Core executemany): ``items`` as (state, last changed),
    ``events`` as {changed_at, role, item_id, field, old, new}, ``milestones`` as
    (date, label, added at, role); each milestone gets its history row."""
    with engine.begin() as conn:
        _require_org(conn, org_id)
        if items:
            conn.execute(insert(PlanItem), [
                {"org_id": org_id, "item_id": s.item_id, "step": s.step, "text": s.text, "status": s.status,
                 "owner": s.owner, "due": s.due, "note": s.note, "completed_on": s.completed_on,
                 "archived": s.archived, "created_at": at, "updated_at": at} for s, at in items])
        rows = [_event(org_id, e["changed_at"], e.get("role"), e["field"], e.get("old"), e.get("new"),
                       item_id=e.get("item_id")) for e in events]
        for on, label, at, role in milestones:
            new_id = conn.execute(insert(PlanMilestone).values(org_id=org_id, on_date=on, label=label,
                                                               archived=False, created_at=at)
                                  .returning(PlanMilestone.id)).scalar_one()
            rows.append(_event(org_id, at, role, "milestone", None, label, milestone_id=new_id))
        if rows:
            conn.execute(insert(PlanEvent), rows)


def count_events(engine: Engine, org_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(PlanEvent).where(PlanEvent.org_id == org_id)).scalar_one()
