"""Reading monthly KPI files: every parsing rule (months, numbers, headers, layouts,
encodings, row numbers) and the checks done before a file is read whole."""

import io
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import Workbook

from dxcore import kpi, limits, sheets

TODAY = date(2026, 11, 26)


def xlsx(rows, sheet="月次データ", title_rows=0) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for _ in range(title_rows):
        ws.append(["令和7年度 月次報告"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parse(data: bytes, name="f.xlsx", cat=None) -> sheets.Parsed:
    return sheets.parse(data, name, cat, today=TODAY)


def cells(p: sheets.Parsed) -> set[tuple]:
    return {(m.strftime("%Y-%m"), d, pr, x, v) for m, d, pr, x, v in
            zip(p.values["month"], p.values["department"], p.values["process"], p.values["measure"], p.values["value"])}


@pytest.mark.parametrize("raw,month", [
    ("2025-04", date(2025, 4, 1)), ("2025/4", date(2025, 4, 1)), ("2025.4", date(2025, 4, 1)),
    ("2025年4月", date(2025, 4, 1)), ("２０２５年４月", date(2025, 4, 1)), (" 2025 - 04 ", date(2025, 4, 1)),
    ("令和7年4月", date(2025, 4, 1)), ("令和元年5月", date(2019, 5, 1)), ("R7.4", date(2025, 4, 1)),
    ("r7/4", date(2025, 4, 1)), ("H31.4", date(2019, 4, 1)), ("平成30年12月", date(2018, 12, 1)),
    ("202504", date(2025, 4, 1)), (202504, date(2025, 4, 1)), ("2025/4/1", date(2025, 4, 1)),
    ("2025-04-01 00:00:00", date(2025, 4, 1)), ("2025年4月1日", date(2025, 4, 1)),
    (datetime(2025, 4, 15, 9, 30), date(2025, 4, 1)), (date(2025, 4, 1), date(2025, 4, 1)),
    (45748.0, date(2025, 4, 1)),  # an Excel serial day number
])
def test_months_in_every_accepted_form(raw, month):
    assert sheets.parse_month(raw) == (month, None)


@pytest.mark.parametrize("raw,problem", [
    ("", "missing_month"), (float("nan"), "missing_month"), ("2025-13", "impossible_month"),
    ("2025-00", "impossible_month"), ("2025/2/30", "impossible_month"), ("令和0年4月", "impossible_month"),
    ("1999-04", "impossible_month"), ("来月", "bad_month"), ("4月", "bad_month"), ("2025", "bad_month"),
    (-5, "bad_month"),
])
def test_months_that_are_refused(raw, problem):
    assert sheets.parse_month(raw) == (None, problem)


def test_headers_are_matched_tolerantly_and_numbers_read_the_japanese_way():
    data = xlsx([["年月", " 部 署 ", "業務名", "処理件数", "処理時間（時間）", "ＯＮＬＩＮＥ_ＡＰＰＳ", "申請件数",
                  "住民満足度(5段階平均)", "満足度回答数", "備考"],
                 ["2025-04", "市民課", "", "１，２３４", "1,234.5", "0", "10", "4", "3", "メモは無視"]])
    p = parse(data)
    assert p.ok, p.problems
    assert cells(p) == {("2025-04", "市民課", "", "cases", 1234.0), ("2025-04", "市民課", "", "hours", 1234.5),
                        ("2025-04", "市民課", "", "online_apps", 0.0), ("2025-04", "市民課", "", "total_apps", 10.0),
                        ("2025-04", "市民課", "", "resident_sat", 4.0), ("2025-04", "市民課", "", "resident_sat_n", 3.0)}


def test_blank_means_missing_not_zero():
    p = parse(xlsx([["年月", "部署", "処理件数", "処理時間(時間)"], ["2025-04", "市民課", 0, None],
                    ["2025-05", "市民課", "  ", 3]]))
    assert p.ok and cells(p) == {("2025-04", "市民課", "", "cases", 0.0), ("2025-05", "市民課", "", "hours", 3.0)}


def test_long_layout_gives_the_same_values_as_the_wide_one():
    wide = parse(xlsx([["年月", "部署", "業務名", "処理件数", "電子申請件数", "申請件数(合計)"],
                       ["2025-04", "市民課", "住民票", 10, 3, 5], ["2025-05", "税務課", None, 7, None, 2]]))
    long = parse(xlsx([["年月", "部署", "業務名", "指標", "値"],
                       ["2025-04", "市民課", "住民票", "処理件数", 10], ["2025-04", "市民課", "住民票", "online_apps", 3],
                       ["2025-04", "市民課", "住民票", "申請件数（合計）", 5], ["2025-05", "税務課", None, "cases", 7],
                       ["2025-05", "税務課", None, "total_apps", 2], ["2025-05", "税務課", None, "電子申請件数", None]]))
    assert wide.ok and long.ok and wide.layout == "wide" and long.layout == "long"
    assert cells(wide) == cells(long) and len(cells(long)) == 5
    assert long.rows == 6 and wide.rows == 2


def test_rows_are_the_ones_excel_shows_even_below_a_title_and_blank_rows():
    data = xlsx([["年月", "部署", "処理件数"], ["2025-04", "市民課", 1], [None, None, None], ["2025-05", "市民課", "x"]],
                title_rows=2)
    p = parse(data)
    assert [(x.row, x.column, x.value) for x in p.problems] == [(6, "C 処理件数", "x")]
    assert p.rows == 2 and p.values["row"].tolist() == [4]


def test_csv_in_utf8_bom_and_cp932_read_alike_with_line_numbers():
    text = "年月,部署,処理件数,問い合わせ件数\r\n令和7年4月,市民課,\"1,200\",50\r\n2025/5,市民課,,x\r\n"
    got = {}
    for enc in ("utf-8", "utf-8-sig", "cp932"):
        p = parse(text.encode(enc), "f.csv")
        got[enc] = (cells(p), [(x.row, x.column, x.value, x.sheet) for x in p.problems])
    assert got["utf-8"] == got["utf-8-sig"] == got["cp932"]
    assert got["cp932"][0] == {("2025-04", "市民課", "", "cases", 1200.0), ("2025-04", "市民課", "", "inquiries", 50.0)}
    assert got["cp932"][1] == [(3, "D 問い合わせ件数", "x", None)]


def test_excel_unicode_text_is_utf16_with_tabs():
    data = "年月\t部署\t処理件数\n2025-04\t市民課\t3\n".encode("utf-16")
    assert cells(parse(data, "f.txt")) == {("2025-04", "市民課", "", "cases", 3.0)}


def test_excel_date_cells_and_the_template_sheet_chosen_among_others():
    wb = Workbook()
    wb.active.title = "説明"
    wb.active.append(["この表の説明"])
    ws = wb.create_sheet("月次データ")
    ws.append(["年月", "部署", "処理件数"])
    ws.append([datetime(2025, 4, 1), "市民課", 5])
    out = io.BytesIO()
    wb.save(out)
    p = parse(out.getvalue())
    assert p.sheet == "月次データ" and cells(p) == {("2025-04", "市民課", "", "cases", 5.0)}


def test_own_kpi_columns_are_read_when_the_organisation_has_them():
    data = xlsx([["年月", "部署", "窓口待ち時間"], ["2025-04", "市民課", 12]])
    assert [x.key for x in parse(data).problems] == ["unknown_column"]
    cat = kpi.catalogue([kpi.CustomKpi("custom_3", "窓口待ち時間", "分", "lower", "mean")])
    assert cells(parse(data, cat=cat)) == {("2025-04", "市民課", "", "custom_3", 12.0)}


def test_messages_in_english_say_the_same_thing():
    p = parse(xlsx([["年月", "部署", "処理件数"], ["2025-04", "市民課", -1]]))
    assert p.problems[0].message("en") == "Negative values such as '-1' are not allowed. Enter 0 or more."
    assert p.problem_dicts("en") == [{"sheet": "月次データ", "row": 2, "column": "C 処理件数", "value": "-1",
                                      "message": p.problems[0].message("en")}]


def test_every_problem_is_reported_not_just_the_first():
    rows = [["年月", "部署", "処理件数"]] + [["2025-04", f"課{i}", -i - 1] for i in range(50)]
    assert len(parse(xlsx(rows)).problems) == 50


def bomb(size: int, declared: int | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return out.getvalue()


def test_a_zip_that_inflates_far_more_than_a_workbook_does_is_refused_before_reading():
    with pytest.raises(sheets.Refused) as e:
        sheets.sniff(bomb(5 * 1024 * 1024))  # 5 MB of zeros in ~5 kB: ratio ~1000
    assert e.value.key == "zip_bomb"
    assert sheets.sniff(bomb(512 * 1024)) == "xlsx"  # small parts are not judged by their ratio


def test_a_zip_whose_part_is_encrypted_is_refused():
    data = bytearray(bomb(10))
    # set the "encrypted" flag bit in every local and central header
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + offset] |= 1
            start = i + 4
    with pytest.raises(sheets.Refused) as e:
        sheets.sniff(bytes(data))
    assert e.value.key == "encrypted"


def test_oversized_files_are_refused_without_reading(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    assert [x.key for x in parse(b"x" * 101, "big.csv").problems] == ["too_big"]


def test_values_frame_is_ready_for_the_store():
    p = parse(xlsx([["年月", "部署", "処理件数"], ["2025-04", "市民課", 5]]))
    assert list(p.values.columns) == ["month", "department", "process", "measure", "value", "row", "column"]
    assert p.values["month"].dtype == "datetime64[s]" and p.values["value"].dtype == float
    assert len(p.sha256) == 64 and isinstance(p.values, pd.DataFrame)
