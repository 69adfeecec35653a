"""成果報告: a report on one organisation and one period, for executives and the council,
as an editable PowerPoint deck or an Excel workbook.

    inputs = gather.inputs(engine, org, lang)             # read once
    report = build(inputs, period, sections, lang)       # what it says (pure)
    data = render(report, "pptx")                        # how it looks

:mod:`dxcore.report.model` holds the pieces (periods, sections, pages, charts, tables),
:mod:`dxcore.report.build` computes them, :mod:`dxcore.report.slides` and
:mod:`dxcore.report.workbook` write the files.
"""

from __future__ import annotations

from dxcore.report.build import Inputs, build, choices, default_period, summary
from dxcore.report.model import FORMATS, MIME, SECTIONS, Period, Report, parse_sections

__all__ = ["FORMATS", "MIME", "SECTIONS", "Inputs", "Period", "Report", "build", "choices", "default_period", "parse_sections",
           "render", "summary"]


def render(report: Report, fmt: str) -> bytes:
    """The report's file in ``fmt`` (pptx or xlsx)."""
    if fmt == "pptx":
        from dxcore.report.slides import pptx_bytes

        return pptx_bytes(report)
    if fmt == "xlsx":
        from dxcore.report.workbook import xlsx_bytes

        return xlsx_bytes(report)
    raise ValueError(fmt)
