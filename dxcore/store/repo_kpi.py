"""Repository of the monthly KPI area: preview and import (all or nothing), the upload
history and undo, stored values, targets, settings, baselines and custom KPIs.

Import is two steps.  :func:`preview` compares a checked file with what is stored and
says what is new, what would change (old → new) and what is already there;
:func:`apply` writes it in one transaction, but only if the comparison made inside that
transaction is still the one the preview showed (otherwise someone else changed the data
meanwhile and the user must look again).  Each upload keeps the values it overwrote,
so :func:`undo` puts back exactly what was there.  A blank cell never deletes a stored
value: it means "not reported in this file".

Values travel as pandas frames (a year of a large city is ~100,000 values); everything
else as frozen records.

Writing is kept short, because SQLite has one writer and workshop participants submit
while someone imports: the comparison, the checks and the rows to write are all made
before the write lock is taken, and the rows wait in temporary tables of the importing
connection (SQLite keeps them in its own temp database: filling them locks nothing).
The write transaction then re-checks that nothing was imported or undone for the
organisation meanwhile (one small query) and copies the rows in with a few set-wide
statements (INSERT … SELECT, UPDATE … FROM): one million new values hold the lock for
about the time SQLite needs to add them to its indexes, not for Python's loop over them.
If something did change, the comparison is made again inside the transaction, as before.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError

from dxcore import kpi, limits, sheets
from dxcore.errors import DxError
from dxcore.exports import FORMULA_STARTS
from dxcore.i18n import t
from dxcore.sheets import Parsed, Problem
from dxcore.store.models import Organization, utcnow
from dxcore.store.models_kpi import KpiBaseline, KpiChange, KpiCustom, KpiSettings, KpiTarget, KpiUpload, KpiValue
from dxcore.store.sql import upsert, write_transaction
from dxcore.text import refuse_invisible

CELL = ["month", "department", "process", "measure"]
CHUNK = 20_000
SOURCES = ("upload", "cli", "demo")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Upload:
    id: int
    org_id: int
    file_name: str
    sha256: str
    source: str
    uploaded_at: datetime
    rows: int
    new: int
    changed: int
    unchanged: int
    undone_at: datetime | None

    @property
    def active(self) -> bool:
        return self.undone_at is None


@dataclass(frozen=True)
class Change:
    month: date
    department: str
    process: str
    measure: str
    old: float
    new: float


@dataclass(frozen=True, eq=False)
class Preview:
    """What importing ``parsed`` would do; ``token`` pins the comparison for :func:`apply`."""

    org_id: int
    parsed: Parsed
    new: int
    changed: int
    unchanged: int
    changes: tuple[Change, ...]
    token: str
    same_file: Upload | None  # an earlier upload of this very file that is still in force
    problems: tuple[Problem, ...] = ()  # the file's own, and those against the stored data (the first ones)
    more_problems: int = 0  # found beyond those, counted but not listed

    @property
    def rows(self) -> int:
        return self.parsed.rows

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    @property
    def nothing_to_do(self) -> bool:
        return self.ok and self.new == 0 and self.changed == 0

    def summary(self, lang: str = "ja") -> dict:
        out = {"file": self.parsed.file_name, "rows": self.rows, "new": self.new, "changed": self.changed,
               "unchanged": self.unchanged, "errors": [x.to_dict(lang) for x in self.problems],
               "more_errors": self.more_problems}
        if self.more_problems:
            out["more_errors_note"] = t("limits.more_problems", lang, n=f"{self.more_problems:,}",
                                               shown=len(self.problems))
        return out


@dataclass(frozen=True)
class Imported:
    upload: Upload | None  # None when nothing changed (the same data was already there)
    new: int
    changed: int
    unchanged: int


def _upload(r) -> Upload:
    return Upload(r.id, r.org_id, r.file_name, r.sha256, r.source, r.uploaded_at, r.rows_read, r.new_values,
                  r.changed_values, r.unchanged_values, r.undone_at)


def _require_org(conn, org_id: int) -> None:
    if conn.execute(select(Organization.id).where(Organization.id == org_id)).first() is None:
        raise DxError("org.error.not_found", key=str(org_id))


# comparing a file with what is stored ---------------------------------------------

def _stored_cells(conn, org_id: int, values: pd.DataFrame, lock: bool = False) -> pd.DataFrame:
    months = sorted({d.date() for d in pd.to_datetime(values["month"].unique())})
    # with the partners of a pair (自己解決件数 / 問い合わせ件数 …): a file may bring one half
    measures = sorted(set(values["measure"].unique().tolist()) | sheets.PARTNERS)
    cols = [KpiValue.id, KpiValue.month, KpiValue.department, KpiValue.process, KpiValue.measure,
            KpiValue.value, KpiValue.upload_id]
    q = select(*cols).where(KpiValue.org_id == org_id, KpiValue.month.in_(months), KpiValue.measure.in_(measures))
    if lock:  # PostgreSQL: no one else changes these cells before we commit (SQLite has one writer anyway)
        q = q.with_for_update()
    rows = conn.execute(q).all() if months else []
    df = pd.DataFrame(rows, columns=["id", "month", "department", "process", "measure", "old", "old_upload"])
    df["month"] = pd.to_datetime(df["month"]).astype("datetime64[s]")
    return df


def _compare(conn, org_id: int, values: pd.DataFrame, lock: bool = False
             ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame]:
    """(values joined with stored cells, is new, is changed, the stored cells looked at)."""
    stored = _stored_cells(conn, org_id, values, lock)
    v = values.loc[:, CELL + ["value"]].copy()
    v["month"] = v["month"].astype("datetime64[s]")
    merged = v.merge(stored, on=CELL, how="left", sort=False) if len(stored) else v.assign(
        id=np.nan, old=np.nan, old_upload=np.nan)
    is_new = merged["id"].isna().to_numpy()
    same = np.isclose(merged["value"].to_numpy(dtype=float), merged["old"].to_numpy(dtype=float),
                      rtol=1e-12, atol=1e-12)
    return merged, is_new, ~is_new & ~same, stored


def _token(merged: pd.DataFrame, is_new: np.ndarray, changed: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.int64(is_new.sum()).tobytes())
    sub = merged[changed]
    h.update(sub["id"].to_numpy(dtype=np.int64).tobytes())
    h.update(sub["old"].to_numpy(dtype=float).tobytes())
    return h.hexdigest()


def preview(engine: Engine, org_id: int, parsed: Parsed, max_changes: int | None = None) -> Preview:
    """What importing would do; nothing is written."""
    with engine.connect() as conn:
        _require_org(conn, org_id)
        same = conn.execute(select(KpiUpload).where(KpiUpload.org_id == org_id, KpiUpload.sha256 == parsed.sha256,
                                                    KpiUpload.undone_at.is_(None))
                            .order_by(KpiUpload.id.desc())).first()
        if parsed.values.empty:
            return Preview(org_id, parsed, 0, 0, 0, (), _token(parsed.values.assign(id=[], old=[]),
                                                               np.zeros(0, bool), np.zeros(0, bool)),
                           _upload(same) if same else None, parsed.problems, parsed.more_problems)
        merged, is_new, changed, stored = _compare(conn, org_id, parsed.values)
    against, more_against = sheets.check_with_stored(parsed, stored.rename(columns={"old": "value"}))
    problems = sorted(parsed.problems + against, key=lambda x: x.row or 0)
    shown = problems[:limits.MAX_PROBLEMS]
    more = parsed.more_problems + more_against + len(problems) - len(shown)
    sub = merged[changed]
    if max_changes is not None:
        sub = sub.iloc[:max_changes]
    changes = tuple(Change(m.date(), d, p, x, float(o), float(n)) for m, d, p, x, o, n in zip(
        sub["month"], sub["department"], sub["process"], sub["measure"], sub["old"], sub["value"]))
    return Preview(org_id, parsed, int(is_new.sum()), int(changed.sum()), int((~is_new & ~changed).sum()),
                   changes, _token(merged, is_new, changed), _upload(same) if same else None, tuple(shown), more)


def apply(engine: Engine, preview_: Preview, source: str = "upload", progress: Progress | None = None,
          check_token: bool = True) -> Imported:
    """Import what ``preview_`` showed, in one transaction: every value or none.

    Refuses a file with problems, and refuses when the stored data changed after the
    preview (the user must look at the new comparison first).
    """
    parsed, org_id = preview_.parsed, preview_.org_id
    if not (parsed.ok and preview_.ok):
        raise DxError("kpi.error.has_problems", n=preview_.problem_count or parsed.problem_count)
    if source not in SOURCES:
        raise ValueError(source)
    values = parsed.values
    if values.empty:
        return Imported(None, 0, 0, 0)
    _no_control_characters(values)
    try:
        return _apply(engine, preview_, parsed, org_id, values, source, progress, check_token)
    except IntegrityError:  # another import wrote the same cells after our comparison
        raise DxError("kpi.error.stale_preview") from None


def _no_control_characters(values: pd.DataFrame) -> None:
    """The store's own guard (the parser refuses them with their place first): a control
    character would be stored by SQLite and break PostgreSQL's driver."""
    for column in ("department", "process"):
        for name in values[column].unique():
            if sheets.visible(name) != name:
                raise DxError("limits.control_char_stored", value=sheets.visible(name))


