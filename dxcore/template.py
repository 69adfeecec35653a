"""The monthly KPI template (.xlsx, written with openpyxl).

Sheet 「月次データ」: 年月, 部署, 業務名, then one column per raw measure (and the
organisation's own KPIs), grouped and coloured by theme (業務・住民サービス・庁内・改善),
with data validation (年月 as a date, numbers ≥ 0, whole numbers for counts, 1–5 for
satisfaction), a frozen header, a note on every header and an input hint per column that
says what to count and whether it is a month-end count.  A second sheet explains how to
fill it in, column by column under their themes, with the KPIs each column feeds; a third
lists the KPIs with their definitions, better direction, the columns they use and the
restart steps whose results they show.
Data headers stay Japanese in both languages (the importer reads both ja and ids).
"""

from __future__ import annotations

import io

from dxcore.i18n import join_list, pick, t
from dxcore.kpi import MEASURE_GROUPS, Catalogue, Measure, catalogue, unit_label
from dxcore.sheets import SHEET

ROWS = 2000  # rows prepared with validation (more can be added; the importer reads them all)
KEY_HEADERS = ("年月", "部署", "業務名")
HEADER_FILL = "DCE6F0"
KEY_FILL = "FDEBD0"
GROUP_FILLS = {"work": "DCE6F0", "residents": "E2EFDA", "internal": "FFF2CC", "improvement": "EDE2F6",
               "own": "EDEDED"}


def template_bytes(cat: Catalogue | None = None, lang: str = "ja") -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cat = cat or catalogue()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = list(KEY_HEADERS) + [m.header for m in cat.measures]
    ws.append(headers)
    bold = Font(bold=True)
    fills = [KEY_FILL] * len(KEY_HEADERS) + [GROUP_FILLS.get(m.group, HEADER_FILL) for m in cat.measures]
    for j, (cell, fill) in enumerate(zip(ws[1], fills), start=1):
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = PatternFill("solid", fgColor=fill)
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(18, len(str(cell.value)) + 4))
    for m, cell in zip(cat.measures, ws[1][len(KEY_HEADERS):]):
        cell.comment = Comment(column_note(m, cat, lang), "行政DX 再起動ナビ", width=320, height=160)
    ws.row_dimensions[1].height = 64
    ws.freeze_panes = "D2"
    last = ROWS + 1

    def rng(j: int) -> str:
        col = get_column_letter(j)
        return f"{col}2:{col}{last}"

    month = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2099,12,31)",
                           errorStyle="warning", allow_blank=True, showErrorMessage=True, showInputMessage=True,
                           promptTitle=t("kpi.template.month_title", lang)[:32],
                           prompt=t("kpi.template.month_prompt", lang)[:255],
                           errorTitle=t("kpi.template.month_title", lang)[:32],
                           error=t("kpi.template.month_error", lang)[:255])
    month.add(rng(1))
    text = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="100", allow_blank=True,
                          showInputMessage=True, promptTitle=t("kpi.template.dept_title", lang)[:32],
                          prompt=t("kpi.template.dept_prompt", lang)[:255])
    text.add(rng(2))
    text.add(rng(3))
    for dv in (month, text):
        ws.add_data_validation(dv)
    # a column style, not 2,000 formatted cells: the sheet stays empty, so rows appended
    # by a script (openpyxl's ws.append) land on row 2
    ws.column_dimensions["A"].number_format = "yyyy-mm"
    for j, m in enumerate(cat.measures, start=len(KEY_HEADERS) + 1):
        if m.kind == "score":
            dv = DataValidation(type="decimal", operator="between", formula1="1", formula2="5")
            err = t("kpi.template.score_error", lang)
        elif m.kind == "count":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
            err = t("kpi.template.count_error", lang)
        else:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            err = t("kpi.template.number_error", lang)
        dv.allow_blank = True
        dv.showErrorMessage = dv.showInputMessage = True
        dv.errorStyle = "stop"
        dv.promptTitle = pick(m.name, lang)[:32]
        dv.prompt = ((t("kpi.template.stock_hint", lang) if m.stock else "") + pick(m.help, lang)
                     + t("kpi.template.blank_hint", lang))[:255]
        dv.errorTitle = pick(m.name, lang)[:32]
        dv.error = err[:255]
        dv.add(rng(j))
        ws.add_data_validation(dv)

    guide = wb.create_sheet(t("kpi.template.guide_sheet", lang))
    guide.column_dimensions["A"].width = 110
    guide.append([t("kpi.template.guide_title", lang)])
    guide["A1"].font = Font(bold=True, size=14)
    for key in GUIDE:
        guide.append([t(f"kpi.template.{key}", lang)])
    guide.append([])
    guide.append([t("kpi.template.columns_title", lang)])
    guide.cell(guide.max_row, 1).font = bold
    for group in MEASURE_GROUPS:
        members = [m for m in cat.measures if m.group == group]
        if not members:
            continue
        guide.append([t(f"kpi.template.group_{group}", lang)])
        guide.cell(guide.max_row, 1).font = bold
        guide.cell(guide.max_row, 1).fill = PatternFill("solid", fgColor=GROUP_FILLS[group])
        for m in members:
            guide.append([column_note(m, cat, lang, with_header=True)])
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    sheet = wb.create_sheet(t("kpi.template.kpi_sheet", lang))
    cols = [t(f"kpi.template.kpi_col_{c}", lang)
            for c in ("id", "name", "unit", "direction", "formula", "columns", "steps")]
    sheet.append(cols)
    for cell in sheet[1]:
        cell.font = bold
    headers = {m.id: m.header for m in cat.measures}
    for k in cat.kpis:
        sheet.append([k.id, pick(k.name, lang), unit_label(k.unit, lang) if not k.custom else k.unit,
                      t(f"kpi.direction.{k.direction}", lang), pick(k.formula, lang),
                      "、".join(headers[i] for i in k.inputs), " ".join(k.steps)])
    sheet.append([])
    sheet.append([t("kpi.template.aggregation_note", lang)])
    for col, width in zip("ABCDEFG", (24, 28, 12, 16, 90, 36, 14)):
        sheet.column_dimensions[col].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    wb.properties.creator = "行政DX 再起動ナビ"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GUIDE = tuple(f"guide_{i}" for i in range(1, 12))


def column_note(m: Measure, cat: Catalogue, lang: str = "ja", with_header: bool = False) -> str:
    """What a column holds: (its header and id,) the help, month-end or not, the KPIs it feeds."""
    feeds = join_list((pick(k.name, lang) for k in cat.kpis if m.id in k.inputs), lang)
    parts = [f"{m.header}({m.id}): " if with_header else ""]
    parts.append((t("kpi.template.stock_hint", lang) if m.stock else "") + pick(m.help, lang))
    if feeds:
        parts.append(t("kpi.template.feeds", lang, kpis=feeds))
    return "".join(parts)


def file_name(lang: str = "ja") -> str:
    return "kpi_template.xlsx" if lang != "ja" else "KPI月次データ_テンプレート.xlsx"
