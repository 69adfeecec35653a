"""CLI: live workshops — create one, record a paper answer sheet, read the room, close it."""

from __future__ import annotations

import secrets

from dxcore import workshop as ws
from dxcore.cli import Out, integer, read_json
from dxcore.cli_diagnosis import _role as role_id
from dxcore.cli_diagnosis import answers_file
from dxcore.exports import csv_bytes
from dxcore.store import get_engine, repo
from dxcore.store import repo_workshop as wrepo


def register(sub) -> None:
    w = sub.add_parser("workshop", help="live workshops").add_subparsers(dest="workshop_command", required=True)
    p = w.add_parser("create", help="create a workshop and print its join code")
    p.add_argument("--org", required=True, help="organisation: code or name")
    p.add_argument("--set", dest="question_set", choices=ws.SETS, required=True,
                   help="pulse (7 statements), full, or myths (true/false warm-up)")
    p.add_argument("--title", required=True)
    p.add_argument("--limit", type=integer, default=None, help="most participants allowed (default: no limit)")
    p.set_defaults(func=create)

    p = w.add_parser("answer", help="record one participant's answers (e.g. from a paper sheet)")
    p.add_argument("code", help="join code")
    p.add_argument("answers", help='JSON file {"answers": {id: 1..5 | true/false | null}} ("-" for stdin)')
    p.add_argument("--role", required=True, help="executive / dx_office / frontline / it / other")
    p.set_defaults(func=answer)

    p = w.add_parser("results", help="the room so far: participants, pattern risks, roles")
    p.add_argument("code", help="join code")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(func=results)

    p = w.add_parser("close", help="close the workshop and save the room to the organisation's history")
    p.add_argument("code", help="join code")
    p.set_defaults(func=close)


def _describe(record: wrepo.WorkshopRecord, org_name: str) -> dict:
    out = {"code": record.code, "join_path": ws.join_path(record.code), "title": record.title,
           "set": record.question_set, "org": org_name, "max_participants": record.max_participants,
           "status": "open" if record.is_open else "closed"}
    base = ws.public_url_from_env()
    if base:
        out["join_url"] = ws.join_url(base, record.code)
    return out


def create(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    record = wrepo.create_workshop(engine, org.id, args.title, args.question_set, args.limit)
    return Out(_describe(record, org.name))


def answer(args) -> Out:
    engine = get_engine()
    record = wrepo.require_open(engine, args.code)  # say so before reading the file
    if record.question_set == ws.MYTHS:  # true/false statements: the workshop's own rule
        doc = read_json(args.answers)
        if isinstance(doc, dict) and isinstance(doc.get("answers"), dict):
            doc = doc["answers"]
    else:  # the questionnaire: checked exactly as `diagnose` checks it, then against the set
        doc = answers_file(args.answers, args.lang, bare=True)
    done = wrepo.submit(engine, record.code, secrets.token_urlsafe(24), role_id(args.role), doc)
    n = wrepo.counts(engine, record.id)
    return Out({"code": record.code, "answers": done.answers, "participants": n.answered})


def results(args) -> Out:
    engine = get_engine()
    live = wrepo.live(engine, args.code, min_group=1)  # the facilitator sees every group
    if args.format == "csv":
        header, rows = (ws.statement_rows(live.room) if live.workshop.question_set == ws.MYTHS
                        else ws.pattern_rows(live.room))
        return Out(csv=csv_bytes(header, rows))
    org = repo.get_org(engine, live.workshop.org_id)
    return Out({**_describe(live.workshop, org.name if org else ""), "joined": live.counts.joined,
                **ws.room_to_dict(live.room)})


def close(args) -> Out:
    engine = get_engine()
    done = wrepo.close(engine, args.code)
    if done.source is None and done.workshop.saves_diagnosis and not done.participants:
        note = "nothing_to_save"
    else:
        note = done.source or "warm_up_not_saved"
    return Out({"code": done.workshop.code, "closed": True, "participants": done.participants,
                "diagnosis_id": done.diagnosis_id, "saved": note})