# the staging tables: temporary, of the importing connection only
_STAGE = MetaData()
STAGE_NEW = Table("kpi_stage_new", _STAGE, Column("month", Date), Column("department", String),
                  Column("process", String), Column("measure", String), Column("value", Float),
                  prefixes=["TEMPORARY"])
STAGE_CHANGED = Table("kpi_stage_changed", _STAGE, Column("value_id", Integer), Column("old_value", Float),
                      Column("old_upload_id", Integer), Column("new_value", Float), prefixes=["TEMPORARY"])


def _version(conn: Connection, org_id: int) -> tuple[int, int]:
    """Changes whenever an upload of the organisation is made or undone (the only writers
    of its values)."""
    last, undone = conn.execute(select(func.max(KpiUpload.id), func.count(KpiUpload.undone_at))
                                .where(KpiUpload.org_id == org_id)).one()
    return int(last or 0), int(undone or 0)


def _apply(engine, preview_, parsed, org_id, values, source, progress, check_token) -> Imported:
    with engine.connect() as conn:
        # everything that can be done before the write lock, is --------------------------
        _require_org(conn, org_id)
        version = _version(conn, org_id)
        merged, is_new, changed, stored = _compare(conn, org_id, values)
        conn.rollback()
        if check_token and _token(merged, is_new, changed) != preview_.token:
            raise DxError("kpi.error.stale_preview")
        if sheets.check_with_stored(parsed, stored.rename(columns={"old": "value"}))[0]:
            # the stored data changed since the preview in a way that now clashes
            raise DxError("kpi.error.stale_preview")
        n_new, n_changed = int(is_new.sum()), int(changed.sum())
        n_same = len(merged) - n_new - n_changed
        if n_new == 0 and n_changed == 0:
            return Imported(None, 0, 0, n_same)
        try:
            _stage(conn, merged[is_new], merged[changed], progress, n_new + n_changed)
            # the write: a few set-wide statements under the lock ---------------------------
            with _write_transaction(conn, org_id):
                if _version(conn, org_id) != version:  # someone imported or undid meanwhile: look again
                    again = _compare(conn, org_id, values, lock=True)
                    if _token(*again[:3]) != _token(merged, is_new, changed) or sheets.check_with_stored(
                            parsed, again[3].rename(columns={"old": "value"}))[0]:
                        raise DxError("kpi.error.stale_preview")
                upload_id = conn.execute(insert(KpiUpload).values(
                    org_id=org_id, file_name=(parsed.file_name or "-")[:255], sha256=parsed.sha256, source=source,
                    uploaded_at=utcnow(), rows_read=parsed.rows, new_values=n_new, changed_values=n_changed,
                    unchanged_values=n_same).returning(KpiUpload.id)).scalar_one()
                _copy_staged(conn, org_id, upload_id, n_new, n_changed)
                row = conn.execute(select(KpiUpload).where(KpiUpload.id == upload_id)).one()
        finally:
            _drop_stage_quietly(conn)
    if progress:
        progress(n_new + n_changed, n_new + n_changed)
    return Imported(_upload(row), n_new, n_changed, n_same)


