"""ワークショップ: a room answering together, and what the projector shows of it.

Pure functions over plain data (no database, no Streamlit):

- join codes: short, easy to read aloud and type on a phone (no 0/O, 1/I);
- answers checked against the workshop's set: the pulse or full questionnaire
  (1–5, ``None`` = 「わからない」) or the warm-up on the three misconceptions
  (``TRUE``/``FALSE``, ``None`` = 「わからない」);
- the room's aggregate: per-statement distribution and mean, pattern risks scored by
  :mod:`dxcore.scoring` on the room's mean answers, the same per role and per role
  group (幹部 / 現場 / その他, from the roles' ``group`` in the questionnaire), and the
  statements on which 幹部 and 現場 disagree most (「トップと現場で認識がズレる」);
- the warm-up's tally: how the room answered each myth and how many got it right.

Anonymity: a role group smaller than ``min_group`` people is not broken out (its
answers would identify them); the projector uses :data:`MIN_GROUP_SIZE`, the
facilitator's own tools (CLI, raw export) see every group.
"""

from __future__ import annotations

import functools
import os
import random
import re
import secrets
import threading
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from typing import Mapping, Sequence

from dxcore.content import Content, load
from dxcore.errors import DxError
from dxcore.scoring import SCALE_MAX, SCALE_MIN, Result, score
from dxcore.text import refuse_invisible

SETS = ("pulse", "full", "myths")
DIAGNOSIS_SETS = ("pulse", "full")  # the sets a closed workshop saves as a diagnosis
MYTHS = "myths"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, none easily confused
CODE_LENGTH = 6
TITLE_MAX = 200
LIMIT_MAX = 2000
GROUPS = ("executive", "frontline", "other")
MIN_GROUP_SIZE = 3
TOP_GAPS = 5
TRUE, FALSE = 1, 0  # a myth answer as stored
SCALE = tuple(range(SCALE_MIN, SCALE_MAX + 1))
MYTH_VALUES = (TRUE, FALSE)
PUBLIC_URL_ENV = "DX_PUBLIC_URL"
PAGE_SIZE = 16  # statements a phone shows on one page (one form, one tap to send)
MAX_PAGES = 3  # so that any set takes at most 1 + MAX_PAGES round trips
PIN_LENGTH = 4
JOIN_LIMIT_ENV = "DX_JOIN_LIMIT"
JOIN_LIMIT = (30, 60.0)  # new participants per client address per window (seconds)

Answers = Mapping[str, int | None]


# codes and links ---------------------------------------------------------------

def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: object) -> str:
    """What a person typed, as a code: 全角 → 半角, upper case, spaces and hyphens dropped."""
    text = unicodedata.normalize("NFKC", str(raw or "")).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑–—ー")


def validate_code(raw: object) -> str:
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise DxError("workshop.error.code_format", code=str(raw or "").strip(), length=CODE_LENGTH)
    return code


