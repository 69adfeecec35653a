"""CLI of the monthly KPI area: the template, imports, computed KPIs, upload history.

    python -m dxcore template OUT.xlsx
    python -m dxcore import FILE --org CODE_OR_NAME [--dry-run]
    python -m dxcore kpis --org CODE_OR_NAME [--from 2025-04] [--to 2026-03] [--department 市民課] [--format csv]
    python -m dxcore uploads --org CODE_OR_NAME
    python -m dxcore undo UPLOAD_ID --org CODE_OR_NAME

``import`` prints {rows, new, changed, unchanged, errors: [{sheet, row, column, value,
message}]} and exits 0 when imported (or valid, with --dry-run), 1 when the file has
errors (nothing is written), 2 for usage errors.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from dxcore import kpi, limits, sandbox, sheets
from dxcore.cli import Out, integer, read_limited
from dxcore.errors import DxError
from dxcore.exports import csv_bytes
from dxcore.store import get_engine, repo, repo_kpi

EXIT_FILE_ERRORS = 1


def register(sub) -> None:
    p = sub.add_parser("template", help="write the monthly KPI template (.xlsx)")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--org", help="code or name: include its own KPI columns")
    p.set_defaults(func=template_cmd)

    p = sub.add_parser("import", help="check and import a monthly KPI spreadsheet (.xlsx or .csv)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--org", required=True, help="code or name")
    p.add_argument("--dry-run", action="store_true", help="check and compare only; write nothing")
    p.set_defaults(func=import_cmd)

    p = sub.add_parser("kpis", help="computed monthly KPIs")
    p.add_argument("--org", required=True, help="code or name")
    p.add_argument("--from", dest="start", metavar="YYYY-MM")
    p.add_argument("--to", dest="end", metavar="YYYY-MM")
    p.add_argument("--department", help="one department (default: all together)")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(func=kpis_cmd)

    p = sub.add_parser("uploads", help="the KPI upload history of an organisation (newest first)")
    p.add_argument("--org", required=True, help="code or name")
    p.set_defaults(func=uploads_cmd)

    p = sub.add_parser("undo", help="undo a KPI upload (restores the values it replaced)")
    p.add_argument("upload_id", type=integer, metavar="UPLOAD_ID")
    p.add_argument("--org", required=True, help="code or name")
    p.set_defaults(func=undo_cmd)


def template_cmd(args) -> Out:
    from dxcore.template import template_bytes

    engine = get_engine() if args.org else None
    cat = repo_kpi.catalogue_for(engine, repo.require_org(engine, args.org).id) if args.org else kpi.catalogue()
    data = template_bytes(cat, args.lang)
    try:
        Path(args.out).write_bytes(data)
    except OSError as e:
        raise DxError("kpi.error.file_missing", path=args.out, reason=e.strerror or str(e)) from None
    return Out({"path": args.out, "bytes": len(data), "measures": [m.id for m in cat.measures]})


def import_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    name = Path(args.file).name
    try:
        data = read_limited(args.file, limits.MAX_FILE_BYTES)  # the size first: never reads more
    except DxError as e:
        raise DxError("kpi.error.file_missing", path=args.file, reason=e.params.get("reason", "")) from None
    if data is None:
        parsed = sheets.refused(limits.Refused("too_big", limit=limits.mb(limits.MAX_FILE_BYTES)), name)
    else:  # read in a child process with limits, as on the upload page
        parsed = sandbox.parse_upload(data, name, repo_kpi.custom_kpis(engine, org.id))
    pre = repo_kpi.preview(engine, org.id, parsed)
    out = pre.summary(args.lang)
    out["org"] = org.name
    if not pre.ok:
        out["imported"] = False
        return Out(out, code=EXIT_FILE_ERRORS)
    if args.dry_run:
        out["imported"] = False
        out["dry_run"] = True
        return Out(out)
    done = repo_kpi.apply(engine, pre, source="cli")
    out.update(new=done.new, changed=done.changed, unchanged=done.unchanged, imported=done.upload is not None,
               upload_id=done.upload.id if done.upload else None)
    if done.upload is None:
        out["note"] = DxError("kpi.import.nothing_new").message(args.lang)
    return Out(out)


def _month(raw: str | None, option: str):
    if raw is None:
        return None
    month, problem = sheets.parse_month(raw)
    if problem:
        raise DxError("kpi.error.bad_month_option", value=raw)
    return month


def kpis_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    start, end = _month(args.start, "--from"), _month(args.end, "--to")
    if args.department is not None:
        known = repo_kpi.departments(engine, org.id)
        if args.department not in known:
            raise DxError("kpi.error.unknown_department", value=args.department, known="、".join(known) or "—")
    values = repo_kpi.load_values(engine, org.id)
    monthly = kpi.monthly(values, repo_kpi.catalogue_for(engine, org.id), repo_kpi.settings(engine, org.id),
                          department=args.department)
    if start is not None:
        monthly = monthly[monthly["month"].dt.date >= start]
    if end is not None:
        monthly = monthly[monthly["month"].dt.date <= end]
    monthly = monthly.sort_values(["month", "kpi"], kind="stable")
    rows = kpi.values_to_json(monthly)
    if args.format == "csv":
        return Out(csv=csv_bytes(["month", "kpi", "value"], [[r["month"], r["kpi"], r["value"]] for r in rows]))
    return Out(rows)


def uploads_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    return Out([asdict(u) for u in repo_kpi.list_uploads(engine, org.id)])


def undo_cmd(args) -> Out:
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    return Out(asdict(repo_kpi.undo(engine, org.id, args.upload_id)))