def _stage(conn: Connection, new: pd.DataFrame, changed: pd.DataFrame, progress: Progress | None,
           total: int) -> None:
    """The rows to write, into the connection's temporary tables, in the order of the
    unique index (so that copying them touches each index page once)."""
    _drop_stage(conn)
    STAGE_NEW.create(conn)
    STAGE_CHANGED.create(conn)
    new = new.sort_values(CELL, kind="stable")
    rows = list(zip(new["month"].dt.strftime("%Y-%m-%d").tolist(), new["department"].tolist(),
                    new["process"].tolist(), new["measure"].tolist(), new["value"].to_numpy(dtype=float).tolist()))
    done = 0
    for start in range(0, len(rows), CHUNK):
        _bulk_load(conn, STAGE_NEW, rows[start:start + CHUNK])
        done += len(rows[start:start + CHUNK])
        if progress and done < total:  # the last step is reported once the transaction committed
            progress(done, total)
    if len(changed):
        _bulk_load(conn, STAGE_CHANGED, list(zip(
            changed["id"].to_numpy(dtype=np.int64).tolist(), changed["old"].to_numpy(dtype=float).tolist(),
            [None if pd.isna(u) else int(u) for u in changed["old_upload"]],
            changed["value"].to_numpy(dtype=float).tolist())))
    conn.commit()