def new_pin() -> str:
    """A room PIN: a few digits, shown on the projector only (not in the link or the QR code)."""
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def normalise_pin(raw: object) -> str:
    """What a person typed as a PIN: 全角 → 半角, spaces dropped."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return "".join(ch for ch in text if not ch.isspace())[:16]


class JoinLimiter:
    """At most ``limit`` new participants per client address in any ``window`` seconds.

    Held in the server process's memory.  Behind the proxy of ``deploy/workers.py`` one
    address always reaches the same process (``ip_hash``), so the limit holds across
    workers.  The addresses it remembers are bounded (the oldest are forgotten first).
    """

    MAX_ADDRESSES = 50_000

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str | None) -> bool:
        """May ``address`` (None: this computer) make one more participant now?  If so, it counts."""
        if self.limit <= 0:
            return True
        key, now = address or "local", self.clock()
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            while times and now - times[0] >= self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            if times:
                self._seen[key] = times  # re-inserted: the dict stays ordered by last use
            while len(self._seen) > self.MAX_ADDRESSES:
                del self._seen[next(iter(self._seen))]
            return allowed

    def retry_after(self, address: str | None) -> int:
        """Whole seconds until ``address`` may make a participant again (0: now)."""
        with self._lock:
            times = self._seen.get(address or "local")
            if not times or len(times) < self.limit:
                return 0
            return max(1, int(self.window - (self.clock() - times[0]) + 0.999))


def join_limit_from_env() -> tuple[int, float]:
    """``DX_JOIN_LIMIT`` as (joins, seconds): ``30/60`` (the default), ``100/60``, or ``0`` for no limit."""
    raw = os.environ.get(JOIN_LIMIT_ENV, "").strip()
    if not raw:
        return JOIN_LIMIT
    count, _, seconds = raw.partition("/")
    try:
        limit, window = int(count), float(seconds or JOIN_LIMIT[1])
    except ValueError:
        raise DxError("room.error.bad_join_limit", value=raw, env=JOIN_LIMIT_ENV) from None
    if limit < 0 or window <= 0:
        raise DxError("room.error.bad_join_limit", value=raw, env=JOIN_LIMIT_ENV)
    return limit, window


TOKEN_PARAM = "p"  # the participant's token in their own join link, so that a reload keeps them
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A participant's anonymous identity: random, unguessable, URL-safe."""
    return secrets.token_urlsafe(24)


def is_token(raw: object) -> bool:
    """Does ``raw`` look like a token :func:`new_token` made (and not like anything else)?"""
    return isinstance(raw, str) and _TOKEN_SHAPE.fullmatch(raw) is not None


def join_path(code: str) -> str:
    """The path part of a participant's link; the app routes ``?ws=`` to the join page."""
    return f"/?ws={code}"


def join_url(base: str, code: str) -> str:
    return base.rstrip("/") + join_path(code)


def public_url_from_env() -> str | None:
    """DX_PUBLIC_URL: the address phones use to reach this server (overrides what the browser saw)."""
    url = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return url.rstrip("/") or None


