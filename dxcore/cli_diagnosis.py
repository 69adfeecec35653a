"""CLI: organisations, the questionnaire, diagnoses, history and the demo."""

from __future__ import annotations

from dataclasses import asdict

from dxcore import advice as advice_mod
from dxcore import demo, history, scoring
from dxcore.cli import Out, read_json, short_list, shown
from dxcore.content import QUESTION_SETS, load
from dxcore.errors import DxError
from dxcore.exports import csv_bytes
from dxcore.i18n import pick
from dxcore.store import get_engine, repo


def register(sub) -> None:
    org = sub.add_parser("org", help="organisations").add_subparsers(dest="org_command", required=True)
    p = org.add_parser("add", help="register an organisation")
    p.add_argument("--name", required=True)
    p.add_argument("--code", help="全国地方公共団体コード (6 digits, check digit validated)")
    p.add_argument("--prefecture")
    p.set_defaults(func=org_add)
    org.add_parser("list", help="list organisations").set_defaults(func=org_list)

    p = sub.add_parser("questionnaire", help="print the questionnaire")
    p.add_argument("--set", dest="question_set", choices=QUESTION_SETS, default="full")
    p.set_defaults(func=questionnaire)

    p = sub.add_parser("diagnose", help="score answers (and optionally save them)")
    p.add_argument("answers", help='JSON file {"answers": {question_id: 1..5 or null}} ("-" for stdin)')
    p.add_argument("--save", action="store_true")
    p.add_argument("--org", help="code or name (with --save)")
    p.add_argument("--role", help="respondent role (with --save)")
    p.set_defaults(func=diagnose)

    p = sub.add_parser("history", help="saved diagnoses of an organisation")
    p.add_argument("--org", required=True)
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(func=history_cmd)

    sub.add_parser("demo", help="load the demo municipality (idempotent)").set_defaults(func=demo_cmd)


def org_add(args) -> Out:
    org = repo.create_org(get_engine(), args.name, args.code, args.prefecture)
    return Out(asdict(org))


def org_list(args) -> Out:
    return Out([asdict(o) for o in repo.list_orgs(get_engine())])


def questionnaire(args) -> Out:
    c, lang = load(), args.lang
    wanted = set(c.question_ids(args.question_set))
    return Out({
        "set": args.question_set,
        "version": c.version,
        "scale": {"options": [{"value": o.value, "label": pick(o.label, lang)} for o in c.scale],
                  "unknown": {"value": None, "label": pick(c.unknown, lang)}},
        "patterns": [
            {"id": p.id, "title": pick(p.title, lang), "hint": pick(p.hint, lang),
             "levels": {band: pick(text, lang) for band, text in p.levels.items()},
             "questions": [{"id": q.id, "text": pick(q.text, lang), "reverse": q.reverse, "cause": q.cause}
                           for q in p.questions if q.id in wanted]}
            for p in c.patterns
        ],
    })


def _role(raw: str | None) -> str:
    """A role by id or by its name in either language."""
    for r in load().roles:
        if raw in (r.id, r.name["ja"], r.name["en"]):
            return r.id
    raise DxError("diagnosis.error.unknown_role", role=raw)


def answers_file(path: str, lang: str, bare: bool = False) -> dict[str, int | None]:
    """The answers in a JSON file ({"answers": {id: 1..5 | null}}; with ``bare`` the mapping
    alone also does), checked by the one rule of the questionnaire
    (:func:`dxcore.scoring.validate_answers`): ``diagnose`` and ``workshop answer`` both
    read answers through here.  A long list of wrong ids stays short in the message."""
    doc = read_json(path)
    if bare and isinstance(doc, dict) and not isinstance(doc.get("answers"), dict):
        doc = {"answers": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise DxError("cli.error.answers_shape", path=path)
    try:
        answers = scoring.validate_answers(doc["answers"])
    except scoring.AnswerError as e:
        raise DxError("cli.error.bad_answers", problems=short_list(
            (f"{shown(q)[1:-1]} = {shown(v)}" for q, v, _ in e.problems), lang)) from None
    if not answers:
        raise DxError("diagnosis.error.no_answers")
    return answers


def diagnose(args) -> Out:
    answers = answers_file(args.answers, args.lang)
    result = scoring.score(answers)
    out = scoring.result_to_dict(result)
    out["advice"] = advice_mod.advice_to_dict(advice_mod.advise(result), lang=args.lang)
    if args.save:
        if not args.org or not args.role:
            raise DxError("cli.error.save_needs_org_role")
        engine = get_engine()
        org = repo.require_org(engine, args.org)
        out["saved"] = {"id": repo.save_diagnosis(engine, org.id, answers, _role(args.role),
                                                  question_set=result.question_set), "org": org.name}
    return Out(out)


def history_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    header, rows = history.rows(history.entries(repo.list_diagnoses(engine, org.id)))
    if args.format == "csv":
        return Out(csv=csv_bytes(header, rows))
    return Out([dict(zip(header, r)) for r in rows])


def demo_cmd(args) -> Out:
    org = demo.load_demo(get_engine())
    return Out({**asdict(org), "diagnoses": repo.count_diagnoses(get_engine(), org.id)})