def _bulk_load(conn: Connection, table: Table, rows: list[tuple]) -> None:
    """Rows into a staging table through the driver itself (SQLite: executemany in C;
    PostgreSQL: COPY): no Python work per value beyond building the tuples."""
    cols = ", ".join(c.name for c in table.columns)
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join('?' * len(table.columns))})",
                            rows)
    finally:
        cur.close()


def _copy_staged(conn: Connection, org_id: int, upload_id: int, n_new: int, n_changed: int) -> None:
    if n_new:
        s = STAGE_NEW.c
        conn.execute(insert(KpiValue).from_select(
            ["org_id", "month", "department", "process", "measure", "value", "upload_id", "created_upload_id"],
            select(literal(org_id), s.month, s.department, s.process, s.measure, s.value, literal(upload_id),
                   literal(upload_id))))
    if n_changed:
        c = STAGE_CHANGED.c
        conn.execute(insert(KpiChange).from_select(
            ["upload_id", "value_id", "old_value", "old_upload_id", "new_value"],
            select(literal(upload_id), c.value_id, c.old_value, c.old_upload_id, c.new_value)))
        conn.execute(update(KpiValue).values(value=c.new_value, upload_id=upload_id)
                     .where(KpiValue.id == c.value_id).execution_options(synchronize_session=False))


def _drop_stage(conn: Connection) -> None:
    for table in (STAGE_NEW, STAGE_CHANGED):
        table.drop(conn, checkfirst=True)
    conn.commit()


def _drop_stage_quietly(conn: Connection) -> None:
    """After the write, or after it failed: a connection that cannot drop its staging
    tables is closed for good (they go with it) rather than raising over the real error."""
    try:
        _drop_stage(conn)
    except Exception:  # noqa: BLE001
        conn.invalidate()


def _write_transaction(conn: Connection, org_id: int):
    """The write lock first: SQLite's; on PostgreSQL the organisation's row, so that its
    imports and undos take turns."""
    return write_transaction(conn, select(Organization.id).where(Organization.id == org_id).with_for_update())


