"""Hostile KPI files, built on demand (nothing large is committed).

Each builder returns bytes; the defaults are the sizes of issue 8 (what the benchmark
``bench/hostile_files.py`` sends through the real refusal path), and the tests call them
with small sizes.  :func:`raw_xlsx` writes a workbook's XML by hand, so that a test can put
a cell anywhere, leave out ``r="…"`` references, use a namespace prefix or state any
``<dimension>``.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

HEADER = ["年月", "部署", "処理件数"]
ROW = ["2025-04", "市民課", 100]


def raw_xlsx(sheet_data: str, sheet: str = "月次データ", dimension: str | None = None, prefix: str = "",
             more_sheets: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A workbook whose first sheet's ``<sheetData>`` is ``sheet_data`` (XML as given),
    then ``more_sheets`` ((name, sheetData XML), …)."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = ((sheet, sheet_data),) + tuple(more_sheets)
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
            + "</Types>"))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><{p}workbook {xmlns} xmlns:r="{rel_ns}"><{p}sheets>'
            + "".join(f'<{p}sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                      for i, (name, _) in enumerate(sheets))
            + f"</{p}sheets></{p}workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="{rel_ns}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                      for i in range(len(sheets)))
            + "</Relationships>"))
        for i, (_, data) in enumerate(sheets):
            dim = f'<{p}dimension ref="{dimension}"/>' if dimension and i == 0 else ""
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", (
                f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}>{dim}<{p}sheetData>{data}'
                f"</{p}sheetData></{p}worksheet>"))
    return out.getvalue()


def cell(ref: str | None, value, prefix: str = "") -> str:
    """One cell's XML: a number, or text as an inline string; ``ref`` None leaves out r="…"."""
    p = f"{prefix}:" if prefix else ""
    r = f' r="{ref}"' if ref else ""
    if isinstance(value, str):
        return f'<{p}c{r} t="inlineStr"><{p}is><{p}t>{escape(value)}</{p}t></{p}is></{p}c>'
    return f"<{p}c{r}><{p}v>{value}</{p}v></{p}c>"


def row(number: int | None, cells: list[tuple[str | None, object]], prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    r = f' r="{number}"' if number else ""
    return f"<{p}row{r}>" + "".join(cell(ref, v, prefix) for ref, v in cells) + f"</{p}row>"


def table(rows: list[list], prefix: str = "") -> str:
    """Rows from A1 on, with every reference written out (as Excel writes them)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(row(i + 1, [(f"{letters[j]}{i + 1}", v) for j, v in enumerate(r) if v is not None], prefix)
                   for i, r in enumerate(rows))


def far_cell(ref: str = "XFD1048576", **kw) -> bytes:
    """A header, one data row, and one more number at ``ref`` (issue 8: 2 KB that killed the server)."""
    number = int("".join(ch for ch in ref if ch.isdigit()))
    return raw_xlsx(table([HEADER, ROW]) + row(number, [(ref, 1)]), **kw)


def wide_csv(commas: int = 1_000, blank_lines: int = 100_000) -> bytes:
    """1,000 commas on one line, then 100,000 blank lines: 100 KB that padded to 2.5 GB."""
    return ("年月,部署,処理件数\n" + "," * commas + "\n" + "\n" * blank_lines).encode()


def long_line_csv(n_bytes: int = 19 * 1024 * 1024) -> bytes:
    """One line of 19 MB (no line break at all)."""
    head = "年月,部署,処理件数,".encode()
    return head + b"1," * ((n_bytes - len(head)) // 2)


def bad_rows_csv(rows: int = 1_000_000) -> bytes:
    """A header and a million rows with four problems each (month, number, negative, not a number)."""
    return ("年月,部署,処理件数,処理時間(時間),電子申請件数\n"
            + "2025-13,市民課,abc,-1,x\n" * rows).encode()


def control_csv(text: str = "市民\x00課") -> bytes:
    return f"年月,部署,処理件数\n2025-04,{text},1\n".encode()


def big_file(n_bytes: int) -> bytes:
    """A well-formed CSV of about ``n_bytes`` (for the size limits)."""
    line = "2025-04,市民課,100\n".encode()
    return "年月,部署,処理件数\n".encode() + line * (n_bytes // len(line) + 1)
