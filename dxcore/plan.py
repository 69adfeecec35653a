"""The restart plan (pure): the seven restart steps with their checklist items and each
item's state; progress per step and overall; which steps the latest diagnosis puts first;
overdue items; the change history in words; export rows and the CLI's JSON.

The store keeps one :class:`ItemState` per item an organisation has touched; everything
here is computed from those and the content files, without I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from dxcore import history
from dxcore.advice import FOUNDATION, Advice, advise
from dxcore.content import Content, Texts, load
from dxcore.errors import DxError
from dxcore.i18n import pick, t
from dxcore.periods import to_local
from dxcore.text import refuse_invisible

if TYPE_CHECKING:
    from dxcore.store.repo import DiagnosisRecord

STATUSES = ("todo", "doing", "done")  # 未着手 / 進行中 / 完了
FIELDS = ("status", "owner", "due", "note", "completed_on", "archived")  # what a change may touch
OWNER_MAX = 100
NOTE_MAX = 1000
TEXT_MAX = 200
LABEL_MAX = 60
EARLIEST = date(2000, 1, 1)
DUE_YEARS_AHEAD = 10
ANNOTATION_CHARS = {"ja": 18, "en": 40}  # item text on a KPI chart, before 「完了」
OWN_ITEM = re.compile(r"^(S\d+)-C(\d+)$")  # items an organisation added: S3-C1, S3-C2 …


# what the store holds -------------------------------------------------------------

@dataclass(frozen=True)
class ItemState:
    """One item of one organisation as stored; catalogue items nobody touched have none."""

    item_id: str
    step: str
    text: str | None = None  # only items the organisation added carry their own text
    status: str = "todo"
    owner: str | None = None
    due: date | None = None
    note: str | None = None
    completed_on: date | None = None
    archived: bool = False


@dataclass(frozen=True)
class Milestone:
    id: int
    on: date
    label: str
    archived: bool = False


@dataclass(frozen=True)
class Event:
    """One change: a field of an item (or a milestone) went from ``old`` to ``new``."""

    id: int
    changed_at: datetime
    role: str | None
    item_id: str | None
    milestone_id: int | None
    field: str  # a FIELDS name, or added | milestone | milestone_archived
    old: str | None
    new: str | None


def own_item_id(step: str, n: int) -> str:
    return f"{step}-C{n}"


def own_number(item_id: str) -> int | None:
    m = OWN_ITEM.match(item_id)
    return int(m.group(2)) if m else None


def local_today(now: datetime | None = None) -> date:
    """Today in Japan (due dates and completion dates are local calendar days)."""
    return to_local(now or datetime.now(timezone.utc)).date()


# validating a change ----------------------------------------------------------------

def parse_date(value, what: str) -> date | None:
    """A date from a date, a datetime or text like 2026-03-31, 2026/3/31 or ２０２６/３/３１."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise DxError("plan.error.bad_date", field=what, value=str(value))


def clean_text(value, limit: int, error: str, normalise: bool = False) -> str | None:
    if value is None:
        return None
    text = str(value)
    if normalise:
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    if not text:
        return None
    if len(text) > limit:
        raise DxError(error, max=limit, length=len(text))
    return refuse_invisible(text, multiline=limit == NOTE_MAX)


