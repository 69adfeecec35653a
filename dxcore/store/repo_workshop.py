"""Repository functions for live workshops.

Concurrency: every write is a job run in a transaction that takes its locks first.  On
SQLite that is ``BEGIN IMMEDIATE`` (a transaction that only later tried to upgrade its
read snapshot would get "database is locked" from WAL however long busy_timeout is); on
PostgreSQL it is the workshop row, locked FOR UPDATE (a participant's own row too while
their answers are replaced).  So the participant limit holds, nothing is accepted after
closing, and a participant answering twice at once still ends with one set of answers.

The writers of a process share transactions (:class:`_Combiner`): a burst of 200 answers
becomes a few commits instead of 200 lock hand-overs (SQLite) or 200 durable commits
(PostgreSQL), and the answers in one transaction to one workshop are stored by a few
set-wide statements (:meth:`_Submit.many`) rather than five statements each.  Anything
out of the ordinary in a batch sends each of its jobs through on its own.  Other
processes wait for the lock (SQLite: through busy_timeout, and a write still refused as
busy is run again a few times before the error is let through).

Answering again replaces the participant's earlier answers (delete + insert in the same
transaction; the primary key (participant, statement) makes a duplicate impossible).  A
new participant (unique workshop + token) and a consensus answer are upserts through the
dialect's own ON CONFLICT.  Reading the room
counts the answers in the database (GROUP BY), so it stays fast however many answered.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Iterator, Mapping

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from dxcore import workshop as ws
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.store import repo
from dxcore.store.models import utcnow
from dxcore.store.models_workshop import Workshop, WorkshopAnswer, WorkshopConsensus, WorkshopParticipant
from dxcore.store.sql import dialect_insert as _dialect_insert
from dxcore.store.sql import upsert as _upsert
from dxcore.store.sql import write_transaction

TOKEN_MAX = 64
RETRIES = 3
BATCH_MAX = 32  # jobs per shared transaction: the first answers need not wait for the last
_combiners: dict[str, "_Combiner"] = {}
_combiners_guard = threading.Lock()
RECENT_MAX = 1000  # workshops whose last read this process remembers (get_workshop's max_age)
_recent: dict[tuple[str, str], tuple[float, "WorkshopRecord"]] = {}
_recent_guard = threading.Lock()


# prebuilt statements: a burst of answers spends its time in the database, not building SQL
_W, _P, _A = Workshop.__table__, WorkshopParticipant.__table__, WorkshopAnswer.__table__
_FIND_WORKSHOP = select(_W).where(_W.c.code == bindparam("b_code"))
_LOCK_WORKSHOP = _FIND_WORKSHOP.with_for_update()
_FIND_PARTICIPANT = (select(_P.c.id).where(_P.c.workshop_id == bindparam("b_wid"), _P.c.token == bindparam("b_token"))
                     .with_for_update())
_TOUCH_PARTICIPANT = update(_P).where(_P.c.id == bindparam("b_pid")).values(role=bindparam("b_role"))
_ANSWERED = update(_P).where(_P.c.id == bindparam("b_pid")).values(role=bindparam("b_role"),
                                                                  answered_at=bindparam("b_at"))
_JOINED = select(func.count()).select_from(_P).where(_P.c.workshop_id == bindparam("b_wid"))
_DROP_ANSWERS = delete(_A).where(_A.c.participant_id == bindparam("b_pid"))
_FIND_PARTICIPANTS = (select(_P.c.token, _P.c.id)
                      .where(_P.c.workshop_id == bindparam("b_wid"), _P.c.token.in_(bindparam("b_tokens", expanding=True)))
                      .with_for_update())
_WHO_HAS_ANSWERS = select(_A.c.participant_id).distinct().where(
    _A.c.participant_id.in_(bindparam("b_pids", expanding=True)))
_DROP_ANSWERS_OF = delete(_A).where(_A.c.participant_id.in_(bindparam("b_pids", expanding=True)))
_ADD_ANSWERS = insert(_A)
_COUNT_ANSWERS = (select(_P.c.role, _A.c.question_id, _A.c.value, func.count())
                  .select_from(_A.join(_P, _A.c.participant_id == _P.c.id))
                  .where(_P.c.workshop_id == bindparam("b_wid"))
                  .group_by(_P.c.role, _A.c.question_id, _A.c.value))
_COUNT_PEOPLE = (select(_P.c.role, func.count())
                 .where(_P.c.workshop_id == bindparam("b_wid"), _P.c.answered_at.is_not(None))
                 .group_by(_P.c.role))


@dataclass(frozen=True)
class WorkshopRecord:
    id: int
    code: str
    org_id: int
    title: str
    question_set: str
    max_participants: int | None
    revealed: bool
    consensus_size: int | None
    created_at: datetime
    closed_at: datetime | None
    diagnosis_id: int | None
    pin: str | None = None  # the room PIN new participants must type (shown on the projector only)
    joins_open: bool = True  # False: the facilitator stopped new joins; those in may still answer

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def saves_diagnosis(self) -> bool:
        return self.question_set in ws.DIAGNOSIS_SETS


@dataclass(frozen=True)
class Counts:
    joined: int
    answered: int


@dataclass(frozen=True)
class Summary:
    workshop: WorkshopRecord
    counts: Counts


@dataclass(frozen=True)
class Joined:
    workshop: WorkshopRecord
    participant_id: int
    role: str
    new: bool


@dataclass(frozen=True)
class Submitted:
    code: str
    participant_id: int
    answers: int
    replaced: bool  # this participant had answered before


@dataclass(frozen=True)
class Returning:
    """A participant coming back (a reload of their phone): who they said they were and
    what they last sent."""
    role: str
    answered: bool
    answers: dict[str, int | None]


@dataclass(frozen=True)
class Live:
    """What the presenter shows at one moment: the workshop, who joined, the room."""

    workshop: WorkshopRecord
    counts: Counts
    room: ws.Room
    consensus: Mapping[str, int | None]


@dataclass(frozen=True)
class Closed:
    workshop: WorkshopRecord
    diagnosis_id: int | None
    participants: int
    source: str | None  # "aggregate" | "consensus" | None (nothing saved)


@dataclass(frozen=True)
class Admission:
    """What a newcomer through the join page brings: the PIN they typed.  With it, a new
    participant is let in only while joins are open and with the room's PIN (if it has
    one); without it (the CLI's paper forms, the demo) the facilitator is the one adding."""
    pin: str | None = None


def _record(row) -> WorkshopRecord:
    return WorkshopRecord(row.id, row.code, row.org_id, row.title, row.question_set, row.max_participants,
                          bool(row.revealed), row.consensus_size, row.created_at, row.closed_at,
                          row.diagnosis_id, row.pin, bool(row.joins_open))


def _admit(row, admission: Admission | None) -> None:
    """Refuse a new participant the room's door does not let in (DxError; nothing stored)."""
    if admission is None:
        return
    if not row.joins_open:
        raise DxError("room.error.joins_closed")
    if row.pin and ws.normalise_pin(admission.pin) != row.pin:
        raise DxError("room.error.wrong_pin" if admission.pin else "room.error.need_pin")


# transactions ----------------------------------------------------------------------

def _is_busy(e: OperationalError) -> bool:
    text = str(e.orig).lower() if e.orig is not None else str(e).lower()
    return "locked" in text or "busy" in text


class _Slot:
    __slots__ = ("job", "result", "error", "done")

    def __init__(self, job):
        self.job, self.result, self.error, self.done = job, None, None, False


class _Combiner:
    """One writer of a process at a time, and a burst of writers shares transactions.

    Each writer queues its job and takes the process's write lock; whoever gets it runs
    the queued jobs (up to ``BATCH_MAX``) in one transaction and commits once; the others
    then find their job done.  200 answers arriving together cost a few commits instead
    of 200.  If any job of a batch fails, the batch is rolled back and
    each of its jobs runs again in a transaction of its own, so one refused answer never
    touches another.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()  # one writer of this process at a time for this database
        self._queue: list[_Slot] = []
        self._queue_lock = threading.Lock()

    def run(self, engine: Engine, job):
        slot = _Slot(job)
        with self._queue_lock:
            self._queue.append(slot)
        with self.lock:
            if not slot.done:
                with self._queue_lock:
                    # oldest first; our own job is among them (nobody took it)
                    batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
                    if slot not in batch:
                        batch.append(slot)
                        self._queue.remove(slot)
                self._run_batch(engine, batch)
        if slot.error is not None:
            raise slot.error
        return slot.result

    @staticmethod
    def _run_batch(engine: Engine, batch: list[_Slot]) -> None:
        in_job = False
        try:
            with _transaction(engine) as conn:
                for group in _groups(batch):
                    in_job = True
                    if len(group) == 1:
                        group[0].result = group[0].job(conn)
                    else:
                        for slot, result in zip(group, _Submit.many(conn, [s.job for s in group]), strict=True):
                            slot.result = result
                    in_job = False
        except Exception as e:  # noqa: BLE001 — handed to the callers
            if in_job and len(batch) > 1:
                for slot in batch:  # somebody's job failed: each again, on its own
                    slot.result = None
                    try:
                        with _transaction(engine) as conn:
                            slot.result = slot.job(conn)
                    except Exception as own:  # noqa: BLE001
                        slot.error = own
            else:  # BEGIN or COMMIT failed, or the only job did: nothing of the batch is stored
                for slot in batch:
                    slot.error, slot.result = e, None
        except BaseException as e:
            for slot in batch:
                slot.error, slot.result = e, None
            raise
        finally:
            for slot in batch:
                slot.done = True


def _combiner(engine: Engine) -> _Combiner:
    key = str(engine.url)
    with _combiners_guard:
        return _combiners.setdefault(key, _Combiner())


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the database's write lock from its first statement."""
    with engine.connect() as conn, write_transaction(conn):
        yield conn


def _write(engine: Engine, job):
    """Run ``job(conn)`` in a write transaction, batched with this process's concurrent writers."""
    return _retrying(lambda: _combiner(engine).run(engine, job))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """Several reads that see the database at one moment (one read transaction)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # pysqlite would run each SELECT on its own
        elif conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield conn
        finally:
            conn.rollback()


def _retrying(fn):
    """Run a write again when another process held SQLite's lock past busy_timeout."""
    for attempt in range(RETRIES):
        try:
            return fn()
        except OperationalError as e:
            if not _is_busy(e) or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _locked_workshop(conn: Connection, code: str):
    """The workshop row, locked FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE holds the
    whole database): closing waits for the answers in flight, and they for it."""
    row = conn.execute(_LOCK_WORKSHOP, {"b_code": code}).first()
    if row is None:
        raise DxError("workshop.error.not_found", code=code)
    return row


def _require_open_row(conn: Connection, code: str):
    row = _locked_workshop(conn, code)
    if row.closed_at is not None:
        raise DxError("workshop.error.closed", code=code)
    return row


# workshops -------------------------------------------------------------------------

def create_workshop(engine: Engine, org_id: int, title: str, question_set: str,
                    max_participants: int | None = None) -> WorkshopRecord:
    """Create a workshop with a fresh join code.  DxError on bad input; nothing stored then."""
    title = ws.validate_title(title)
    question_set = ws.validate_set(question_set)
    limit = ws.validate_limit(max_participants)
    if repo.get_org(engine, org_id) is None:
        raise DxError("org.error.not_found", key=str(org_id))
    for _ in range(20):  # a clash among ~10⁹ codes is rare; try another
        values = {"code": ws.new_code(), "org_id": org_id, "title": title, "question_set": question_set,
                  "max_participants": limit, "revealed": False, "created_at": utcnow()}
        try:
            _write(engine, lambda conn: conn.execute(insert(_W).values(**values)))
        except IntegrityError:
            continue
        found = get_workshop(engine, values["code"])
        assert found is not None
        return found
    raise RuntimeError("could not find a free workshop code")


def get_workshop(engine: Engine, code: str, max_age: float = 0.0) -> WorkshopRecord | None:
    """The workshop with this code, or None.  ``max_age`` > 0 accepts what this process read
    at most that many seconds ago (a room of phones loading the page reads the database once
    a moment, not once each); every write here re-checks the workshop in its transaction."""
    try:
        code = ws.validate_code(code)
    except DxError:
        return None
    key = (str(engine.url), code)
    if max_age > 0:
        hit = _recent.get(key)
        if hit is not None and time.monotonic() - hit[0] <= max_age:
            return hit[1]
    with engine.connect() as conn:
        row = conn.execute(_FIND_WORKSHOP, {"b_code": code}).first()
    if row is None:
        return None
    record = _record(row)
    with _recent_guard:
        _recent.pop(key, None)
        _recent[key] = (time.monotonic(), record)
        while len(_recent) > RECENT_MAX:
            del _recent[next(iter(_recent))]
    return record


def require_workshop(engine: Engine, code: str, max_age: float = 0.0) -> WorkshopRecord:
    """The workshop with this code (as typed), or a DxError saying what is wrong."""
    clean = ws.validate_code(code)
    found = get_workshop(engine, clean, max_age)
    if found is None:
        raise DxError("workshop.error.not_found", code=clean)
    return found


def require_open(engine: Engine, code: str, max_age: float = 0.0) -> WorkshopRecord:
    found = require_workshop(engine, code, max_age)
    if not found.is_open:
        raise DxError("workshop.error.closed", code=found.code)
    return found


def _counts(conn: Connection, workshop_id: int) -> Counts:
    joined, answered = conn.execute(
        select(func.count(), func.count(WorkshopParticipant.answered_at))
        .where(WorkshopParticipant.workshop_id == workshop_id)).one()
    return Counts(joined, answered)


def counts(engine: Engine, workshop_id: int) -> Counts:
    with engine.connect() as conn:
        return _counts(conn, workshop_id)


def list_workshops(engine: Engine, org_id: int) -> list[Summary]:
    """The organisation's workshops, newest first, with how many joined and answered."""
    p = WorkshopParticipant
    with engine.connect() as conn:
        rows = conn.execute(
            select(Workshop, func.count(p.id).label("joined"), func.count(p.answered_at).label("answered"))
            .outerjoin(p, p.workshop_id == Workshop.id)
            .where(Workshop.org_id == org_id)
            .group_by(Workshop.id)
            .order_by(Workshop.created_at.desc(), Workshop.id.desc())).all()
    return [Summary(_record(r), Counts(r.joined, r.answered)) for r in rows]


def _change(engine: Engine, code: str, values: dict, while_open: bool = True) -> WorkshopRecord:
    """Set ``values`` on the workshop's row (locked; only while it is open unless told otherwise)."""
    code = ws.validate_code(code)

    def job(conn: Connection) -> None:
        row = _require_open_row(conn, code) if while_open else _locked_workshop(conn, code)
        conn.execute(update(_W).where(_W.c.id == row.id).values(**values))

    _write(engine, job)
    return require_workshop(engine, code)


def set_revealed(engine: Engine, code: str, revealed: bool) -> WorkshopRecord:
    """Show the results to the room, or hide them again."""
    return _change(engine, code, {"revealed": bool(revealed)}, while_open=False)


def set_joins_open(engine: Engine, code: str, joins_open: bool) -> WorkshopRecord:
    """Let new participants join, or stop them once the room is in (those in may still answer)."""
    return _change(engine, code, {"joins_open": bool(joins_open)})


def set_pin(engine: Engine, code: str, required: bool) -> WorkshopRecord:
    """Ask newcomers for a fresh room PIN (shown on the projector only), or stop asking."""
    return _change(engine, code, {"pin": ws.new_pin() if required else None})


# participants ----------------------------------------------------------------------

def _check_token(token: str) -> str:
    if not isinstance(token, str) or not 8 <= len(token) <= TOKEN_MAX:
        raise ValueError("a participant token is a random string of 8–64 characters")
    return token


@cache
def _participant_upsert(dialect: str, answered: bool, returning: bool = True):
    """INSERT … ON CONFLICT (workshop, token) DO UPDATE [… RETURNING id], for this dialect."""
    stmt = _dialect_insert(dialect)(_P)
    changes = {"role": stmt.excluded.role} | ({"answered_at": stmt.excluded.answered_at} if answered else {})
    stmt = stmt.on_conflict_do_update(index_elements=["workshop_id", "token"], set_=changes)
    return stmt.returning(_P.c.id) if returning else stmt


def _participant(conn: Connection, row, token: str, role: str, answered: bool,
                 admission: Admission | None = None) -> tuple[int, bool]:
    """(participant id, was new): the token's participant, created if the limit allows.

    The found participant's row stays locked (PostgreSQL) until commit, so one participant's
    answers are replaced one submission at a time; a new one goes in through an upsert on
    the unique (workshop, token), so even two at once make one participant.
    """
    found = conn.execute(_FIND_PARTICIPANT, {"b_wid": row.id, "b_token": token}).first()
    now = utcnow()
    if found is not None:
        if answered:
            conn.execute(_ANSWERED, {"b_pid": found.id, "b_role": role, "b_at": now})
        else:
            conn.execute(_TOUCH_PARTICIPANT, {"b_pid": found.id, "b_role": role})
        return found.id, False
    _admit(row, admission)
    if row.max_participants is not None:
        if conn.execute(_JOINED, {"b_wid": row.id}).scalar_one() >= row.max_participants:
            raise DxError("workshop.error.full", limit=row.max_participants)
    new_id = conn.execute(_participant_upsert(conn.dialect.name, answered), {
        "workshop_id": row.id, "token": token, "role": role, "joined_at": now,
        "answered_at": now if answered else None}).scalar_one()
    return new_id, True


def join(engine: Engine, code: str, token: str, role: str, admission: Admission | None = None) -> Joined:
    """A participant joins (or changes role): counted on the join screen from now on.
    A newcomer with an ``admission`` (the join page) needs open joins and the room's PIN."""
    code, role, token = ws.validate_code(code), ws.validate_role(role), _check_token(token)

    def job(conn: Connection) -> Joined:
        row = _require_open_row(conn, code)
        pid, new = _participant(conn, row, token, role, answered=False, admission=admission)
        return Joined(_record(row), pid, role, new)

    return _write(engine, job)


def submit(engine: Engine, code: str, token: str, role: str, answers: Mapping,
           admission: Admission | None = None) -> Submitted:
    """Record a participant's answers, replacing any they gave before.

    The participant is created if they had not joined yet (a phone that sends everything
    at once, the CLI's paper forms); a newcomer with an ``admission`` needs open joins and
    the room's PIN.  Bad answers, an unknown or closed code, a full workshop or a closed
    door raise DxError and change nothing.
    """
    code, role, token = ws.validate_code(code), ws.validate_role(role), _check_token(token)
    return _write(engine, _Submit(code, token, role, answers, admission))


@dataclass(frozen=True)
class _Submit:
    """One participant's answers, as a job: on its own (``__call__``) or, in a burst, merged
    with the others for the same workshop into a few set-wide statements (:meth:`many`)."""
    code: str
    token: str
    role: str
    answers: Mapping
    admission: Admission | None = None

    def __call__(self, conn: Connection) -> Submitted:
        row = _require_open_row(conn, self.code)
        clean = ws.validate_answers(row.question_set, self.answers)
        pid, _ = _participant(conn, row, self.token, self.role, answered=True, admission=self.admission)
        # always: a participant who came in through the upsert may have answered a moment ago
        replaced = conn.execute(_DROP_ANSWERS, {"b_pid": pid}).rowcount > 0
        conn.execute(_ADD_ANSWERS, [{"participant_id": pid, "question_id": q, "value": v}
                                    for q, v in clean.items()])
        return Submitted(self.code, pid, len(clean), replaced)

    @staticmethod
    def many(conn: Connection, jobs: list[_Submit]) -> list[Submitted]:
        """Several participants' answers to one workshop (distinct tokens), as the jobs one
        after another would store them.  Anything out of the ordinary (a refused answer, a
        limit reached) raises, and the batch then runs each job on its own (:class:`_Combiner`)."""
        row = _require_open_row(conn, jobs[0].code)
        cleans = [ws.validate_answers(row.question_set, j.answers) for j in jobs]
        tokens = [j.token for j in jobs]
        found = dict(conn.execute(_FIND_PARTICIPANTS, {"b_wid": row.id, "b_tokens": tokens}).all())
        now = utcnow()
        if found:
            conn.execute(_ANSWERED, [{"b_pid": found[j.token], "b_role": j.role, "b_at": now}
                                     for j in jobs if j.token in found])
        new = [j for j in jobs if j.token not in found]
        if new:
            for j in new:
                _admit(row, j.admission)
            if row.max_participants is not None and (
                    conn.execute(_JOINED, {"b_wid": row.id}).scalar_one() + len(new) > row.max_participants):
                raise DxError("workshop.error.full", limit=row.max_participants)
            conn.execute(_participant_upsert(conn.dialect.name, answered=True, returning=False), [
                {"workshop_id": row.id, "token": j.token, "role": j.role, "joined_at": now, "answered_at": now}
                for j in new])
            found |= dict(conn.execute(_FIND_PARTICIPANTS, {"b_wid": row.id,
                                                            "b_tokens": [j.token for j in new]}).all())
        pids = [found[t] for t in tokens]
        had = set(conn.execute(_WHO_HAS_ANSWERS, {"b_pids": pids}).scalars())
        conn.execute(_DROP_ANSWERS_OF, {"b_pids": pids})
        conn.execute(_ADD_ANSWERS, [{"participant_id": pid, "question_id": q, "value": v}
                                    for pid, clean in zip(pids, cleans) for q, v in clean.items()])
        return [Submitted(j.code, pid, len(clean), pid in had) for j, pid, clean in zip(jobs, pids, cleans)]


def _groups(batch: list[_Slot]) -> Iterator[list[_Slot]]:
    """The batch in order, as runs of answers to one workshop from distinct participants
    (run together by :meth:`_Submit.many`); any other job is a run of its own."""
    group: list[_Slot] = []
    for slot in batch:
        job = slot.job
        if group and not (isinstance(job, _Submit) and job.code == group[0].job.code
                          and all(job.token != s.job.token for s in group)):
            yield group
            group = []
        if isinstance(job, _Submit):
            group.append(slot)
        else:
            yield [slot]
    if group:
        yield group


def returning(engine: Engine, code: str, token: str) -> Returning | None:
    """The participant with this token in this workshop, or None (unknown token or code)."""
    p, a, w = WorkshopParticipant, WorkshopAnswer, Workshop
    with _snapshot(engine) as conn:
        found = conn.execute(
            select(p.id, p.role, p.answered_at).join(w, w.id == p.workshop_id)
            .where(w.code == ws.normalise_code(code), p.token == token)).first()
        if found is None:
            return None
        answers = dict(conn.execute(select(a.question_id, a.value).where(a.participant_id == found.id)).all())
    return Returning(found.role, found.answered_at is not None, answers)


def responses(engine: Engine, workshop_id: int) -> list[ws.Response]:
    """Every participant's answers, in an order that says nothing about who came when."""
    with _snapshot(engine) as conn:
        return _responses(conn, workshop_id)


def _responses(conn: Connection, workshop_id: int) -> list[ws.Response]:
    p, a = WorkshopParticipant, WorkshopAnswer
    rows = conn.execute(
        select(p.id, p.role, a.question_id, a.value)
        .join(a, a.participant_id == p.id)
        .where(p.workshop_id == workshop_id)
        .order_by(p.token, p.id)).all()
    out: list[ws.Response] = []
    current, role, answers = None, None, {}
    for pid, prole, qid, value in rows:
        if pid != current:
            if current is not None:
                out.append(ws.Response(role, answers))
            current, role, answers = pid, prole, {}
        answers[qid] = value
    if current is not None:
        out.append(ws.Response(role, answers))
    return out


# consensus mode --------------------------------------------------------------------

def record_consensus(engine: Engine, code: str, question_id: str, value: int | None) -> None:
    """The answer the room agreed on for one statement (None = 「わからない」)."""
    code = ws.validate_code(code)
    question_set = require_workshop(engine, code).question_set
    if question_set not in ws.DIAGNOSIS_SETS:
        raise DxError("workshop.error.consensus_myths")
    clean = ws.validate_answers(question_set, {question_id: value})

    def job(conn: Connection) -> None:
        row = _require_open_row(conn, code)
        for qid, v in clean.items():
            _upsert(conn, WorkshopConsensus, {"workshop_id": row.id, "question_id": qid, "value": v},
                    ["workshop_id", "question_id"], ["value"])

    _write(engine, job)


def clear_consensus(engine: Engine, code: str, question_id: str | None = None) -> None:
    """Forget the room's agreed answer for one statement, or for all of them."""
    code = ws.validate_code(code)

    def job(conn: Connection) -> None:
        row = _require_open_row(conn, code)
        where = [WorkshopConsensus.workshop_id == row.id]
        if question_id is not None:
            where.append(WorkshopConsensus.question_id == question_id)
        conn.execute(delete(WorkshopConsensus).where(*where))

    _write(engine, job)


def set_consensus_size(engine: Engine, code: str, size: int | None) -> None:
    """How many people agreed in consensus mode (saved with the diagnosis)."""
    _change(engine, code, {"consensus_size": ws.validate_limit(size)})


def _consensus(conn: Connection, workshop_id: int) -> dict[str, int | None]:
    rows = conn.execute(select(WorkshopConsensus.question_id, WorkshopConsensus.value)
                        .where(WorkshopConsensus.workshop_id == workshop_id)).all()
    return {q: v for q, v in rows}


def consensus(engine: Engine, workshop_id: int) -> dict[str, int | None]:
    with engine.connect() as conn:
        return _consensus(conn, workshop_id)


# what the presenter shows -----------------------------------------------------------

def _headcount(conn: Connection, workshop_id: int) -> ws.Headcount:
    answers = {(role, q, v): n for role, q, v, n in conn.execute(_COUNT_ANSWERS, {"b_wid": workshop_id})}
    people = {role: n for role, n in conn.execute(_COUNT_PEOPLE, {"b_wid": workshop_id})}
    return ws.Headcount(answers, people)


def headcount(engine: Engine, workshop_id: int) -> ws.Headcount:
    with _snapshot(engine) as conn:
        return _headcount(conn, workshop_id)


def live(engine: Engine, code: str, min_group: int = ws.MIN_GROUP_SIZE) -> Live:
    """The workshop, its counts, the aggregated room and the consensus, read at one moment.

    The database counts the answers (GROUP BY role, statement, value), so this stays
    fast however many answered; :func:`dxcore.workshop.aggregate` does the rest.
    """
    code = ws.validate_code(code)
    with _snapshot(engine) as conn:
        row = conn.execute(select(_W).where(_W.c.code == code)).first()
        if row is None:
            raise DxError("workshop.error.not_found", code=code)
        n = _counts(conn, row.id)
        count = _headcount(conn, row.id)
        agreed = _consensus(conn, row.id)
    return Live(_record(row), n, ws.aggregate(count, row.question_set, load(), min_group=min_group), agreed)


# closing ---------------------------------------------------------------------------

def close(engine: Engine, code: str) -> Closed:
    """Close the workshop; save the room (or its consensus) to the organisation's history.

    Nothing is accepted after closing.  The consensus answers win when any were
    recorded; otherwise the room's mean answer per statement is saved (mode
    ``workshop``, the number of participants who answered).  The warm-up and an empty
    room save nothing.  If saving fails, the workshop is opened again.
    """
    code = ws.validate_code(code)

    def mark(conn: Connection) -> int:
        row = _locked_workshop(conn, code)
        if row.closed_at is not None:
            raise DxError("workshop.error.already_closed", code=code)
        conn.execute(update(_W).where(_W.c.id == row.id).values(closed_at=utcnow()))
        return row.id

    workshop_id = _write(engine, mark)
    try:
        record = require_workshop(engine, code)
        diagnosis_id, participants, source = _save_to_history(engine, record)
        if diagnosis_id is not None:
            _write(engine, lambda conn: conn.execute(
                update(_W).where(_W.c.id == workshop_id).values(diagnosis_id=diagnosis_id)))
    except BaseException:
        _write(engine, lambda conn: conn.execute(update(_W).where(_W.c.id == workshop_id).values(closed_at=None)))
        raise
    return Closed(require_workshop(engine, code), diagnosis_id, participants, source)


def _save_to_history(engine: Engine, record: WorkshopRecord) -> tuple[int | None, int, str | None]:
    count = headcount(engine, record.id)
    participants = sum(count.people.values())
    if not record.saves_diagnosis:
        return None, participants, None
    agreed = consensus(engine, record.id)
    if agreed:
        n = record.consensus_size or max(participants, 1)
        diagnosis_id = repo.save_diagnosis(engine, record.org_id, agreed, role="other", mode="workshop",
                                           question_set=record.question_set, participants=n)
        return diagnosis_id, n, "consensus"
    if not participants:
        return None, 0, None
    room = ws.aggregate(count, record.question_set, load(), min_group=1)
    diagnosis_id = repo.save_diagnosis(engine, record.org_id, room.answers_for_history(),
                                       role=ws.history_role(count.people), mode="workshop",
                                       question_set=record.question_set, participants=participants)
    return diagnosis_id, participants, "aggregate"
