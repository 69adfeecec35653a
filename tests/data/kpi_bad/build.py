"""Rebuild the bad-file corpus of the KPI import: ``python tests/data/kpi_bad/build.py``.

Each file here is one way a monthly KPI file can be wrong; ``cases.toml`` says, for each
file, every problem the importer must report (row, column, the Japanese message).
The files are committed; this script only documents (and can redo) how they were made.
``encrypted.xlsx`` needs msoffcrypto-tool (not a project dependency): without it the
committed file is kept.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
WIDE = ["年月", "部署", "業務名", "処理件数", "処理時間(時間)", "電子申請件数", "申請件数(合計)", "問い合わせ件数",
        "自己解決件数", "住民満足度(5段階平均)", "満足度回答数", "研修受講者数", "職員数"]


def xlsx(rows, sheet="月次データ") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good() -> bytes:
    return xlsx([WIDE, ["2025-04", "市民課", None, 100, 40, 10, 50, 30, 5, 4.2, 80, 3, 20]])


def zip_bomb() -> bytes:
    """A tiny file that claims to be a workbook and inflates a part to 600 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(600):
                fh.write(block)
    return out.getvalue()


def word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


def legacy_xls() -> bytes:
    """The OLE2 signature of an Excel 97-2003 workbook (a BIFF stream would follow)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le") + bytes(1024)


def encrypted() -> bytes | None:
    try:
        import msoffcrypto
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    del msoffcrypto
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good())).encrypt("secret", out)
    return out.getvalue()


def build() -> None:
    files: dict[str, bytes | None] = {
        "not_a_spreadsheet.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n",
        "photo_renamed.xlsx": b"\x89PNG\r\n\x1a\n" + bytes(64),
        "word_document.xlsx": word_document(),
        "legacy.xls": legacy_xls(),
        "encrypted.xlsx": encrypted(),
        "zip_bomb.xlsx": zip_bomb(),
        "truncated.xlsx": good()[:1500],
        "empty.csv": b"",
        "binary.csv": bytes(random.Random(1).randrange(256) for _ in range(512)).replace(b"\0", b"\1") + b"\0\0",
        "bad_encoding.csv": "年月,部署,処理件数\n".encode("utf-8") + b"2025-04,\x80\x80,1\n",
        "no_header.xlsx": xlsx([["月", "課名", "件数"], ["2025-04", "市民課", 1]]),
        "header_only.xlsx": xlsx([WIDE]),
        "unknown_column.xlsx": xlsx([["年月", "部署", "処理件数", "残業時間"], ["2025-04", "市民課", 10, 5]]),
        "unnamed_column.xlsx": xlsx([["年月", "部署", "処理件数", None], ["2025-04", "市民課", 10, 5]]),
        "duplicate_columns.xlsx": xlsx([["年月", "部署", "処理件数", "cases"], ["2025-04", "市民課", 10, 11]]),
        "bad_months.xlsx": xlsx([
            ["年月", "部署", "処理件数"],
            ["2025-13", "市民課", 1],
            ["来月", "市民課", 1],
            [None, "市民課", 1],
            ["令和0年4月", "市民課", 1],
            ["2027-01", "市民課", 1],
            [datetime(1999, 4, 1), "市民課", 1],
            ["2025/4/31", "市民課", 1],
        ]),
        "missing_department.csv": "年月,部署,処理件数\n2025-04,,10\n2025-05,市民課,10\n".encode("utf-8-sig"),
        "text_too_long.xlsx": xlsx([["年月", "部署", "処理件数"], ["2025-04", "課" * 101, 1]]),
        "bad_numbers.xlsx": xlsx([
            ["年月", "部署", "処理件数", "処理時間(時間)", "住民満足度(5段階平均)", "満足度回答数"],
            ["2025-04", "市民課", "abc", -5, 6, 10],
            ["2025-05", "市民課", 1.5, "12時間", 0.5, 10],
            ["2025-06", "市民課", True, "１，２００", 4, 10],
        ]),
        "impossible_combinations.xlsx": xlsx([
            WIDE,
            ["2025-04", "市民課", None, 100, 40, 60, 50, 30, 31, 4.2, None, 21, 20],
        ]),
        "duplicate_rows.xlsx": xlsx([
            ["年月", "部署", "業務名", "処理件数"],
            ["2025-04", "市民課", "住民票", 10],
            ["2025年4月", "市民課", "戸籍", 10],
            ["R7.4", "市民課 ", "住民票", 12],
        ]),
        "long_problems.csv": ("年月,部署,業務名,指標,値\n"
                              "2025-04,市民課,,処理件数,10\n"
                              "2025-04,市民課,,cases,11\n"
                              "2025-04,市民課,,残業時間,3\n"
                              "2025-04,市民課,,,4\n").encode("utf-8"),
        "long_needs_value.csv": "年月,部署,指標\n2025-04,市民課,処理件数\n".encode("utf-8"),
        "mixed_layout.csv": "年月,部署,指標,値,処理件数\n2025-04,市民課,cases,1,2\n".encode("utf-8"),
        "cp932_errors.csv": ("年月,部署,処理件数,問い合わせ件数\r\n"
                             "令和7年4月,税務課,１２０,５０\r\n"
                             "令和7年5月,税務課,百二十,50\r\n").encode("cp932"),
    }
    for name, data in files.items():
        if data is None:
            print(f"kept {name} (msoffcrypto-tool is not installed)")
            continue
        (HERE / name).write_bytes(data)
        print(f"wrote {name} ({len(data):,} bytes)")


if __name__ == "__main__":
    build()
