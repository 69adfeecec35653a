"""CLI of the 成果報告:

    python -m dxcore report --org CODE_OR_NAME [--fy 2025 | --from 2025-04 --to 2025-09]
                            --format pptx|xlsx [--sections cover,summary,kpi_cards] [--wareki] -o FILE

Without a period, the 年度 of the newest data.  Prints {path, bytes, org, period, sections,
summary}.  An unknown organisation or section, a period without data, or a file that
cannot be written: one sentence on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

from dxcore import report, sheets
from dxcore.cli import Out
from dxcore.errors import DxError
from dxcore.report import gather
from dxcore.store import get_engine, repo


def register(sub) -> None:
    p = sub.add_parser("report", help="成果報告: a PowerPoint or Excel report for one organisation and period")
    p.add_argument("--org", required=True, help="code or name")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--fy", type=int, metavar="YEAR", help="a 年度 (April–March), e.g. 2025")
    when.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (with --to)")
    p.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month (with --from)")
    p.add_argument("--format", choices=report.FORMATS, required=True)
    p.add_argument("--sections", nargs="+", metavar="SECTION",
                   help=f"some of: {', '.join(report.SECTIONS)} (default: all)")
    p.add_argument("--wareki", action="store_true", help="年度 and months in 和暦 (令和7年度)")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.set_defaults(func=report_cmd)


def _month(raw: str):
    month, problem = sheets.parse_month(raw)
    if problem:
        raise DxError("kpi.error.bad_month_option", value=raw)
    return month


def period_of(args, inputs: report.Inputs) -> report.Period:
    if args.fy is not None:
        if args.end is not None:
            raise DxError("report.error.from_to_pair")
        return report.Period.fiscal(args.fy)
    if args.start is None and args.end is None:
        return report.default_period(inputs)
    if args.start is None or args.end is None:
        raise DxError("report.error.from_to_pair")
    return report.Period.months_between(_month(args.start), _month(args.end))


def report_cmd(args) -> Out:
    sections = report.parse_sections(args.sections)
    engine = get_engine()
    org = repo.require_org(engine, args.org)
    inputs = gather.inputs(engine, org, args.lang)
    period = period_of(args, inputs)
    built = report.build(inputs, period, sections, args.lang, args.wareki)
    data = report.render(built, args.format)
    try:
        Path(args.output).write_bytes(data)
    except OSError as e:
        raise DxError("report.error.unwritable", path=args.output, reason=e.strerror or str(e)) from None
    return Out({"path": args.output, "bytes": len(data), "org": org.name, "period": built.period_label,
                "from": f"{period.start:%Y-%m}", "to": f"{period.end:%Y-%m}", "sections": list(sections),
                "summary": list(built.summary)})
