"""A self-diagnosis in progress (pure): what the respondent has chosen so far, as kept in a
server-side draft (:mod:`dxcore.store.repo_drafts`, kind "diagnosis") until it is submitted.

Everything that comes back from a browser or from a stored draft is checked here: an
answer is one of the scale's values or 「わからない」 (kept as 0), a role is a known role,
a set is a known set; anything else is dropped and counted, never raised.  A draft made
against an earlier questionnaire version keeps only the answers to statements the current
version still asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from dxcore.content import QUESTION_SETS, Content, load

KIND = "diagnosis"
UNKNOWN = 0  # 「わからない」 as the draft and the radio buttons keep it; stored as None
OPTIONS = (1, 2, 3, 4, 5, UNKNOWN)  # the choices of one statement, in screen order


def clean_value(value: object) -> int | None:
    """An answer as chosen (1–5, or 0 for 「わからない」), or None when it is anything else."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in OPTIONS:
        return None
    return value


@dataclass
class Draft:
    answers: dict[str, int] = field(default_factory=dict)  # statement id → 1–5, 0 = 「わからない」
    role: str | None = None
    question_set: str = QUESTION_SETS[0]
    org_id: int | None = None  # the organisation it was started for
    version: int | None = None  # the questionnaire version it was answered against

    def to_payload(self) -> dict:
        return {"answers": dict(self.answers), "role": self.role, "set": self.question_set,
                "org": self.org_id, "version": self.version}

    def asked(self, content: Content | None = None) -> tuple[str, ...]:
        return (content or load()).question_ids(self.question_set)

    def answered(self, content: Content | None = None) -> int:
        return sum(1 for q in self.asked(content) if q in self.answers)

    def submission(self, content: Content | None = None) -> dict[str, int | None]:
        """The answers of the chosen set as a diagnosis stores them (「わからない」 → None)."""
        return {q: (None if self.answers[q] == UNKNOWN else self.answers[q])
                for q in self.asked(content) if q in self.answers}


def from_payload(payload: object, content: Content | None = None) -> tuple[Draft, int]:
    """(the draft a stored payload describes, how many answers had to be dropped): answers to
    statements the current questionnaire does not ask, or values that are not choices."""
    content = content or load()
    if not isinstance(payload, Mapping):
        return Draft(version=content.version), 0
    known = content.question_index
    raw = payload.get("answers")
    raw = raw if isinstance(raw, Mapping) else {}
    answers = {str(q): clean_value(v) for q, v in raw.items()}
    kept = {q: v for q, v in answers.items() if q in known and v is not None}
    role = payload.get("role")
    question_set = payload.get("set")
    org = payload.get("org")
    return Draft(
        answers=kept,
        role=role if role in content.role_index else None,
        question_set=question_set if question_set in QUESTION_SETS else QUESTION_SETS[0],
        org_id=org if isinstance(org, int) and not isinstance(org, bool) else None,
        version=content.version,
    ), len(raw) - len(kept)
