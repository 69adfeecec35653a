"""Repository functions for organisations and diagnoses.

They take an Engine and return plain frozen records, never live ORM objects, so pages
and the CLI cannot trip over detached sessions.  Bulk rows go through Core inserts.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from dxcore import lgcode
from dxcore.content import QUESTION_SETS, load
from dxcore.errors import DxError
from dxcore.store.models import Diagnosis, DiagnosisAnswer, Organization, utcnow
from dxcore.store.models_workshop import Workshop
from dxcore.text import refuse_invisible

MODES = ("self", "workshop")
NAME_MAX = 200


@dataclass(frozen=True)
class Org:
    id: int
    name: str
    lg_code: str | None
    prefecture: str | None
    is_demo: bool


@dataclass(frozen=True)
class DiagnosisRecord:
    id: int
    org_id: int
    taken_at: datetime
    role: str
    mode: str
    question_set: str
    participants: int
    answers: Mapping[str, float | None]
    content_version: int = 1  # the questionnaire version it was answered against
    asked: tuple[str, ...] = ()  # the statement ids it asked
    workshop_title: str | None = None  # the workshop it came from (mode "workshop")


def _org(row) -> Org:
    return Org(row.id, row.name, row.lg_code, row.prefecture, row.is_demo)


# organisations ---------------------------------------------------------------

def create_org(engine: Engine, name: str, lg_code: str | None = None, prefecture: str | None = None,
               is_demo: bool = False) -> Org:
    """Register an organisation.  Raises DxError with a catalogue key on bad input."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name:
        raise DxError("org.error.name_required")
    if len(name) > NAME_MAX:
        raise DxError("org.error.name_too_long", max=NAME_MAX)
    refuse_invisible(name)  # "試験町" and "試験\u200b町" would look like one organisation
    code = lgcode.validate(lg_code) if lg_code and lg_code.strip() else None
    pref = None
    if prefecture and prefecture.strip():
        found = lgcode.find_prefecture(prefecture)
        if found is None:
            raise DxError("org.error.unknown_prefecture", value=prefecture)
        pref = found.code
    if code:
        from_code = lgcode.prefecture_of(code).code
        if pref and pref != from_code:
            chosen, actual = lgcode.prefecture_of(pref + "0000"), lgcode.prefecture_of(code)
            raise DxError("org.error.prefecture_mismatch", code=code, prefecture=chosen.name["ja"],
                          actual=actual.name["ja"])
        pref = from_code
    row = {"name": name, "lg_code": code, "prefecture": pref, "is_demo": is_demo, "created_at": utcnow()}
    try:
        with engine.begin() as conn:
            new_id = conn.execute(insert(Organization).values(**row).returning(Organization.id)).scalar_one()
    except IntegrityError:
        clash = find_org(engine, name) or (find_org(engine, code) if code else None)
        raise DxError("org.error.exists", name=clash.name if clash else name) from None
    return Org(new_id, name, code, pref, is_demo)


def list_orgs(engine: Engine) -> list[Org]:
    with engine.connect() as conn:
        rows = conn.execute(select(Organization).order_by(Organization.is_demo, Organization.id)).all()
    return [_org(r) for r in rows]


def get_org(engine: Engine, org_id: int) -> Org | None:
    with engine.connect() as conn:
        r = conn.execute(select(Organization).where(Organization.id == org_id)).first()
    return _org(r) if r else None


def find_org(engine: Engine, key: str) -> Org | None:
    """An organisation by its code or its exact name."""
    key = unicodedata.normalize("NFKC", str(key or "")).strip()
    with engine.connect() as conn:
        r = conn.execute(select(Organization).where(
            (Organization.lg_code == lgcode.normalise(key)) | (Organization.name == key))).first()
    return _org(r) if r else None


def require_org(engine: Engine, key: str) -> Org:
    org = find_org(engine, key)
    if org is None:
        raise DxError("org.error.not_found", key=key)
    return org


# diagnoses -------------------------------------------------------------------