def qr_svg(url: str) -> str:
    """The link as a QR code (SVG text), generated here: nothing is fetched from outside."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=10, border=4, xmldecl=False,
                                                  svgns=True, omitsize=True, dark="#000000", light="#FFFFFF")
    return out.getvalue().decode("utf-8")


def is_local_url(url: str) -> bool:
    """True when a phone in the room could not open ``url`` (it names this computer only)."""
    host = url.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]").lower()
    return host in ("localhost", "::1", "0.0.0.0") or host.startswith("127.")


# what a workshop asks ------------------------------------------------------------

def validate_set(question_set: object) -> str:
    if question_set not in SETS:
        raise DxError("workshop.error.unknown_set", value=question_set)
    return str(question_set)


def validate_title(title: object) -> str:
    text = unicodedata.normalize("NFKC", str(title or "")).strip()
    if not text:
        raise DxError("workshop.error.title_required")
    if len(text) > TITLE_MAX:
        raise DxError("workshop.error.title_too_long", max=TITLE_MAX)
    return refuse_invisible(text)


def validate_limit(limit: object) -> int | None:
    """The participant limit: None or 0 for none, else a whole number 1…LIMIT_MAX."""
    if limit is None or limit == 0 or limit == "":
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
        raise DxError("workshop.error.bad_limit", value=limit, max=LIMIT_MAX)
    return limit


def statement_ids(question_set: str, content: Content | None = None, code: str | None = None) -> tuple[str, ...]:
    """The ids a participant answers, in order: questions of the set, or the myths.

    Given the workshop's ``code``, the warm-up's statements come in an order of their own
    for that workshop (true and false ones mixed, so that their place gives nothing
    away), the same on the projector and on every phone; without it, in the content's order.
    """
    content = content or load()
    if question_set == MYTHS:
        ids = [m.id for m in content.myths]
        if code:
            random.Random(f"myths:{normalise_code(code)}").shuffle(ids)
        return tuple(ids)
    return content.question_ids(validate_set(question_set))


def pages(question_set: str, content: Content | None = None, code: str | None = None) -> tuple[tuple[str, ...], ...]:
    """The statements a participant answers, as the pages (forms) of their phone.

    Each page is sent with one tap, so fewer pages mean fewer round trips to the server;
    more than one page keeps a long set from being lost by an accident (each page is kept
    as a draft).  A set of up to :data:`PAGE_SIZE` statements is one page; a longer one is
    cut at failure-pattern boundaries into at most :data:`MAX_PAGES` pages of similar length.
    """
    return _pages(question_set, content or load(), normalise_code(code) if code else None)


@functools.lru_cache(maxsize=1024)  # a phone's every run asks; the answer depends on these three only
def _pages(question_set: str, content: Content, code: str | None) -> tuple[tuple[str, ...], ...]:
    ids = statement_ids(question_set, content, code)
    if len(ids) <= PAGE_SIZE or question_set == MYTHS:
        return (ids,)
    runs: list[list[str]] = []  # consecutive statements of one pattern
    for qid in ids:
        pattern = content.question_index[qid].pattern
        if runs and content.question_index[runs[-1][-1]].pattern == pattern:
            runs[-1].append(qid)
        else:
            runs.append([qid])
    n_pages = min(MAX_PAGES, len(runs), -(-len(ids) // PAGE_SIZE))
    return _balanced(runs, n_pages)


def _balanced(runs: list[list[str]], n_pages: int) -> tuple[tuple[str, ...], ...]:
    """``runs`` cut into ``n_pages`` consecutive pages of lengths as even as possible
    (the least sum of squared page lengths)."""
    sizes = [len(r) for r in runs]
    best: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}

    def solve(start: int, left: int) -> tuple[int, tuple[int, ...]]:
        """(cost, cut points) of runs[start:] on ``left`` pages."""
        if left == 1:
            return sum(sizes[start:]) ** 2, ()
        if (start, left) not in best:
            best[(start, left)] = min(
                (sum(sizes[start:cut]) ** 2 + solve(cut, left - 1)[0], (cut, *solve(cut, left - 1)[1]))
                for cut in range(start + 1, len(runs) - left + 2))
        return best[(start, left)]

    _, cuts = solve(0, n_pages)
    bounds = (0, *cuts, len(runs))
    return tuple(tuple(q for run in runs[a:b] for q in run) for a, b in zip(bounds, bounds[1:]))


def answers_from_choices(question_set: str, choices: Mapping[str, object], unknown: object,
                         content: Content | None = None) -> dict[str, int | None]:
    """What a participant's widgets say, as answers: only statements of the set with a value
    the set allows, ``unknown`` (the 「わからない」 option) as None.  Anything else a client
    sent (a value that is no option, an unknown id, nothing chosen) is left out, never raised."""
    content = content or load()
    known = set(statement_ids(question_set, content))
    allowed = allowed_values(question_set)
    out: dict[str, int | None] = {}
    for qid, value in choices.items():
        if qid not in known or type(value) is not int:
            continue
        if value == unknown:
            out[qid] = None
        elif value in allowed:
            out[qid] = value
    return out


def allowed_values(question_set: str) -> tuple[int, ...]:
    return MYTH_VALUES if question_set == MYTHS else SCALE


def validate_role(role: object, content: Content | None = None) -> str:
    content = content or load()
    if role not in content.role_index:
        raise DxError("workshop.error.unknown_role", role=role, roles=" / ".join(r.id for r in content.roles))
    return str(role)


def validate_answers(question_set: str, raw: object, content: Content | None = None) -> dict[str, int | None]:
    """One participant's answers, checked against the workshop's set.

    Myth answers may also be given as JSON booleans.  Raises DxError naming every
    wrong id or value; returns a clean dict (at least one statement).
    """
    content = content or load()
    if not isinstance(raw, Mapping):
        raise DxError("workshop.error.answers_shape")
    ids = statement_ids(question_set, content)
    known = set(ids)
    allowed = allowed_values(question_set)
    unknown_ids = [str(q) for q in raw if q not in known]
    if unknown_ids:
        raise DxError("workshop.error.unknown_statement", ids=", ".join(unknown_ids),
                      set=question_set, valid=", ".join(ids))
    clean: dict[str, int | None] = {}
    bad: list[str] = []
    for qid in ids:
        if qid not in raw:
            continue
        value = raw[qid]
        if question_set == MYTHS and isinstance(value, bool):
            value = TRUE if value else FALSE
        if value is None or (type(value) is int and value in allowed):
            clean[qid] = value
        elif isinstance(value, float) and value.is_integer() and int(value) in allowed:
            clean[qid] = int(value)
        else:
            bad.append(f"{qid} = {value!r}")
    if bad:
        key = "workshop.error.bad_myth_value" if question_set == MYTHS else "workshop.error.bad_value"
        raise DxError(key, problems="; ".join(bad))
    if not clean:
        raise DxError("workshop.error.no_answers")
    return clean


def role_group(role: str, content: Content | None = None) -> str:
    content = content or load()
    found = content.role_index.get(role)
    return found.group if found and found.group in GROUPS else "other"


# the room ------------------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    """One participant's submitted answers (no token, no time: anonymous)."""

    role: str
    answers: Answers


