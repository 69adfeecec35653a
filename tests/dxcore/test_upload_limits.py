"""Hostile spreadsheets (issue 8): every file is refused with one sentence that says where,
cheaply, before any grid is built — and refusing it stores nothing, on SQLite and on
PostgreSQL.  The files are built here (tests/data/kpi_bad/hostile.py), small."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dxcore import limits, sheets
from dxcore.errors import DxError
from dxcore.store import repo, repo_kpi
from dxcore.store.models_kpi import KpiChange, KpiUpload, KpiValue
from tests.data.kpi_bad import hostile as h

TODAY = date(2026, 11, 26)
HEADER, ROW = h.HEADER, h.ROW


def parse(data: bytes, name: str = "f.xlsx") -> sheets.Parsed:
    return sheets.parse(data, name, today=TODAY)


def only(p: sheets.Parsed) -> sheets.Problem:
    assert len(p.problems) == 1 and p.more_problems == 0, p.problems
    return p.problems[0]


def snapshot(engine):
    with engine.connect() as conn:
        return tuple(tuple(conn.execute(select(t)).all()) for t in (KpiValue, KpiUpload, KpiChange))


# xlsx: the area a sheet spans, before calamine sees it --------------------------------------

@pytest.mark.parametrize("ref", ["XFD1048576", "ZZ200000", "IW2", "A3000001"])
def test_a_far_cell_is_refused_naming_the_sheet_and_the_cell(ref):
    data = h.far_cell(ref)
    assert len(data) < 3000  # a 2 KB file (calamine asked for XFD1048576's grid aborts the process)
    p = only(parse(data))
    assert p.key == "limits.sheet_too_large" and p.sheet == "月次データ"
    msg = p.message("ja")
    assert msg.startswith(f"シート「月次データ」のセル {ref} が") and "256 列" in msg and msg.count("。") == 2
    assert ref in p.message("en") and "月次データ" in p.message("en")


def test_a_wide_area_within_the_columns_is_refused_by_its_cells(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 1000)
    p = only(parse(h.far_cell("J200")))  # 10 columns × 200 rows = 2,000 cells
    assert p.key == "limits.sheet_too_large" and "J200" in p.message()
    assert only(parse(h.far_cell("J90"))).key == "unnamed_column"  # 900 cells: read (J has no header)


def test_the_dimension_is_only_a_claim():
    small_claim = h.raw_xlsx(h.table([HEADER, ROW]) + h.row(1048576, [("XFD1048576", 1)]), dimension="A1:C2")
    assert only(parse(small_claim)).params["cell"] == "XFD1048576"
    big_claim = h.raw_xlsx(h.table([HEADER, ROW]), dimension="A1:XFD1048576")
    assert parse(big_claim).ok  # calamine builds its grid from the cells, not from the claim


def test_styled_empty_cells_do_not_count():
    styled = h.table([HEADER, ROW]) + '<row r="900000"><c r="ZZ900000" s="1"/></row>' \
        '<row r="900001"><c r="ZZ900001" s="1"></c></row>'
    p = parse(h.raw_xlsx(styled))
    assert p.ok and p.rows == 1


def test_cells_without_references_are_placed_as_readers_place_them():
    # no r="…": a row follows the previous one, a cell the previous cell; one with r= sets the place
    data = h.row(None, [(None, "年月"), (None, "部署"), (None, "処理件数")]) + \
        h.row(None, [(None, "2025-04"), (None, "市民課"), ("C2", 7)])
    assert parse(h.raw_xlsx(data)).values["value"].tolist() == [7.0]
    far = h.row(None, [(None, v) for v in HEADER]) + h.row(None, [(None, 1)] * 300)
    p = only(parse(h.raw_xlsx(far)))
    assert p.key == "limits.sheet_too_large" and p.params["cell"] == "IW2"  # the 257th column
    # a million empty rows without r="…" (as a file, a zip bomb by its ratio; here the scan alone)
    many_rows = (h.row(None, [(None, 1)]) + "<row/>" * 1_048_577 + h.row(None, [(None, 1)])).encode()
    assert _scan(b"<worksheet><sheetData>" + many_rows, 1 << 20).over == "A1048577"


def test_a_namespace_prefix_changes_nothing():
    data = h.raw_xlsx(h.table([HEADER, ROW], prefix="x") + h.row(5, [("XFD5", 1)], prefix="x"), prefix="x")
    assert only(parse(data)).params["cell"] == "XFD5"
    assert parse(h.raw_xlsx(h.table([HEADER, ROW], prefix="x"), prefix="x")).values["value"].tolist() == [100.0]


def test_only_the_sheets_that_are_read_are_judged():
    huge = h.row(1, [("A1", "x")]) + h.row(1048576, [("XFD1048576", 1)])
    # 月次データ is read, the huge sheet beside it is not
    beside = h.raw_xlsx(h.table([HEADER, ROW]), more_sheets=(("メモ", huge),))
    assert parse(beside).ok
    # without 月次データ every sheet is tried in order: the huge one first is refused by name
    first = h.raw_xlsx(huge, sheet="Sheet1", more_sheets=(("データ", h.table([HEADER, ROW])),))
    p = only(parse(first))
    assert p.sheet == "Sheet1" and p.message().startswith("シート「Sheet1」のセル XFD1048576")


def _scan(xml: bytes, chunk: int):
    buf = io.BytesIO(xml)
    scan = limits.scan_worksheet(lambda: buf.read(chunk))
    if scan.exact:
        buf = io.BytesIO(xml)
        scan = limits.scan_worksheet_exactly(lambda: buf.read(chunk), scan.dimension)
    return scan


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(1, 2000), st.integers(1, 300), st.booleans()), min_size=1, max_size=60),
       chunk=st.sampled_from([7, 64, 4096]), bare=st.booleans())
def test_the_scan_finds_the_area_of_the_cells_with_values(cells, chunk, bare):
    """Whatever the order and the chunking: the fast scan, or the exact one it hands over
    to, finds the highest row and column of the cells that hold a value."""
    cells = sorted({(r, c): e for r, c, e in cells}.items())
    rows: dict[int, list] = {}
    for (r, c), empty in cells:
        rows.setdefault(r, []).append((c, empty))
    parts = []
    for r in random.Random(len(cells)).sample(sorted(rows), len(rows)):  # rows in any order
        tags = "".join(f'<c r="{limits.cell_name(r, c)}" s="1"/>' if empty else
                       f'<c r="{limits.cell_name(r, c)}"><v>1</v></c>' for c, empty in rows[r])
        parts.append(f'<row r="{r}">{tags}</row>')
    body = "".join(parts)
    if bare:  # one cell without r="…" at the end of its row sends the part to the exact scan
        body += '<row r="2001"><c r="A2001"><v>1</v></c><c><v>2</v></c></row>'
    xml = f'<worksheet xmlns="x"><sheetData>{body}</sheetData></worksheet>'.encode()
    filled = [(r, c) for (r, c), empty in cells if not empty] + ([(2001, 1), (2001, 2)] if bare else [])
    scan = _scan(xml, chunk)
    want = (max((r for r, _ in filled), default=0), max((c for _, c in filled), default=0))
    if limits.over_limits(*want):  # it stops at the first cell that makes the area too large
        assert scan.over is not None and limits.over_limits(scan.max_row, scan.max_col)
    else:
        assert (scan.max_row, scan.max_col, scan.over, scan.exact) == (*want, None, bare)


def test_the_scan_of_many_cells_is_a_few_array_operations():
    """A long sheet is read in array steps per chunk (no Python per cell): same answer as
    the exact scan, in chunks that cut tags anywhere."""
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{limits.cell_name(r, c)}"><v>{r}</v></c>' for c in (1, 2, 3))
                   + "</row>" for r in range(1, 5001))
    xml = f'<worksheet xmlns="x"><dimension ref="A1:C5000"/><sheetData>{rows}</sheetData></worksheet>'.encode()
    fast = _scan(xml, 1000)
    buf = io.BytesIO(xml)
    exact = limits.scan_worksheet_exactly(lambda: buf.read(333))
    assert (fast.max_row, fast.max_col, fast.exact, fast.dimension) == (5000, 3, False, "A1:C5000")
    assert (exact.max_row, exact.max_col) == (5000, 3)


def test_a_tag_without_end_is_no_worksheet():
    noise = "".join(random.Random(3).choices("abcdefghijklmnopqrstuvwxyz", k=2 * 1024 * 1024))
    data = h.raw_xlsx("<row " + noise)  # (noise: letters of one kind would be refused as a zip bomb)
    assert only(parse(data)).key == "corrupt"


def test_sheet_parts_follow_the_relationships():
    book = b'<workbook xmlns:r="r"><sheets><sheet name="A &amp; B" sheetId="1" r:id="rId7"/>' \
           b"<sheet name='C' r:id='rId2'/></sheets></workbook>"
    rels = b'<Relationships><Relationship Id="rId7" Target="/xl/worksheets/sheet9.xml"/>' \
           b'<Relationship Target="worksheets/sheet2.xml" Id="rId2"/></Relationships>'
    assert limits.sheet_parts(book, rels) == {"A & B": "xl/worksheets/sheet9.xml", "C": "xl/worksheets/sheet2.xml"}


# CSV: lines, columns and cells before parsing -------------------------------------------------

def test_a_thousand_commas_and_a_hundred_thousand_blank_lines():
    data = h.wide_csv()
    assert 100_000 < len(data) < 110_000
    p = only(parse(data, "wide.csv"))
    assert p.key == "limits.csv_too_wide" and p.message() == (
        "CSV の 2 行目に 1,001 列あり、上限の 256 列を超えています。区切り文字(コンマ)が多すぎないか確かめてください。")


def test_blank_lines_at_the_end_are_not_rows():
    p = parse(("年月,部署,処理件数\n2025-04,市民課,5\n" + ",,\n" * 50_000 + "\n" * 50_000).encode(), "f.csv")
    assert p.ok and p.rows == 1 and p.values["value"].tolist() == [5.0]


def test_a_line_too_long_is_refused_before_decoding(monkeypatch):
    data = h.long_line_csv(2 * 1024 * 1024)  # the was 19 MB: the benchmark sends that one
    monkeypatch.setattr(sheets, "_decode", lambda _: pytest.fail("decoded"))
    p = only(parse(data, "line.csv"))
    assert p.key == "limits.line_too_long" and p.params["line"] == "1" and "64KB" in p.message()


def test_cells_are_capped_before_and_while_reading(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 3_000)
    p = only(parse(h.bad_rows_csv(1_000), "rows.csv"))  # 1,001 lines × 5 columns, counted from the bytes
    assert p.key == "limits.csv_too_many_cells" and "1,001 行 × 5 列" in p.message()
    # a first line with fewer columns than the rest: caught while reading, at the line it happens
    data = ("年月,部署\n" + "2025-04,市民課,1,2,3\n" * 1_000).encode()
    p = only(parse(data, "rows.csv"))
    assert p.key == "limits.csv_cells_reached" and p.params["line"] == "601"


def test_a_million_bad_rows_list_two_hundred_and_count_the_rest(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PROBLEMS", 200)
    p = parse(h.bad_rows_csv(5_000), "bad.csv")
    assert len(p.problems) == 200 and p.more_problems == 4 * 5_000 - 200 and p.problem_count == 20_000
    assert [x.row for x in p.problems[:8]] == [2, 2, 2, 2, 3, 3, 3, 3]  # the first rows, in order
    assert [x.key for x in p.problems[:4]] == ["impossible_month", "not_number", "not_number", "negative"]


def test_problems_against_stored_data_are_capped_too(engine, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PROBLEMS", 5)
    org = repo.create_org(engine, "A市")
    months = [f"{2024 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(12)]
    rows = [["年月", "部署", "問い合わせ件数"]] + [[m, f"課{i}", 10] for m in months for i in range(5)]
    repo_kpi.import_frame(engine, org.id, sheets.parse(h.raw_xlsx(h.table(rows)), "a.xlsx", today=TODAY))
    more = [["年月", "部署", "自己解決件数"]] + [[m, f"課{i}", 99] for m in months for i in range(5)]
    pre = repo_kpi.preview(engine, org.id, sheets.parse(h.raw_xlsx(h.table(more)), "b.xlsx", today=TODAY))
    assert len(pre.problems) == 5 and pre.more_problems == 55 and pre.problem_count == 60
    out = pre.summary("ja")
    assert len(out["errors"]) == 5 and out["more_errors"] == 55 and "ほかに 55 件" in out["more_errors_note"]


# control characters --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,char", [("市民\x00課", "U+0000"), ("市民\x07課", "U+0007"), ("\x85市民課", "U+0085"),
                                       ("市民\x1f課", "U+001F"), ("市\x7f民課", "U+007F")])
def test_a_control_character_in_a_department_is_refused_with_its_place(text, char):
    p = only(parse(h.control_csv(text), "c.csv"))
    assert (p.row, p.column, p.key) == (2, "B 部署", "limits.control_char")
    assert char in p.message() and "[" + char + "]" in p.value


def test_control_characters_anywhere_in_the_data_and_in_excel_escapes():
    rows = [HEADER + ["業務名"], ["2025-04", "市民_x0000_課", 1, "窓口"], ["2025-05", "市民課", "1_x0007_", "窓口"],
            ["2025-06\x01", "市民課", 3, "窓口"], ["2025-07", "市民課", 4, "窓\x1b口"]]
    p = parse(h.raw_xlsx(h.table(rows)))
    assert [(x.row, x.column, x.key) for x in p.problems] == [
        (2, "B 部署", "limits.control_char"), (3, "C 処理件数", "limits.control_char"),
        (4, "A 年月", "limits.control_char"), (5, "D 業務名", "limits.control_char")]
    assert p.values.empty


def test_tab_and_line_breaks_are_harmless():
    data = '年月,部署,処理件数\n2025-04,"市民\t課\r\n",5\n'.encode()
    p = parse(data, "t.csv")
    assert p.ok and p.values["department"].tolist() == ["市民 課"]


def test_the_store_refuses_a_control_character_that_got_past_the_parser(any_engine):
    engine = any_engine
    org = repo.create_org(engine, "A市")
    good = parse(h.raw_xlsx(h.table([HEADER, ROW])))
    values = good.values.copy()
    values["department"] = np.array(["市民\x00課"], dtype=object)
    forged = sheets.Parsed(good.file_name, good.sha256, good.kind, good.sheet, good.layout, 1, values, ())
    pre = repo_kpi.preview(engine, org.id, forged)
    before = snapshot(engine)
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre)
    assert e.value.key == "limits.control_char_stored" and "[U+0000]" in e.value.message()
    assert snapshot(engine) == before


# refusing stores nothing (SQLite and PostgreSQL) ------------------------------------------------------

HOSTILE = {
    "far_cell.xlsx": lambda: h.far_cell(),
    "zz.xlsx": lambda: h.far_cell("ZZ200000"),
    "wide.csv": lambda: h.wide_csv(commas=1_000, blank_lines=10_000),
    "line.csv": lambda: h.long_line_csv(200_000),
    "bad_rows.csv": lambda: h.bad_rows_csv(2_000),
    "nul.csv": lambda: h.control_csv(),
    "nul.xlsx": lambda: h.raw_xlsx(h.table([HEADER, ["2025-04", "市民_x0000_課", 1]])),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_file_stores_nothing(any_engine, name):
    engine = any_engine
    org = repo.create_org(engine, "既存市")
    repo_kpi.import_frame(engine, org.id, parse(h.raw_xlsx(h.table([HEADER, ROW]))))
    before = snapshot(engine)
    p = sheets.parse(HOSTILE[name](), name, today=TODAY)
    assert not p.ok
    pre = repo_kpi.preview(engine, org.id, p)
    with pytest.raises(DxError) as e:
        repo_kpi.apply(engine, pre)
    assert e.value.key == "kpi.error.has_problems"
    assert snapshot(engine) == before


def test_size_is_checked_first(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 200_000)
    monkeypatch.setattr(sheets, "_check_zip", lambda _: pytest.fail("the zip was opened"))
    p = only(parse(b"PK" + b"\0" * 300_000))
    assert p.key == "too_big" and "(0.2MBまで)" in p.message()


def test_a_zip_part_that_is_not_deflate_is_corrupt():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>")
    data = bytearray(out.getvalue())
    data[data.index(b"<worksheet>")] = 0xFF  # a stored part whose CRC no longer matches
    assert only(parse(bytes(data))).key == "corrupt"