def clean_changes(changes: Mapping[str, object], today: date) -> dict[str, object]:
    """Validated, normalised values for the fields in ``changes`` (DxError on bad input)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a plan item field: {sorted(unknown)}")
    out: dict[str, object] = {}
    for name, value in changes.items():
        if name == "status":
            if value not in STATUSES:
                raise DxError("plan.error.bad_status", value=str(value))
            out[name] = value
        elif name == "owner":
            out[name] = clean_text(value, OWNER_MAX, "plan.error.owner_too_long", normalise=True)
        elif name == "note":
            out[name] = clean_text(value, NOTE_MAX, "plan.error.note_too_long")
        elif name == "due":
            due = parse_date(value, "due")
            latest = date(today.year + DUE_YEARS_AHEAD, 12, 31)
            if due is not None and not EARLIEST <= due <= latest:
                raise DxError("plan.error.due_range", value=due.isoformat(), first=EARLIEST.isoformat(),
                              last=latest.isoformat())
            out[name] = due
        elif name == "completed_on":
            done_on = parse_date(value, "completed_on")
            if done_on is not None and not EARLIEST <= done_on <= today:
                raise DxError("plan.error.completed_range", value=done_on.isoformat(), today=today.isoformat())
            out[name] = done_on
        elif name == "archived":
            out[name] = bool(value)
    return out


def effective_changes(current: ItemState, clean: Mapping[str, object], today: date) -> dict[str, object]:
    """The fields that really change, with the completion date following the status:
    completing an item dates it today unless a date is given, a completed item keeps a
    date (clearing it keeps the one it had), and reopening an item clears it."""
    wanted = dict(clean)
    status = wanted.get("status", current.status)
    was_done = current.status == "done"
    if status == "done":
        after = wanted["completed_on"] if "completed_on" in wanted else (current.completed_on if was_done else None)
        if after is None:
            wanted["completed_on"] = (current.completed_on if was_done else None) or today
    else:
        if wanted.get("completed_on") is not None:
            raise DxError("plan.error.completed_needs_done")
        if current.completed_on is not None:
            wanted["completed_on"] = None
    return {k: v for k, v in wanted.items() if getattr(current, k) != v}


def conflicts(current: ItemState, expected: Mapping[str, object] | None, diff: Mapping[str, object]) -> list[str]:
    """Fields this change would overwrite although someone else changed them since the
    user saw ``expected`` (a change to a different field, or to another item, is fine)."""
    if not expected:
        return []
    return [f for f in diff if f in expected and expected[f] != getattr(current, f)]


def storable(value) -> str | None:
    """A field value as the history stores it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# the plan as a whole ----------------------------------------------------------------

RANKED = 3  # the plan ranks the first three recommended steps (1 = the current step)


@dataclass(frozen=True)
class Priority:
    """A step the latest diagnosis recommends: its place in the advice and the failure
    patterns it addresses (S1 and S2 lay the foundation for every pattern)."""

    rank: int
    patterns: tuple[str, ...]
    foundation: bool = False

    @property
    def ranked(self) -> bool:
        """Among the first :data:`RANKED`: shown with its rank."""
        return self.rank <= RANKED


@dataclass(frozen=True)
class Progress:
    done: int
    doing: int
    total: int

    @property
    def todo(self) -> int:
        return self.total - self.done - self.doing

    @property
    def ratio(self) -> float:
        """Share of items completed, 0–1 (0 when there is nothing to do)."""
        return self.done / self.total if self.total else 0.0


def progress_of(items: Iterable["PlanItem"]) -> Progress:
    items = [i for i in items if not i.archived]
    return Progress(done=sum(i.status == "done" for i in items), doing=sum(i.status == "doing" for i in items),
                    total=len(items))


@dataclass(frozen=True)
class PlanItem:
    id: str
    step: str
    text: Texts | str  # catalogue items: {ja, en}; an organisation's own items: its text
    own: bool
    status: str = "todo"
    owner: str | None = None
    due: date | None = None
    note: str | None = None
    completed_on: date | None = None
    archived: bool = False

    def label(self, lang: str = "ja") -> str:
        return self.text if isinstance(self.text, str) else pick(self.text, lang)

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today and self.status != "done" and not self.archived

    def fields(self) -> dict[str, object]:
        """The editable fields as they are now (what a page passes back as ``expected``)."""
        return {f: getattr(self, f) for f in FIELDS}


@dataclass(frozen=True)
class PlanStep:
    id: str
    title: Texts
    summary: Texts
    items: tuple[PlanItem, ...]  # active, in the content's order, then the organisation's own
    archived: tuple[PlanItem, ...]
    priority: Priority | None = None

    @property
    def progress(self) -> Progress:
        return progress_of(self.items)


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...]
    advice: Advice | None = None  # of the latest diagnosis; None without one
    basis: DiagnosisRecord | None = None  # that diagnosis
    _index: Mapping[str, PlanItem] = dataclass_field(default_factory=dict, repr=False, compare=False)

    @property
    def items(self) -> tuple[PlanItem, ...]:
        return tuple(i for s in self.steps for i in s.items)

    @property
    def archived(self) -> tuple[PlanItem, ...]:
        return tuple(i for s in self.steps for i in s.archived)

    @property
    def progress(self) -> Progress:
        """Over all active items (each item counts once, whatever its step's size)."""
        return progress_of(self.items)

    def find(self, item_id: str) -> PlanItem | None:
        return self._index.get(item_id)

    def item(self, item_id: str) -> PlanItem:
        found = self.find(item_id)
        if found is None:
            raise DxError("plan.error.unknown_item", item=item_id)
        return found

    def step(self, step_id: str) -> PlanStep:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def priority_steps(self) -> tuple[PlanStep, ...]:
        return tuple(sorted((s for s in self.steps if s.priority), key=lambda s: s.priority.rank))

    @property
    def current_step(self) -> PlanStep | None:
        """The step to work on now: the first one the diagnosis recommends (it always has
        unfinished items), else the first step with an unfinished item, else none."""
        if self.priority_steps:
            return self.priority_steps[0]
        return next((s for s in self.steps if s.progress.done < s.progress.total), None)

    def habit_progress(self, habit_id: str, content: Content | None = None) -> Progress:
        """Progress of the active catalogue items that practise a success habit."""
        content = content or load()
        ids = {i.id for i in content.items_practising(habit_id)}
        return progress_of(i for i in self.items if i.id in ids)

    def overdue(self, today: date) -> list[PlanItem]:
        order = {s.id: i for i, s in enumerate(self.steps)}
        return sorted((i for i in self.items if i.is_overdue(today)), key=lambda i: (i.due, order[i.step], i.id))