@dataclass(frozen=True)
class Distribution:
    question_id: str
    counts: Mapping[int, int]  # value → people, every allowed value present
    unknown: int
    mean: float | None  # over the people who gave a value; None when nobody did

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def responses(self) -> int:
        return self.answered + self.unknown


@dataclass(frozen=True)
class Group:
    """Participants by role (``id`` a role id) or by role group (``id`` a group id)."""

    id: str
    count: int
    means: Mapping[str, float | None]
    result: Result | None  # None for the warm-up, or when not shown
    shown: bool  # big enough to show without identifying anyone


@dataclass(frozen=True)
class Gap:
    """A statement on which 幹部 and 現場 answer differently (means on the 1–5 scale)."""

    question_id: str
    executive: float
    frontline: float

    @property
    def difference(self) -> float:
        """Executives' mean minus the front line's: > 0 when the top agrees more."""
        return round(self.executive - self.frontline, 2)


@dataclass(frozen=True)
class MythTally:
    id: str
    true: int
    false: int
    unknown: int
    correct: int

    @property
    def responses(self) -> int:
        return self.true + self.false + self.unknown

    @property
    def correct_rate(self) -> float | None:
        """Share (0–100) of the people who answered this myth and got it right."""
        return round(100 * self.correct / self.responses, 1) if self.responses else None


@dataclass(frozen=True)
class Room:
    question_set: str
    participants: int
    statements: tuple[str, ...]
    distribution: tuple[Distribution, ...]
    means: Mapping[str, float | None]  # every statement of the set; None when nobody gave a value
    result: Result | None  # the room's pattern risks (None for the warm-up or an empty room)
    roles: tuple[Group, ...]  # by role id, roles with at least one participant
    groups: tuple[Group, ...]  # executive, frontline, other (always all three)
    gaps: tuple[Gap, ...]  # largest first; empty unless 幹部 and 現場 are both shown
    myths: tuple[MythTally, ...]  # the warm-up only
    min_group: int

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)

    def answers_for_history(self) -> dict[str, float | None]:
        """The room's mean answer per statement, as saved in the organisation's history."""
        return dict(self.means)

    @property
    def myth_score(self) -> float | None:
        """Mean number of myths a participant got right."""
        if not self.participants or not self.myths:
            return None
        return round(sum(m.correct for m in self.myths) / self.participants, 2)


@dataclass(frozen=True)
class Headcount:
    """How a room answered, counted: the form the store reads and the aggregate works on.

    ``answers[(role, statement, value)]`` is how many people of that role gave that
    value (``None`` = 「わからない」); ``people[role]`` how many of that role answered.
    Counting in the database keeps reading the room fast however many answered.
    """

    answers: Mapping[tuple[str, str, int | None], int]
    people: Mapping[str, int]