def list_uploads(engine: Engine, org_id: int) -> list[Upload]:
    """Every upload of an organisation, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(KpiUpload).where(KpiUpload.org_id == org_id)
                            .order_by(KpiUpload.id.desc())).all()
    return [_upload(r) for r in rows]


def undo(engine: Engine, org_id: int, upload_id: int) -> Upload:
    """Undo an upload: put back the values it overwrote and remove the ones it added.

    Refused while a later upload that is still in force changed any of the same values
    (undo that one first), so no later work is silently lost.
    """
    with engine.connect() as conn, _write_transaction(conn, org_id):
        row = conn.execute(select(KpiUpload).where(KpiUpload.id == upload_id, KpiUpload.org_id == org_id)).first()
        if row is None:
            raise DxError("kpi.error.no_upload", id=upload_id)
        if row.undone_at is not None:
            raise DxError("kpi.error.already_undone", file=row.file_name)
        touched = select(KpiValue.id).where(KpiValue.created_upload_id == upload_id).union(
            select(KpiChange.value_id).where(KpiChange.upload_id == upload_id))
        later = conn.execute(
            select(KpiUpload.file_name, KpiUpload.uploaded_at).join(KpiChange, KpiChange.upload_id == KpiUpload.id)
            .where(KpiUpload.org_id == org_id, KpiUpload.id > upload_id, KpiUpload.undone_at.is_(None),
                   KpiChange.value_id.in_(touched)).order_by(KpiUpload.id.desc()).limit(1)).first()
        if later is not None:
            raise DxError("kpi.error.undo_blocked", file=later.file_name)
        back = conn.execute(select(KpiChange.value_id, KpiChange.old_value, KpiChange.old_upload_id)
                            .where(KpiChange.upload_id == upload_id)).all()
        if back:
            conn.execute(update(KpiValue).where(KpiValue.id == bindparam("vid")).values(
                value=bindparam("v"), upload_id=bindparam("u")),
                [{"vid": v, "v": o, "u": u} for v, o, u in back])
        conn.execute(delete(KpiValue).where(KpiValue.created_upload_id == upload_id))
        conn.execute(update(KpiUpload).where(KpiUpload.id == upload_id).values(undone_at=utcnow()))
        row = conn.execute(select(KpiUpload).where(KpiUpload.id == upload_id)).one()
    return _upload(row)


# stored values -------------------------------------------------------------------

def load_values(engine: Engine, org_id: int, department: str | None = None) -> pd.DataFrame:
    """Stored values: month (Timestamp), department, process, measure, value."""
    # the month as the database sends it (SQLite: '2025-04-01'; PostgreSQL: a date), parsed by
    # pandas for the whole column at once rather than row by row
    q = select(type_coerce(KpiValue.month, String), KpiValue.department, KpiValue.process, KpiValue.measure,
               KpiValue.value).where(KpiValue.org_id == org_id)
    if department is not None:
        q = q.where(KpiValue.department == department)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return kpi.empty_values()
    # column by column: pandas looks at every Row object when handed the rows (5× slower)
    month, department, process, measure, value = zip(*rows)
    return pd.DataFrame({"month": pd.to_datetime(pd.Series(month)), "department": department, "process": process,
                         "measure": measure, "value": pd.Series(value, dtype=float)})


def data_version(engine: Engine, org_id: int) -> tuple[int, int]:
    """Changes whenever the stored values of an organisation do (every import and every
    undo is an upload row): a cheap key for caching what is computed from them."""
    with engine.connect() as conn:
        return _version(conn, org_id)


def departments(engine: Engine, org_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(KpiValue.department).where(KpiValue.org_id == org_id)
                                 .distinct().order_by(KpiValue.department)).scalars())


def count_values(engine: Engine, org_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(KpiValue)
                            .where(KpiValue.org_id == org_id)).scalar_one()


# targets ----------------------------------------------------------------------------

def targets(engine: Engine, org_id: int) -> dict[tuple[str, int], float]:
    """{(kpi id, 年度): target}."""
    with engine.connect() as conn:
        rows = conn.execute(select(KpiTarget.kpi, KpiTarget.fiscal_year, KpiTarget.value)
                            .where(KpiTarget.org_id == org_id)).all()
    return {(k, fy): v for k, fy, v in rows}


def save_targets(engine: Engine, org_id: int, fiscal_year: int, values: Mapping[str, float | None],
                 cat: kpi.Catalogue | None = None) -> None:
    """Set the targets of one 年度 ({kpi id: value}; None clears one), in one transaction."""
    cat = cat or catalogue_for(engine, org_id)
    if not 2000 <= int(fiscal_year) <= 2100:
        raise DxError("kpi.error.bad_fiscal_year", value=fiscal_year)
    clean: dict[str, float | None] = {}
    for kid, value in values.items():
        if kid not in cat.kpi_index:
            raise DxError("kpi.error.unknown_kpi", value=kid)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            clean[kid] = None
            continue
        value = float(value)
        unit = cat.kpi_index[kid].unit
        if not cat.kpi_index[kid].has_direction:
            raise DxError("kpi.error.target_no_direction", kpi=kid)
        if value < 0 and kid != "time_reduction_rate":
            raise DxError("kpi.error.bad_target", kpi=kid, value=value)
        if unit == "ratio" and value > 1:
            raise DxError("kpi.error.target_ratio", kpi=kid, value=value)
        clean[kid] = value
    with engine.begin() as conn:
        _require_org(conn, org_id)
        conn.execute(delete(KpiTarget).where(KpiTarget.org_id == org_id, KpiTarget.fiscal_year == fiscal_year,
                                             KpiTarget.kpi.in_(list(clean))))
        rows = [{"org_id": org_id, "kpi": k, "fiscal_year": int(fiscal_year), "value": v}
                for k, v in clean.items() if v is not None]
        if rows:
            conn.execute(insert(KpiTarget), rows)


# settings ---------------------------------------------------------------------------

SURVEY_NAME_MAX = 60
KEEP = object()  # save_settings: leave this setting as it is


def settings(engine: Engine, org_id: int) -> kpi.Settings:
    """The hourly rate (or its pay basis), the baselines set by hand and the survey names."""
    with engine.connect() as conn:
        r = conn.execute(select(KpiSettings).where(KpiSettings.org_id == org_id)).first()
        rows = conn.execute(select(KpiBaseline.department, KpiBaseline.process, KpiBaseline.time_per_case)
                            .where(KpiBaseline.org_id == org_id)
                            .order_by(KpiBaseline.department, KpiBaseline.process)).all()
    base = tuple((d, p, float(v)) for d, p, v in rows)
    if r is None:
        return kpi.Settings(baselines=base)
    basis = None
    if None not in (r.pay_per_staff, r.mutual_aid_rate, r.annual_hours):
        basis = kpi.PayBasis(r.pay_per_staff, r.mutual_aid_rate, r.annual_hours)
    return kpi.Settings(r.hourly_rate, basis, base, r.resident_survey or "", r.staff_survey or "")


def _check_basis(basis: kpi.PayBasis) -> None:
    if not (basis.pay_per_staff > 0 and 0 <= basis.mutual_aid_rate < 1 and 0 < basis.annual_hours <= 8784):
        raise DxError("kpi.error.bad_pay_basis", pay=basis.pay_per_staff, share=basis.mutual_aid_rate,
                      hours=basis.annual_hours)


def _survey_name(value: str) -> str:
    name = unicodedata.normalize("NFKC", value or "").strip()
    if len(name) > SURVEY_NAME_MAX:
        raise DxError("kpi.error.survey_too_long", max=SURVEY_NAME_MAX)
    return name


def save_settings(engine: Engine, org_id: int, hourly_rate=KEEP, pay_basis=KEEP, resident_survey=KEEP,
                  staff_survey=KEEP) -> kpi.Settings:
    """Change the settings given (None clears the hourly rate or the pay basis: the default
    basis applies again); the others stay as they are."""
    changes: dict = {}
    if hourly_rate is not KEEP:
        if hourly_rate is not None and not hourly_rate > 0:
            raise DxError("kpi.error.bad_hourly_rate", value=hourly_rate)
        changes["hourly_rate"] = None if hourly_rate is None else float(hourly_rate)
    if pay_basis is not KEEP:
        if pay_basis is not None:
            _check_basis(pay_basis)
        for f in ("pay_per_staff", "mutual_aid_rate", "annual_hours"):
            changes[f] = None if pay_basis is None else float(getattr(pay_basis, f))
    for name, value in (("resident_survey", resident_survey), ("staff_survey", staff_survey)):
        if value is not KEEP:
            changes[name] = _survey_name(value)
    with engine.begin() as conn:
        _require_org(conn, org_id)
        if changes:
            upsert(conn, KpiSettings.__table__, {"org_id": org_id, "updated_at": utcnow(), **changes},
                   ["org_id"], list(changes) + ["updated_at"])
    return settings(engine, org_id)


# baselines --------------------------------------------------------------------------

def baselines(engine: Engine, org_id: int, values: pd.DataFrame | None = None) -> list[kpi.Baseline]:
    """Each process's baseline and where it came from (set here, the first complete 年度, none)."""
    data = load_values(engine, org_id) if values is None else values
    return kpi.baselines(data, settings(engine, org_id))