def _answer_value(value: object) -> bool:
    """1–5 (fractional for a room's mean) or None for 「わからない」."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and 1 <= value <= 5


def save_diagnosis(engine: Engine, org_id: int, answers: Mapping[str, float | None], role: str,
                   mode: str = "self", question_set: str = "full", taken_at: datetime | None = None,
                   participants: int = 1, version: int | None = None, asked: Sequence[str] | None = None) -> int:
    """Store one diagnosis and its answers in one transaction; returns its id.

    ``version`` is the questionnaire version the answers were given against: by default
    the newest version that has every answered statement (the current one, unless the
    answers were collected before a revision, e.g. in a workshop that was open across an
    upgrade).  ``asked`` are the statement ids that were put to the respondent (by default
    the whole ``question_set`` of that version).
    """
    content = load()
    if role not in content.role_index:
        raise DxError("diagnosis.error.unknown_role", role=role)
    if mode not in MODES:
        raise DxError("diagnosis.error.unknown_mode", mode=mode)
    if question_set not in QUESTION_SETS:
        raise DxError("diagnosis.error.unknown_set", value=question_set)
    if not answers:
        raise DxError("diagnosis.error.no_answers")
    version = content.version_of(answers) if version is None else version
    if version not in content.versions:
        unknown = sorted(set(answers) - set(content.question_index))
        raise DxError("diagnosis.error.unknown_question", ids=", ".join(unknown))
    known = content.questionnaire(version).question_index
    asked = tuple(content.questionnaire(version).question_ids(question_set) if asked is None else asked)
    unknown = sorted((set(answers) | set(asked)) - set(known))
    if unknown:
        raise DxError("diagnosis.error.unknown_question", ids=", ".join(unknown))
    bad = sorted(q for q, v in answers.items() if not _answer_value(v))
    if bad:
        raise DxError("diagnosis.error.bad_value", ids=", ".join(bad))
    with engine.begin() as conn:
        if conn.execute(select(Organization.id).where(Organization.id == org_id)).first() is None:
            raise DxError("org.error.not_found", key=str(org_id))
        diag_id = conn.execute(insert(Diagnosis).values(
            org_id=org_id, taken_at=taken_at or utcnow(), role=role, mode=mode,
            question_set=question_set, participants=participants,
            content_version=version, asked=",".join(asked),
        ).returning(Diagnosis.id)).scalar_one()
        conn.execute(insert(DiagnosisAnswer), [
            {"diagnosis_id": diag_id, "question_id": q, "value": None if v is None else float(v)}
            for q, v in answers.items()
        ])
    return diag_id


def list_diagnoses(engine: Engine, org_id: int) -> list[DiagnosisRecord]:
    """Every diagnosis of an organisation, oldest first, with its answers."""
    with engine.connect() as conn:
        diags = conn.execute(select(Diagnosis).where(Diagnosis.org_id == org_id)
                             .order_by(Diagnosis.taken_at, Diagnosis.id)).all()
        answers: dict[int, dict[str, float | None]] = {d.id: {} for d in diags}
        if diags:
            rows = conn.execute(select(DiagnosisAnswer.diagnosis_id, DiagnosisAnswer.question_id,
                                       DiagnosisAnswer.value)
                                .join(Diagnosis, Diagnosis.id == DiagnosisAnswer.diagnosis_id)
                                .where(Diagnosis.org_id == org_id))
            for diag_id, qid, value in rows:
                answers[diag_id][qid] = value
    titles = workshop_titles(engine, org_id) if any(d.mode == "workshop" for d in diags) else {}
    return [DiagnosisRecord(d.id, d.org_id, d.taken_at, d.role, d.mode, d.question_set,
                            d.participants, answers[d.id], d.content_version,
                            tuple(q for q in d.asked.split(",") if q), titles.get(d.id)) for d in diags]


def workshop_titles(engine: Engine, org_id: int) -> dict[int, str]:
    """Diagnosis id → the title of the workshop that saved it (read-only; workshops that were
    closed into the history point at their diagnosis through ``workshop.diagnosis_id``)."""
    with engine.connect() as conn:
        rows = conn.execute(select(Workshop.diagnosis_id, Workshop.title)
                            .where(Workshop.org_id == org_id, Workshop.diagnosis_id.is_not(None))
                            .order_by(Workshop.id)).all()
    return {diagnosis_id: title for diagnosis_id, title in rows}


def count_diagnoses(engine: Engine, org_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Diagnosis)
                            .where(Diagnosis.org_id == org_id)).scalar_one()


def delete_diagnosis(engine: Engine, org_id: int, diagnosis_id: int) -> bool:
    """Delete one diagnosis of this organisation (answers go with it)."""
    with engine.begin() as conn:
        conn.execute(delete(DiagnosisAnswer).where(DiagnosisAnswer.diagnosis_id.in_(
            select(Diagnosis.id).where(Diagnosis.id == diagnosis_id, Diagnosis.org_id == org_id))))
        gone = conn.execute(delete(Diagnosis).where(Diagnosis.id == diagnosis_id,
                                                    Diagnosis.org_id == org_id)).rowcount
    return gone == 1