def headcount(responses: Sequence[Response]) -> Headcount:
    """Count individual responses (what the store does with GROUP BY)."""
    answers: dict[tuple[str, str, int | None], int] = {}
    people: dict[str, int] = {}
    for r in responses:
        if not r.answers:
            continue
        people[r.role] = people.get(r.role, 0) + 1
        for q, v in r.answers.items():
            answers[(r.role, q, v)] = answers.get((r.role, q, v), 0) + 1
    return Headcount(answers, people)


def _tables(count: Headcount, roles: set[str], ids: Sequence[str], allowed: Sequence[int]):
    """Per statement for these roles: ({value: people}, unknown, mean)."""
    counts = {q: dict.fromkeys(allowed, 0) for q in ids}
    unknown = dict.fromkeys(ids, 0)
    for (role, q, v), n in count.answers.items():
        if role not in roles or q not in counts:
            continue
        if v is None:
            unknown[q] += n
        else:
            counts[q][v] = counts[q].get(v, 0) + n
    means = {}
    for q in ids:
        given = sum(counts[q].values())
        # integer sums: the mean does not depend on the order answers came in
        means[q] = sum(v * n for v, n in counts[q].items()) / given if given else None
    return counts, unknown, means


def _scored(question_set: str, means: Mapping[str, float | None], content: Content) -> Result | None:
    if question_set == MYTHS:
        return None
    return score(means, question_set, content)


def aggregate(count: Headcount | Sequence[Response], question_set: str, content: Content | None = None,
              min_group: int = MIN_GROUP_SIZE, top_gaps: int = TOP_GAPS) -> Room:
    """Everything the projector shows about the room, from the counted answers (or the responses)."""
    content = content or load()
    if not isinstance(count, Headcount):
        count = headcount(count)
    ids = statement_ids(question_set, content)
    allowed = allowed_values(question_set)
    participants = sum(count.people.values())

    def group_of(gid: str, roles: set[str]) -> Group:
        size = sum(count.people.get(r, 0) for r in roles)
        shown = size >= max(1, min_group)
        means = _tables(count, roles, ids, allowed)[2]
        result = _scored(question_set, means, content) if size and shown else None
        return Group(gid, size, means, result, shown)

    all_roles = set(count.people)
    roles = tuple(group_of(r.id, {r.id}) for r in content.roles if count.people.get(r.id))
    groups = tuple(group_of(g, {r for r in all_roles if role_group(r, content) == g}) for g in GROUPS)
    counts, unknown, means = _tables(count, all_roles, ids, allowed)
    distribution = tuple(Distribution(q, counts[q], unknown[q], means[q]) for q in ids)

    execs, front = groups[0], groups[1]
    gaps: list[Gap] = []
    if question_set != MYTHS and execs.shown and front.shown and execs.count and front.count:
        for q in ids:
            a, b = execs.means[q], front.means[q]
            if a is not None and b is not None and round(abs(a - b), 2) > 0:
                gaps.append(Gap(q, round(a, 2), round(b, 2)))
        order = {q: i for i, q in enumerate(ids)}
        gaps.sort(key=lambda g: (-abs(g.difference), order[g.question_id]))
    myths: tuple[MythTally, ...] = ()
    if question_set == MYTHS:
        truth = {m.id: m.answer for m in content.myths}
        myths = tuple(MythTally(d.question_id, d.counts[TRUE], d.counts[FALSE], d.unknown,
                                d.counts[TRUE if truth[d.question_id] else FALSE]) for d in distribution)
    return Room(
        question_set=question_set,
        participants=participants,
        statements=ids,
        distribution=distribution,
        means=means,
        result=_scored(question_set, means, content) if participants else None,
        roles=roles,
        groups=groups,
        gaps=tuple(gaps[:top_gaps]),
        myths=myths,
        min_group=min_group,
    )


def history_role(people: Mapping[str, int]) -> str:
    """The role a closed workshop is saved under: the participants' shared role, else 'other'."""
    roles = [r for r, n in people.items() if n]
    return roles[0] if len(roles) == 1 else "other"


# tables for exports and the CLI -----------------------------------------------------

def _num(value: float | None, digits: int = 2):
    return None if value is None else round(value, digits)


