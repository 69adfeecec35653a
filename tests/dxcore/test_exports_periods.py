import csv
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook

from dxcore.exports import csv_bytes, safe_cell, xlsx_bytes
from dxcore.periods import fiscal_year, fiscal_year_label, format_datetime, to_local


def test_formula_injection_is_neutralised():
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)" and safe_cell("@x") == "'@x"
    assert safe_cell("+1") == "'+1" and safe_cell("-2") == "'-2"
    assert safe_cell(-2) == -2 and safe_cell("普通の文") == "普通の文"


def test_csv_has_bom_crlf_and_safe_cells():
    data = csv_bytes(["名前", "値"], [["=cmd|' /C calc'!A0", 1.5], ["市", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["名前", "値"], ["'=cmd|' /C calc'!A0", "1.5"], ["市", ""]]


def test_xlsx_cells_are_text_not_formulas():
    wb = load_workbook(io.BytesIO(xlsx_bytes([("履歴", ["a", "b"], [["=1+1", 3]])])))
    ws = wb["履歴"]
    assert ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s" and ws["B2"].value == 3
    assert ws.freeze_panes == "A2"


def test_fiscal_year_and_wareki():
    assert fiscal_year(date(2025, 4, 1)) == 2025 and fiscal_year(date(2026, 3, 31)) == 2025
    assert fiscal_year_label(2025) == "2025年度"
    assert fiscal_year_label(2025, wareki=True) == "令和7年度"
    assert fiscal_year_label(2019, wareki=True) == "令和元年度"
    assert fiscal_year_label(2018, wareki=True) == "平成30年度"
    assert fiscal_year_label(2025, "en") == "FY2025"


def test_local_time_is_tokyo():
    utc = datetime(2025, 3, 31, 16, 0, tzinfo=timezone.utc)
    assert to_local(utc).isoformat() == "2025-04-01T01:00:00+09:00"
    assert to_local(utc.replace(tzinfo=None)) == to_local(utc)
    assert format_datetime(utc) == "2025/04/01 01:00"
