"""CLI: the restart plan of an organisation (``python -m dxcore plan --org 千代田区``)."""

from __future__ import annotations

from dxcore import plan
from dxcore.cli import Out
from dxcore.exports import csv_bytes
from dxcore.store import get_engine, repo, repo_plan


def register(sub) -> None:
    p = sub.add_parser("plan", help="the restart plan: steps, checklist items, progress (JSON or CSV)")
    p.add_argument("--org", required=True, help="code or name")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(func=plan_cmd)


def plan_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    current = repo_plan.load_plan(engine, org.id)
    if args.format == "csv":
        return Out(csv=csv_bytes(*plan.export_rows(current, args.lang)))
    return Out(plan.to_dict(current, args.lang))