def priorities(advice: Advice | None) -> dict[str, Priority]:
    """Step id → Priority for every step the advice recommends (rank 1 = start here)."""
    if advice is None:
        return {}
    return {s: Priority(rank, tuple(i.pattern for i in advice.items if s in i.steps), s in FOUNDATION)
            for rank, s in enumerate(advice.steps, start=1)}


def finished_steps(states: Iterable[ItemState], content: Content | None = None) -> frozenset[str]:
    """The steps whose active checklist items are all done (a step with every item
    archived has nothing left to do either): the advice does not recommend them again."""
    return frozenset(s.id for s in build(states, content).steps if s.progress.done == s.progress.total)


def latest_advice(records: Sequence[DiagnosisRecord], content: Content | None = None,
                  finished: Iterable[str] = ()) -> tuple[DiagnosisRecord, Advice] | None:
    """(latest diagnosis record, its advice), or None without a diagnosis; ``records`` as
    :func:`dxcore.store.repo.list_diagnoses` returns them (oldest first); ``finished`` as
    :func:`finished_steps` returns them."""
    now = history.standing(history.entries(list(records)[-1:], content))
    if now is None:
        return None
    return now.latest.record, advise(now.latest.result, content, finished=frozenset(finished))


def _own_sort(item_id: str) -> tuple[int, str]:
    n = own_number(item_id)
    return (n if n is not None else 10**9, item_id)


def build(states: Iterable[ItemState], content: Content | None = None, advice: Advice | None = None,
          basis: DiagnosisRecord | None = None) -> Plan:
    """The plan: every step of the content with its items, overlaid with what is stored;
    the steps ``advice`` recommends are marked priority."""
    content = content or load()
    stored = {s.item_id: s for s in states}
    ranks = priorities(advice)
    steps, index = [], {}
    for step in content.steps:
        catalogue_ids = {i.id for i in step.items}
        entries: list[tuple[str, Texts | str, bool]] = [(i.id, i.text, False) for i in step.items]
        extra = sorted((s for s in stored.values() if s.step == step.id and s.item_id not in catalogue_ids),
                       key=lambda s: _own_sort(s.item_id))
        # an item the content no longer has keeps its history; it shows under its id
        entries += [(s.item_id, s.text or s.item_id, s.text is not None) for s in extra]
        active, archived = [], []
        for item_id, text, own in entries:
            s = stored.get(item_id)
            item = PlanItem(item_id, step.id, text, own) if s is None else PlanItem(
                item_id, step.id, text, own, s.status, s.owner, s.due, s.note, s.completed_on, s.archived)
            index[item_id] = item
            (archived if item.archived else active).append(item)
        steps.append(PlanStep(step.id, step.title, step.summary, tuple(active), tuple(archived),
                              ranks.get(step.id)))
    return Plan(tuple(steps), advice, basis, index)


# words: statuses, dates, history ------------------------------------------------------

def status_label(status: str, lang: str = "ja") -> str:
    return t(f"plan.status.{status}", lang)


def format_date(d: date | None, lang: str = "ja") -> str:
    if d is None:
        return t("common.none", lang)
    return d.strftime("%Y/%m/%d") if lang == "ja" else d.isoformat()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with an ellipsis, at a word break in
    English when one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" 、,・") + "…"