def save_baselines(engine: Engine, org_id: int, chosen: Mapping[tuple[str, str], float | None]) -> None:
    """Set {(department, process): hours per case} by hand; None goes back to automatic
    (the first complete 年度), in one transaction."""
    rows = []
    for (department, process), value in chosen.items():
        if value is not None and not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise DxError("kpi.error.bad_baseline", value=value, department=department, process=process or "—")
        rows.append((sheets.norm_name(department), sheets.norm_name(process or ""), value))
    for department, process, _ in rows:
        if not department or len(department) > sheets.MAX_TEXT or len(process) > sheets.MAX_TEXT:
            raise DxError("kpi.error.bad_baseline_key", department=department or "—")
    with engine.begin() as conn:
        _require_org(conn, org_id)
        now = utcnow()
        for department, process, value in rows:
            key = (KpiBaseline.org_id == org_id, KpiBaseline.department == department, KpiBaseline.process == process)
            if value is None:
                conn.execute(delete(KpiBaseline).where(*key))
            else:
                upsert(conn, KpiBaseline.__table__, {"org_id": org_id, "department": department, "process": process,
                                                     "time_per_case": float(value), "updated_at": now},
                       ["org_id", "department", "process"], ["time_per_case", "updated_at"])


# custom KPIs ------------------------------------------------------------------------