def raw_rows(responses: Sequence[Response], question_set: str, unknown_label: str,
             content: Content | None = None) -> tuple[list[str], list[list]]:
    """(header, rows): one anonymous row per participant — a number, role, group, answers.

    A blank cell: not answered; ``unknown_label``: 「わからない」.  Myth answers read
    ``true`` / ``false``.
    """
    content = content or load()
    ids = statement_ids(question_set, content)
    header = ["participant", "role", "group", *ids]
    rows = []
    for n, r in enumerate((r for r in responses if r.answers), start=1):
        cells = []
        for q in ids:
            if q not in r.answers:
                cells.append(None)
            elif r.answers[q] is None:
                cells.append(unknown_label)
            elif question_set == MYTHS:
                cells.append("true" if r.answers[q] == TRUE else "false")
            else:
                cells.append(r.answers[q])
        rows.append([n, r.role, role_group(r.role, content), *cells])
    return header, rows


def statement_rows(room: Room) -> tuple[list[str], list[list]]:
    """(header, rows): per statement, how the room answered; the role groups' means, or
    for the warm-up how many got each myth right."""
    if room.question_set == MYTHS:
        header = ["statement", "responses", "n_true", "n_false", "n_unknown", "correct", "correct_rate"]
        return header, [[m.id, m.responses, m.true, m.false, m.unknown, m.correct, m.correct_rate]
                        for m in room.myths]
    header = ["statement", "responses", *(f"n_{v}" for v in SCALE), "n_unknown", "mean",
              *(f"mean_{g}" for g in GROUPS)]
    rows = []
    for d in room.distribution:
        rows.append([d.question_id, d.responses, *(d.counts[v] for v in SCALE), d.unknown, _num(d.mean),
                     *(_num(room.group(g).means[d.question_id]) if room.group(g).shown else None
                       for g in GROUPS)])
    return header, rows


def pattern_rows(room: Room, content: Content | None = None) -> tuple[list[str], list[list]]:
    """(header, rows): pattern risks of the room, each role and each role group."""
    content = content or load()
    pattern_ids = [p.id for p in content.patterns]
    header = ["scope", "id", "participants", "overall", *pattern_ids]
    rows = []
    if room.result is None:
        return header, rows

    def row(scope: str, gid: str, count: int, result: Result | None) -> list:
        if result is None:
            return [scope, gid, count, None, *([None] * len(pattern_ids))]
        return [scope, gid, count, result.overall, *(result.pattern(p).risk for p in pattern_ids)]

    rows.append(row("room", "all", room.participants, room.result))
    rows.extend(row("group", g.id, g.count, g.result) for g in room.groups)
    rows.extend(row("role", g.id, g.count, g.result) for g in room.roles)
    return header, rows


def room_to_dict(room: Room) -> dict:
    """The CLI's ``workshop results``: participants, patterns, roles, groups, gaps."""

    def patterns(result: Result | None) -> list[dict] | None:
        if result is None:
            return None
        return [{"id": p.id, "risk": p.risk, "band": p.band} for p in result.patterns]

    def group(g: Group) -> dict:
        return {"count": g.count, "shown": g.shown, "patterns": patterns(g.result),
                "overall": g.result.overall if g.result else None}

    out = {
        "question_set": room.question_set,
        "participants": room.participants,
        "overall": room.result.overall if room.result else None,
        "patterns": patterns(room.result) or [],
        "roles": {g.id: group(g) for g in room.roles},
        "groups": {g.id: group(g) for g in room.groups},
        "gaps": [{"id": g.question_id, "executive": g.executive, "frontline": g.frontline,
                  "difference": g.difference} for g in room.gaps],
        "statements": [{"id": d.question_id, "counts": {str(k): v for k, v in d.counts.items()},
                        "unknown": d.unknown, "mean": _num(d.mean)} for d in room.distribution],
    }
    if room.question_set == MYTHS:
        out["myths"] = [{"id": m.id, "true": m.true, "false": m.false, "unknown": m.unknown,
                         "correct": m.correct, "correct_rate": m.correct_rate} for m in room.myths]
        out["myth_score"] = room.myth_score
    return out