def annotation_label(item_text: str, lang: str = "ja") -> str:
    """「RPAで定型入力業務を自動化する 完了」: what a KPI chart shows on the completion date."""
    return t("plan.annotation.done", lang, item=shorten(item_text, ANNOTATION_CHARS.get(lang, 24)))


def completed_marks(plan: Plan, lang: str = "ja") -> list[tuple[date, str]]:
    """(completion date, label) of every completed active item, oldest first."""
    return sorted((i.completed_on, annotation_label(i.label(lang), lang))
                  for i in plan.items if i.status == "done" and i.completed_on is not None)


def _value_text(field_name: str, raw: str | None, lang: str) -> str:
    if raw is None:
        return t("common.none", lang)
    if field_name == "status":
        return status_label(raw, lang)
    if field_name in ("due", "completed_on"):
        return format_date(date.fromisoformat(raw), lang)
    if field_name == "note":
        return f"「{shorten(raw, 24)}」" if lang == "ja" else f"“{shorten(raw, 40)}”"
    return raw


def describe(event: Event, plan: Plan, milestones: Mapping[int, Milestone], lang: str = "ja") -> tuple[str, str]:
    """(what was changed, how) for the 'recent changes' list."""
    if event.milestone_id is not None:
        m = milestones.get(event.milestone_id)
        label = m.label if m else (event.new or "")
        subject = t("plan.history.milestone", lang)
        if event.field == "milestone_archived":
            return subject, t("plan.history.milestone_archived", lang, label=label)
        return subject, t("plan.history.milestone_added", lang, label=label,
                          date=format_date(m.on, lang) if m else "")
    item = plan.find(event.item_id or "")
    subject = f"{event.item_id} {shorten(item.label(lang), 28)}" if item else str(event.item_id)
    if event.field == "added":
        return subject, t("plan.history.added", lang)
    if event.field == "archived":
        return subject, t("plan.history.archived" if event.new == "true" else "plan.history.restored", lang)
    return subject, t("plan.history.changed", lang, field=t(f"plan.field.{event.field}", lang),
                      old=_value_text(event.field, event.old, lang), new=_value_text(event.field, event.new, lang))


@dataclass(frozen=True)
class Change:
    """One save in the 'recent changes' list (the fields saved together are one change)."""

    changed_at: datetime
    role: str | None
    what: str
    change: str


def recent_changes(events: Sequence[Event], plan: Plan, milestones: Sequence[Milestone], lang: str = "ja",
                   limit: int | None = None) -> list[Change]:
    """``events`` newest first (as the store lists them) → changes newest first."""
    by_id = {m.id: m for m in milestones}
    groups: list[tuple[tuple, list[Event]]] = []
    for e in events:
        key = (e.changed_at, e.role, e.item_id, e.milestone_id)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(e)
        else:
            groups.append((key, [e]))
    out = []
    for (at, role, _, _), group in groups[:limit]:
        described = [describe(e, plan, by_id, lang) for e in sorted(group, key=lambda e: e.id)]
        out.append(Change(at, role, described[0][0], ("、" if lang == "ja" else "; ").join(d[1] for d in described)))
    return out


# exports ------------------------------------------------------------------------------

EXPORT_COLUMNS = ("step", "step_title", "item_id", "item", "status", "owner", "due", "note", "completed_on",
                  "priority")


def export_rows(plan: Plan, lang: str = "ja") -> tuple[list[str], list[list]]:
    """(header, rows): one row per active item, for CSV and xlsx (dates stay dates)."""
    header = [t(f"plan.export.{c}", lang) for c in EXPORT_COLUMNS]
    rows = []
    for s in plan.steps:
        for i in s.items:
            rows.append([s.id, pick(s.title, lang), i.id, i.label(lang), status_label(i.status, lang),
                         i.owner, i.due, i.note, i.completed_on, s.priority.rank if s.priority else None])
    return header, rows


def to_dict(plan: Plan, lang: str = "ja") -> dict:
    """The CLI's JSON: ``{"steps": [{id, title, priority, progress, items: [{id, text, status, owner, due}]}]}``."""
    return {"steps": [
        {"id": s.id, "title": pick(s.title, lang), "priority": s.priority is not None,
         "progress": round(s.progress.ratio, 4),
         "items": [{"id": i.id, "text": i.label(lang), "status": i.status, "owner": i.owner,
                    "due": i.due.isoformat() if i.due else None} for i in s.items]}
        for s in plan.steps
    ]}
