"""The report as an Excel workbook (openpyxl): a summary sheet, then one sheet per section
with its tables and native Excel charts drawn from data on the same sheet.

Numbers are cells with number formats (rates as fractions shown as %), dates are dates,
and every text goes through :func:`dxcore.exports.safe_cell`, so no cell can start a formula.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, RadarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dxcore.exports import safe_cell
from dxcore.i18n import t
from dxcore.report.model import Card, Chart, Page, Report, Section, Table, Valued
from dxcore.report.slides import PALETTE, STYLE_COLOURS

TITLE = Font(bold=True, size=16)
MESSAGE = Font(bold=True, size=12)
HEAD = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="0072B2")
NOTE = Font(italic=True, color="666666")
WRAP = Alignment(wrap_text=True, vertical="top")
SUMMARY_WIDTH = 110  # the summary sheet's text column, in Excel's column units
CHART_ROWS = 18  # rows a chart covers (7.5 cm at the default row height)
CHART_COL = 8  # charts start in column H, right of the data
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def xlsx_bytes(report: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(t("report.xlsx.summary_sheet", report.lang), set())
    _summary(ws, report)
    _print_setup(ws)
    names = {ws.title}
    for section in report.sections:
        if section.id in ("cover", "summary"):
            continue  # both are the summary sheet
        sheet = wb.create_sheet(_sheet_name(section.title, names))
        names.add(sheet.title)
        _section(sheet, section, report.lang)
        _print_setup(sheet)
    wb.properties.title = report.title
    wb.properties.language = "ja-JP" if report.lang == "ja" else "en-US"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _print_setup(ws) -> None:
    """Landscape, as wide as one page (charts sit right of their data)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _sheet_name(title: str, taken: set[str]) -> str:
    base = SHEET_NAME.sub("・", title)[:28]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _put(ws, row: int, col: int, value, font: Font | None = None, fmt: str | None = None):
    if isinstance(value, Valued):
        value, fmt = value.value, value.fmt
    cell = ws.cell(row=row, column=col, value=safe_cell(value))
    if font is not None:
        cell.font = font
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt
    elif isinstance(value, date):
        cell.number_format = "yyyy/mm/dd"
    return cell


def _summary(ws, r: Report) -> None:
    lang = r.lang
    _put(ws, 1, 1, r.title, TITLE)
    rows = [(t("report.xlsx.org", lang), r.org), (t("report.xlsx.period", lang), r.period_label),
            (t("report.xlsx.range", lang), f"{r.period.start:%Y-%m} – {r.period.end:%Y-%m}"),
            (t("report.xlsx.created", lang), r.created)]
    for i, (k, v) in enumerate(rows, start=3):
        _put(ws, i, 1, k, Font(bold=True))
        _put(ws, i, 2, v)
    row = len(rows) + 4
    cover = next((s for s in r.sections if s.id == "cover"), None)
    if any(s.id == "summary" for s in r.sections):
        _put(ws, row, 1, t("report.section.summary", lang), MESSAGE)
        row += 1
        for n, sentence in enumerate(r.summary, start=1):
            _put(ws, row, 1, n).alignment = WRAP  # at the top of its sentence
            _put(ws, row, 2, sentence).alignment = WRAP
            _tall_enough(ws, row, sentence, SUMMARY_WIDTH)
            row += 1
        if not r.summary:
            _put(ws, row, 2, t("report.empty.summary", lang), NOTE)
            row += 1
        _put(ws, row, 2, t("report.summary.note", lang), NOTE).alignment = WRAP
        _tall_enough(ws, row, t("report.summary.note", lang), SUMMARY_WIDTH)
        row += 2
    _put(ws, row, 1, t("report.xlsx.contents", lang), MESSAGE)
    row += 1
    for s in r.sections:
        if s is cover or s.id == "summary":
            continue
        _put(ws, row, 1, s.title, Font(bold=True))
        message = s.pages[0].message if s.pages else s.empty
        _put(ws, row, 2, message).alignment = WRAP
        _tall_enough(ws, row, message, SUMMARY_WIDTH)
        row += 1
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = SUMMARY_WIDTH


def _section(ws, s: Section, lang: str) -> None:
    _put(ws, 1, 1, s.title, TITLE)
    row = 3
    if not s.pages:
        _put(ws, row, 1, s.empty, NOTE)
        ws.column_dimensions["A"].width = 100
        return
    widths: dict[int, float] = {}
    for page in s.pages:
        row = _page(ws, page, row, lang, widths) + 2
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(10, min(60, w))


def _page(ws, page: Page, row: int, lang: str, widths: dict[int, float]) -> int:
    _put(ws, row, 1, page.message, MESSAGE)
    row += 1
    for b in page.bullets:
        _put(ws, row, 1, b)
        row += 1
    if page.cards and page.table is None:  # a table with the cards' numbers says it all
        row = _cards(ws, page.cards, row, lang, widths) + 1
    if page.table is not None:
        row = _table(ws, page.table, row, widths) + 1
    if page.chart is not None:
        row = _chart(ws, page.chart, row, widths) + 1
    if page.note:
        _put(ws, row, 1, page.note, NOTE)
        row += 1
    return row