CUSTOM_NAME_MAX = 40
CUSTOM_UNIT_MAX = 20


def custom_kpis(engine: Engine, org_id: int) -> list[kpi.CustomKpi]:
    with engine.connect() as conn:
        rows = conn.execute(select(KpiCustom).where(KpiCustom.org_id == org_id).order_by(KpiCustom.id)).all()
    return [kpi.CustomKpi(f"custom_{r.id}", r.name, r.unit, r.direction, r.aggregate) for r in rows]


def catalogue_for(engine: Engine, org_id: int | None) -> kpi.Catalogue:
    return kpi.catalogue(custom_kpis(engine, org_id) if org_id is not None else ())


def add_custom_kpi(engine: Engine, org_id: int, name: str, unit: str, direction: str,
                   aggregate: str = "sum") -> kpi.CustomKpi:
    from dxcore.sheets import _lookups, norm_header

    name = unicodedata.normalize("NFKC", name or "").strip()
    unit = unicodedata.normalize("NFKC", unit or "").strip()
    if not name:
        raise DxError("kpi.error.custom_name_required")
    if len(name) > CUSTOM_NAME_MAX or len(unit) > CUSTOM_UNIT_MAX:
        raise DxError("kpi.error.custom_too_long", name_max=CUSTOM_NAME_MAX, unit_max=CUSTOM_UNIT_MAX)
    refuse_invisible(name), refuse_invisible(unit)
    if name.startswith(FORMULA_STARTS):  # it becomes a template header: never a formula
        raise DxError("kpi.error.custom_formula", name=name)
    if direction not in kpi.DIRECTIONS or aggregate not in kpi.CUSTOM_AGGREGATES:
        raise DxError("kpi.error.custom_bad_choice")
    roles, measures = _lookups(catalogue_for(engine, org_id))
    if norm_header(name) in roles or norm_header(name) in measures:
        raise DxError("kpi.error.custom_clash", name=name)
    try:
        with engine.begin() as conn:
            _require_org(conn, org_id)
            new_id = conn.execute(insert(KpiCustom).values(
                org_id=org_id, name=name, unit=unit, direction=direction, aggregate=aggregate,
                created_at=utcnow()).returning(KpiCustom.id)).scalar_one()
    except IntegrityError:
        raise DxError("kpi.error.custom_clash", name=name) from None
    return kpi.CustomKpi(f"custom_{new_id}", name, unit, direction, aggregate)


def delete_custom_kpi(engine: Engine, org_id: int, key: str) -> None:
    """Remove an own KPI; refused while values of it are stored (undo those uploads first)."""
    custom_id = int(key.removeprefix("custom_"))
    with engine.begin() as conn:
        if conn.execute(select(exists().where(and_(KpiValue.org_id == org_id, KpiValue.measure == key)))).scalar():
            raise DxError("kpi.error.custom_has_values")
        conn.execute(delete(KpiTarget).where(KpiTarget.org_id == org_id, KpiTarget.kpi == key))
        conn.execute(delete(KpiCustom).where(KpiCustom.org_id == org_id, KpiCustom.id == custom_id))


def import_frame(engine: Engine, org_id: int, parsed: Parsed, source: str = "demo") -> Imported:
    """Preview and apply in one go (for the demo and scripts that already checked their data)."""
    return apply(engine, preview(engine, org_id, parsed), source=source)