def _units(text: str) -> int:
    """Width in Excel's column units: a wide (CJK) character takes two, others one."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _note_width(widths: dict[int, float], col: int, value) -> None:
    text = str(value.value if isinstance(value, Valued) else value if value is not None else "")
    widths[col] = max(widths.get(col, 0), min(60, 2 + _units(text)))


def _tall_enough(ws, row: int, text: str, width: int) -> None:
    """A wrapped cell's row as tall as its lines: office programs do not size a row by its
    wrapped text on opening, and would show only the first line."""
    lines = max(1, math.ceil(_units(text) / (width - 2)))
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def _table(ws, table: Table, row: int, widths: dict[int, float]) -> int:
    for c, head in enumerate(table.header, start=1):
        cell = _put(ws, row, c, head, HEAD)
        cell.fill = HEAD_FILL
        _note_width(widths, c, head)
    for values in table.rows:
        row += 1
        for c, value in enumerate(values, start=1):
            cell = _put(ws, row, c, value, fmt=table.format_of(c - 1))
            if isinstance(value, str) and len(value) > 40:
                cell.alignment = WRAP
            _note_width(widths, c, value)
    return row + 1


def _cards(ws, cards: tuple[Card, ...], row: int, lang: str, widths: dict[int, float]) -> int:
    head = Table((t("report.col.kpi", lang), t("report.col.value", lang), t("report.col.notes", lang)),
                 tuple((c.name, Valued(c.value, c.number_format), " / ".join(c.lines)) for c in cards))
    return _table(ws, head, row, widths)


def _chart(ws, c: Chart, row: int, widths: dict[int, float]) -> int:
    """The chart's data as a block (categories down column A, a column per series, the
    point labels of a marker series after them), and the chart drawn from it."""
    top = row
    _put(ws, row, 1, c.category_title or c.title, HEAD).fill = HEAD_FILL
    for j, s in enumerate(c.series, start=2):
        _put(ws, row, j, s.name, HEAD).fill = HEAD_FILL
        _note_width(widths, j, s.name)
    labelled = [s for s in c.series if s.labels]
    label_col = len(c.series) + 2
    if labelled:
        _put(ws, row, label_col, labelled[0].name, HEAD).fill = HEAD_FILL
    for i, cat in enumerate(c.categories):
        r = row + 1 + i
        _put(ws, r, 1, cat)
        _note_width(widths, 1, cat)
        for j, s in enumerate(c.series, start=2):
            _put(ws, r, j, s.values[i], fmt=c.number_format)
        if labelled and i in labelled[0].labels:
            _put(ws, r, label_col, labelled[0].labels[i])
            _note_width(widths, label_col, labelled[0].labels[i])
    last = row + len(c.categories)
    chart = _native(c)
    data = Reference(ws, min_col=2, max_col=1 + len(c.series), min_row=top, max_row=last)
    chart.add_data(data, titles_from_data=True)
    categories = Reference(ws, min_col=1, min_row=top + 1, max_row=last)
    for series in chart.series:  # text categories: a string reference, as Excel writes it
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    _style(chart, c)
    ws.add_chart(chart, f"{get_column_letter(max(CHART_COL, label_col + 2))}{top}")
    return max(last, top + CHART_ROWS) + 1


def _native(c: Chart):
    if c.kind == "line":
        chart = LineChart()
    elif c.kind == "radar":
        chart = RadarChart()
        chart.type = "marker"
    else:
        chart = BarChart()
        chart.type = "col" if c.kind == "column" else "bar"
        if c.kind == "stacked_bar":
            chart.grouping, chart.overlap = "stacked", 100
    chart.title = c.title
    chart.width, chart.height = 18, 9
    chart.y_axis.number_format = c.number_format
    if c.axis_min is not None:
        chart.y_axis.scaling.min = c.axis_min
    if c.axis_max is not None:
        chart.y_axis.scaling.max = c.axis_max
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if c.kind in ("bar", "stacked_bar"):
        chart.x_axis.scaling.orientation = "maxMin"  # read from the top, as the table does
    chart.legend.position = "b"
    return chart


def _style(chart, c: Chart) -> None:
    main = 0
    for ps, s in zip(chart.series, c.series):
        colour = STYLE_COLOURS.get(s.style)
        if colour is None:
            colour, main = PALETTE[main % len(PALETTE)], main + 1
        props = ps.graphicalProperties
        if c.kind in ("line", "radar"):
            ps.smooth = False
            if s.style == "marker":
                props.line.noFill = True
                ps.marker.symbol, ps.marker.size = "diamond", 10
                ps.marker.graphicalProperties.solidFill = colour
                ps.marker.graphicalProperties.line.solidFill = colour
            else:
                props.line.solidFill = colour
                props.line.width = 28575  # 2.25 pt
                if s.style == "target":
                    props.line.dashStyle = "dash"
                    ps.marker.symbol = "none"
        else:
            props.solidFill = colour
            props.line.solidFill = colour
    if c.kind in ("bar", "column", "stacked_bar") and len(c.series) * len(c.categories) <= 24:
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showVal = True
        chart.dataLabels.numFmt = c.number_format
