"""Reading and checking a monthly KPI spreadsheet (.xlsx or .csv) — pure, no database.

The file is looked at before it is read whole: an empty or oversized file, something
that is not a spreadsheet, a password-protected workbook, an old .xls and a zip that
would inflate past a sane size (a "zip bomb") are refused with one clear problem.

Two layouts are accepted, told apart by their header row:
- wide (the template): 年月, 部署, [業務名,] then one column per measure;
- long: 年月, 部署, [業務名,] 指標, 値 — 指標 holds a measure's header or id.
Headers are matched tolerantly (全角/半角, stray spaces, （）or (), a trailing unit in
brackets may be left out), and the header row may sit below a title row or two.

Every problem is reported with the sheet, the row Excel shows (header = 1; for CSV the
line number), the column, the value and what to do.  Checks run column-wise on pandas
frames; Python only ever looks at the distinct values of a column (a few dozen months,
departments and measure names), never row by row, so 200,000 rows check in well under
a second.

Reading .xlsx: python-calamine (the engine behind ``pandas.read_excel(engine="calamine")``)
hands its rows straight to pandas.  ``read_excel`` itself converts every cell in Python
and then runs its text parser — about 0.7 s more on 200,000 rows for the same frame.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from dxcore import limits
from dxcore.i18n import t
from dxcore.kpi import NO_PROCESS, Catalogue, catalogue, month_key, month_start
from dxcore.limits import Refused, column_letter
from dxcore.periods import ERA_YEAR_ZERO, TOKYO

MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # a 200,000-row workbook unpacks to ~60 MB
MAX_ZIP_ENTRIES = 10_000
MAX_RATIO = 200  # xlsx parts compress ~10:1; zeros and other bomb payloads ~1000:1
RATIO_CHECK_FROM = 1024 * 1024
MAX_BOOK_XML = 4 * 1024 * 1024  # xl/workbook.xml and its relationships: a few KB in practice
CHUNK = 4 * 1024 * 1024
MAX_TEXT = 100  # 部署 and 業務名
HEADER_SEARCH_ROWS = 20
SHEET = "月次データ"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"MZ")

KEY_ALIASES = {
    "month": ("年月", "対象年月", "月", "month", "yearmonth"),
    "department": ("部署", "部署名", "所属", "課", "department", "dept"),
    "process": ("業務名", "業務", "process"),
    "measure": ("指標", "指標名", "項目", "計測値", "measure"),
    "value": ("値", "数値", "value"),
}
IGNORED = ("備考", "メモ", "注記", "note", "notes", "comment", "comments")
COUNT_TOLERANCE = 1e-9


# problems -------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; ``row`` is the row Excel shows (CSV: the line)."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str = "ja") -> str:
        key = self.key if "." in self.key else f"kpi.problem.{self.key}"
        return t(key, lang, **{"value": self.value or "", **self.params})

    def to_dict(self, lang: str = "ja") -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "message": self.message(lang)}


@dataclass(frozen=True, eq=False)
class Parsed:
    file_name: str
    sha256: str
    kind: str | None  # xlsx | csv
    sheet: str | None
    layout: str | None  # wide | long
    rows: int  # data rows read (blank rows not counted)
    values: pd.DataFrame  # month (datetime64), department, process, measure, value, row, column
    problems: tuple[Problem, ...]  # the first MAX_PROBLEMS, by row
    more_problems: int = 0  # found beyond those, counted but not kept

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def problem_dicts(self, lang: str = "ja") -> list[dict]:
        return [p.to_dict(lang) for p in self.problems]


# normalising text ------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def norm_header(text) -> str:
    """全角→半角, （）→(), no spaces, lower case: the form headers are compared in."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def norm_name(text) -> str:
    """A department or process name as stored: NFKC, trimmed, inner spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def cell_text(value) -> str:
    """A cell as the user would recognise it in a message."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if not (value.hour or value.minute) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# months -------------------------------------------------------------------------

_YM = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:月)?(?:[-/.](\d{1,2})日?|(\d{1,2})日)?"
                 r"(?:t?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")  # a time after a date (spaces are gone)
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")
_ERA = re.compile(rf"^({'|'.join(ERA_YEAR_ZERO)})(\d{{1,2}}|元)[年.\-/](\d{{1,2}})(?:月)?(?:\d{{1,2}}日?)?$")
EXCEL_EPOCH = date(1899, 12, 30)
OLDEST = date(2000, 1, 1)


def parse_month(value) -> tuple[date | None, str | None]:
    """A 年月 cell → (first day of the month, None) or (None, problem key).

    Accepts 2025-04, 2025/4, 2025.4, 2025年4月, 202504, 令和7年4月, R7.4, H31/4, dates
    like 2025/4/1, Excel date cells and Excel serial numbers.
    """
    if isinstance(value, (datetime, date)):
        return _checked(value.year, value.month)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if np.isnan(v):
            return None, "missing_month"
        if v.is_integer() and 200001 <= v <= 209912:
            return _checked(int(v) // 100, int(v) % 100)
        if 1 <= v < 2958466:  # an Excel serial day number (1900 date system)
            d = date.fromordinal(EXCEL_EPOCH.toordinal() + int(v))
            return _checked(d.year, d.month)
        return None, "bad_month"
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).lower()
    if not text:
        return None, "missing_month"
    m = _YM.match(text)
    if m:
        day = m.group(3) or m.group(4)
        if day is not None:  # a whole date: it must exist (2025/4/31 does not)
            try:
                date(int(m.group(1)), int(m.group(2)), int(day))
            except ValueError:
                return None, "impossible_month"
        return _checked(int(m.group(1)), int(m.group(2)))
    m = _YYYYMM.match(text)
    if m:
        return _checked(int(m.group(1)), int(m.group(2)))
    m = _ERA.match(text)
    if m:
        n = 1 if m.group(2) == "元" else int(m.group(2))
        if n < 1:
            return None, "impossible_month"
        return _checked(ERA_YEAR_ZERO[m.group(1)] + n, int(m.group(3)))
    return None, "bad_month"


def _checked(year: int, month: int) -> tuple[date | None, str | None]:
    if not 1 <= month <= 12:
        return None, "impossible_month"
    d = date(year, month, 1)
    if d < OLDEST:
        return None, "impossible_month"
    return d, None


def tokyo_today() -> date:
    return datetime.now(TOKYO).date()


# looking at the file before reading it ------------------------------------------

def sniff(data: bytes) -> str:
    """'xlsx' or 'csv'; raises Refused for anything else."""
    return _sniff(data)[0]


def _sniff(data: bytes) -> tuple[str, dict[str, limits.SheetScan]]:
    """('xlsx' or 'csv', the area of each worksheet part of an xlsx)."""
    if not data:
        raise Refused("empty_file")
    limits.check_size(len(data))
    if data.startswith(OLE_MAGIC):
        # Excel stores a password-protected .xlsx in an OLE container with these streams
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise Refused("encrypted")
        raise Refused("legacy_xls")
    if data.startswith(b"PK"):
        return "xlsx", _check_zip(data)
    head = data[:8192]
    if head.startswith(BINARY_MAGIC) or (_binary(head) and not head.startswith((codecs.BOM_UTF16_LE,
                                                                                  codecs.BOM_UTF16_BE))):
        raise Refused("not_spreadsheet")
    return "csv", {}


_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


def _binary(head: bytes) -> bool:
    """Bytes no text file has — a run of NULs, or many such bytes: a stray NUL in a CSV cell
    is that cell's problem (refused with its place), not a reason to call the file binary."""
    return b"\0\0" in head or len(head) - len(head.translate(None, _BINARY_BYTES)) > max(4, len(head) // 100)


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2


def _check_zip(data: bytes) -> dict[str, limits.SheetScan]:
    """Refuses what is no workbook or would inflate past MAX_UNZIPPED_BYTES; returns the
    area each worksheet spans (found while inflating, see :mod:`dxcore.limits`)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        # a zip signature but no readable zip: a workbook cut short in a download or a copy
        raise Refused("corrupt" if data.startswith(b"PK\x03\x04") else "not_spreadsheet") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused("zip_bomb", limit=MAX_UNZIPPED_BYTES // (1024 * 1024))
    if any(i.flag_bits & 0x1 for i in infos):
        raise Refused("encrypted")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise Refused("not_spreadsheet")
    if "xl/workbook.bin" in names:
        raise Refused("xlsb")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNZIPPED_BYTES or any(
            i.file_size > RATIO_CHECK_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
        raise Refused("zip_bomb", limit=MAX_UNZIPPED_BYTES // (1024 * 1024))
    # the sizes above are what the zip says about itself: inflate each part once, in
    # chunks, and stop at the limit, so a lying header cannot make anyone else inflate more
    total = 0
    scans: dict[str, limits.SheetScan] = {}

    def reader(fh):
        def read() -> bytes:
            nonlocal total
            chunk = fh.read(CHUNK)
            total += len(chunk)
            if total > MAX_UNZIPPED_BYTES:
                raise Refused("zip_bomb", limit=MAX_UNZIPPED_BYTES // (1024 * 1024))
            return chunk
        return read

    try:
        for info in infos:
            with zf.open(info) as fh:
                read = reader(fh)
                if not _is_worksheet(info.filename):
                    while read():
                        pass
                    continue
                before = total
                scan = limits.scan_worksheet(read)
                if scan.exact:  # cells without r="…": read again, tag by tag
                    total = before
                    with zf.open(info) as again:
                        scan = limits.scan_worksheet_exactly(reader(again), scan.dimension)
                else:
                    while read():  # the rest, when the area was refused early
                        pass
                scans[info.filename] = scan
        book = _read_part(zf, "xl/workbook.xml")
        rels = _read_part(zf, "xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error):
        raise Refused("corrupt") from None
    parts = limits.sheet_parts(book, rels)
    return {name: scans[part] for name, part in parts.items() if part in scans} | {
        "": _worst(scans.values())}  # "": for a sheet whose part is not named in the workbook


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read(MAX_BOOK_XML)


def _worst(scans) -> limits.SheetScan:
    over = [s for s in scans if s.over]
    if over:
        return over[0]
    return max(scans, key=lambda s: s.max_row * s.max_col, default=limits.SheetScan())


# reading -------------------------------------------------------------------------

def _read_xlsx(data: bytes, find_header, scans: dict[str, limits.SheetScan]) -> tuple[str, pd.DataFrame, int, dict]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception:  # noqa: BLE001 — calamine raises several types for broken files
        raise Refused("corrupt") from None
    order = [SHEET] if SHEET in names else names
    first = None
    for name in order:
        scan = scans.get(name) or scans.get("") or limits.SheetScan()
        if scan.over:  # before any reader builds its grid
            raise limits.extent_refusal(name, scan.over)
        try:
            grid = _grid(wb.get_sheet_by_name(name).iter_rows())
        except Exception:  # noqa: BLE001
            raise Refused("corrupt") from None
        found = find_header(grid)
        if found is not None:
            return name, grid, *found
        first = first or name
    raise Refused("no_header", sheet=first or SHEET)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp932")
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise Refused("encoding")


def _read_csv(data: bytes, find_header) -> tuple[pd.DataFrame, int, dict]:
    limits.check_csv_lines(data)  # before decoding: a 19 MB line never reaches the csv module
    text = _decode(data)
    first_line = text[:limits.MAX_LINE_BYTES].split("\n", 1)[0]
    sep = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # every line keeps its place (blank lines too) so a row number is the line number
    lines = _CsvLines(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    try:
        grid = _grid(lines)
    except csv.Error as e:
        raise Refused("csv_malformed", reason=str(e)) from None
    del text
    grid = grid.iloc[:_last_filled(grid)]  # blank lines at the end (often thousands, from Excel)
    if grid.empty:
        raise Refused("empty_file")
    if grid.size > limits.MAX_CELLS:  # the grid pads every line to the longest
        raise Refused("limits.csv_too_many_cells", rows=f"{len(grid):,}", columns=f"{grid.shape[1]:,}",
                      line=f"{lines.widest + 1:,}", max=f"{limits.MAX_CELLS:,}")
    found = find_header(grid)
    if found is None:
        raise Refused("no_header", sheet="CSV")
    return grid, *found


class _CsvLines:
    """The csv module's rows, refused at the first line wider than MAX_COLUMNS or once the
    lines read hold more than MAX_CELLS cells."""

    def __init__(self, reader):
        self.reader, self.cells, self.line, self.widest, self.width = reader, 0, 0, 0, 0

    def __iter__(self):
        for row in self.reader:
            n = len(row)
            self.line += 1
            self.cells += n
            if n > self.width:
                self.width, self.widest = n, self.line - 1
            if n > limits.MAX_COLUMNS:
                raise Refused("limits.csv_too_wide", line=f"{self.line:,}", columns=f"{n:,}",
                              max=f"{limits.MAX_COLUMNS:,}")
            if self.cells > limits.MAX_CELLS:
                raise Refused("limits.csv_cells_reached", line=f"{self.line:,}", max=f"{limits.MAX_CELLS:,}")
            yield row


GRID_CHUNK = 50_000  # rows turned into columns at a time


def _grid(rows) -> pd.DataFrame:
    """Rows (lists of cells) → a frame of object columns, GRID_CHUNK rows at a time, short
    rows padded with "".  A text repeated down a column (a month, a department, a bad
    value a million times) is kept once and shared: a cell then costs a pointer, not a
    string of its own, so the frame grows with what differs, not with the file."""
    columns: list[list[np.ndarray]] = []
    shared: list[dict] = []
    n = 0
    it = iter(rows)
    while chunk := list(itertools.islice(it, GRID_CHUNK)):
        width = max(map(len, chunk))
        while len(columns) < width:
            columns.append([np.full(n, "", dtype=object)] if n else [])
            shared.append({})
        width = len(columns)
        padded = [r if len(r) == width else list(r) + [""] * (width - len(r)) for r in chunk]
        for j, values in enumerate(zip(*padded)):
            columns[j].append(_shared_text(np.array(values, dtype=object), shared[j]))
        n += len(chunk)
    if not columns:
        return pd.DataFrame(dtype=object)
    return pd.DataFrame({j: np.concatenate(parts) if len(parts) > 1 else parts[0]
                         for j, parts in enumerate(columns)}, dtype=object)


def _shared_text(values: np.ndarray, seen: dict) -> np.ndarray:
    """``values`` with equal texts made one object (only a column part that is all text:
    pandas would take TRUE for 1.0)."""
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        return values
    codes, uniques = pd.factorize(values)
    return np.array([seen.setdefault(u, u) for u in uniques], dtype=object)[codes]


def _last_filled(grid: pd.DataFrame) -> int:
    """How many rows remain once the blank ones at the end are left out."""
    last = -1
    for j in grid.columns:
        filled = np.flatnonzero(~_is_blank(grid[j]))
        if len(filled):
            last = max(last, int(filled[-1]))
    return last + 1


# the header row ------------------------------------------------------------------

def _lookups(cat: Catalogue) -> tuple[dict[str, str], dict[str, str]]:
    """(key column aliases → role, measure aliases → measure id)."""
    roles = {norm_header(a): role for role, aliases in KEY_ALIASES.items() for a in aliases}
    measures: dict[str, str] = {}
    loose: dict[str, list[str]] = {}
    for m in cat.measures:
        for alias in (m.header, m.id, m.name["ja"], m.name["en"]):
            measures.setdefault(norm_header(alias), m.id)
        short = re.sub(r"\(.*?\)$", "", norm_header(m.header))
        loose.setdefault(short, []).append(m.id)
    for short, ids in loose.items():  # 「処理時間」 for 処理時間(時間), when it is unambiguous
        if len(ids) == 1 and short not in roles:
            measures.setdefault(short, ids[0])
    return roles, measures


def _header_finder(roles: dict[str, str]):
    def find(grid: pd.DataFrame):
        for r in range(min(HEADER_SEARCH_ROWS, len(grid))):
            cells = [norm_header(v) if isinstance(v, str) else "" for v in grid.iloc[r].tolist()]
            found = {roles[c]: j for j, c in enumerate(cells) if c in roles}
            if "month" in found and "department" in found:
                return r, {"cells": cells, "raw": grid.iloc[r].tolist()}
        return None
    return find


# blanks and numbers, column-wise -----------------------------------------------------

def _is_blank(s: pd.Series) -> np.ndarray:
    """Empty, NaN or only spaces — judged once per distinct value."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.ones(len(s), dtype=bool)
    blank_u = np.fromiter((type(u) is str and not u.strip() for u in uniques), dtype=bool, count=len(uniques))
    return np.where(codes < 0, True, blank_u[codes])


_MINUS = str.maketrans({"−": "-", "‐": "-", "ー": "-", "–": "-", "△": "-", "▲": "-", ",": "", " ": ""})


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, blank, bad): blank is missing, not zero; bad is text that is no number."""
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    blank = np.zeros(len(s), dtype=bool)
    bad = np.zeros(len(s), dtype=bool)
    todo = np.isnan(num)
    if todo.any():
        rest = s[todo]
        rest_blank = _is_blank(rest)
        codes, texts = _factor_map(rest[~rest_blank], _number_text)  # once per distinct text
        parsed = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)[codes] if len(texts) else np.zeros(0)
        idx = np.flatnonzero(todo)
        blank[idx[rest_blank]] = True
        filled = idx[~rest_blank]
        num[filled] = parsed
        bad[filled] = np.isnan(parsed)
    bools = np.zeros(len(s), dtype=bool)
    if s.dtype == object and (~np.isnan(num)).any():  # TRUE/FALSE cells convert to 1/0: not numbers here
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        is_bool = np.fromiter((type(u) is bool for u in uniques), dtype=bool, count=len(uniques))
        if is_bool.any():
            bools = (codes >= 0) & is_bool[np.maximum(codes, 0)]
    bad |= bools | (~np.isfinite(num) & ~blank & ~bad)
    num[bad | blank] = np.nan
    return num, blank, bad


def _number_text(v) -> str:
    """A cell that is no plain number, as a number's text (全角, △, thousands separators)."""
    return unicodedata.normalize("NFKC", str(v)).translate(_MINUS).strip()


def _factor_map(s: pd.Series, fn) -> tuple[np.ndarray, list]:
    """Apply ``fn`` to each distinct value only; returns (codes, results per unique)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, [fn(u) for u in uniques]


# control characters: refused with their place, never stored --------------------------

# C0 and C1 controls and DEL; tab, line feed and carriage return are harmless (names and
# numbers are normalised, so they become spaces or are trimmed)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_rows(s: pd.Series) -> np.ndarray:
    """Which cells of a column hold a control character — judged once per distinct value."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.zeros(len(s), dtype=bool)
    bad = np.fromiter((type(u) is str and _CONTROL.search(u) is not None for u in uniques), dtype=bool,
                      count=len(uniques))
    return (codes >= 0) & bad[np.maximum(codes, 0)]


def visible(text: object) -> str:
    """A cell's text with its control characters shown as [U+0000]."""
    return _CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", cell_text(text))


def _control_params(raw: np.ndarray):
    def params(kept: np.ndarray) -> list[dict]:
        return [{"char": "、".join(sorted({f"U+{ord(c):04X}" for c in _CONTROL.findall(str(x))}))}
                for x in raw[kept]]
    return params


# the parser -----------------------------------------------------------------------

class _Problems:
    """Problems collected as column arrays; only the first MAX_PROBLEMS by row are kept
    (and only those are turned into text), the rest are counted."""

    def __init__(self, sheet: str | None):
        self.sheet = sheet
        self.parts: list[pd.DataFrame] = []
        self.total = 0
        self.rank = 0  # problems of one row are listed by rank, then in the order they were found

    def add(self, rows, column, values, key: str, params=None, fmt=None, rank: int | None = None) -> None:
        """``rows`` of one problem ``key``; ``column``, ``values`` and ``params`` are each one
        for all, one per row, or a function of the positions kept (so that nothing is built
        for the problems only counted); ``fmt`` turns a kept raw value into the text shown."""
        rows = np.asarray(rows)
        n = len(rows)
        if n == 0:
            return
        self.total += n
        kept = np.argsort(rows, kind="stable")[:limits.MAX_PROBLEMS] if n > limits.MAX_PROBLEMS else np.arange(n)

        def each(x):
            if callable(x):
                return list(x(kept))
            if isinstance(x, (str, dict)) or x is None:
                return [x] * len(kept)
            return list(np.asarray(x, dtype=object)[kept])

        values = each(values)
        if fmt is not None:
            values = [fmt(v) for v in values]
        params = each(params or {})
        self.parts.append(pd.DataFrame({"row": rows[kept].astype(int), "column": each(column), "value": values,
                                        "key": key, "params": params,
                                        "rank": self.rank if rank is None else rank}))

    def one(self, row, column, value, key, **params) -> None:
        self.add([row], column, [value], key, [params])

    def records(self) -> tuple[tuple[Problem, ...], int]:
        """(the first MAX_PROBLEMS problems by row, how many more there were)."""
        if not self.parts:
            return (), 0
        df = pd.concat(self.parts, ignore_index=True)
        df["order"] = np.arange(len(df))
        df = df.sort_values(["row", "rank", "order"], kind="stable").iloc[:limits.MAX_PROBLEMS]
        return tuple(Problem(self.sheet, int(r), c, v, k, p) for r, c, v, k, p in zip(
            df["row"], df["column"], df["value"], df["key"], df["params"])), self.total - len(df)


def parse(data: bytes, file_name: str = "", cat: Catalogue | None = None, today: date | None = None) -> Parsed:
    """Read and check a spreadsheet; never raises for a bad file (see ``Parsed.problems``)."""
    cat = cat or catalogue()
    sha = hashlib.sha256(data).hexdigest()
    roles, measure_ids = _lookups(cat)
    finder = _header_finder(roles)
    try:
        kind, scans = _sniff(data)
        if kind == "xlsx":
            sheet, grid, header_row, header = _read_xlsx(data, finder, scans)
        else:
            sheet = None
            grid, header_row, header = _read_csv(data, finder)
    except Refused as r:
        return refused(r, file_name, sha)
    return _check(grid, header_row, header, sheet, kind, file_name, sha, cat, roles, measure_ids,
                  month_start(today or tokyo_today()))


def refused(r: Refused, file_name: str, sha: str = "") -> Parsed:
    """The file refused as a whole: one problem, nothing read."""
    sheet = r.params.get("sheet") if r.params.get("sheet") != "CSV" else None
    return Parsed(file_name, sha, None, sheet, None, 0, _empty(),
                  (Problem(sheet, None, None, file_name or None, r.key, dict(r.params)),))


def _frame(columns: dict) -> pd.DataFrame:
    """A frame whose text columns stay plain Python objects: pandas 3 would otherwise turn
    each into an Arrow string column (and back, for every comparison) — 0.2 s on 200,000 rows."""
    n = next(len(v) for v in columns.values() if isinstance(v, np.ndarray))
    out = {}
    for k, v in columns.items():
        if isinstance(v, str):
            v = np.full(n, v, dtype=object)
        out[k] = pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
    return pd.DataFrame(out)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series(dtype="datetime64[s]"), "department": pd.Series(dtype=object),
                         "process": pd.Series(dtype=object), "measure": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float), "row": pd.Series(dtype=int),
                         "column": pd.Series(dtype=object)})


def _check(grid, header_row, header, sheet, kind, file_name, sha, cat, roles, measure_ids, this_month) -> Parsed:
    probs = _Problems(sheet)
    excel_header_row = header_row + 1
    body = grid.iloc[header_row + 1:]
    rows_excel = np.arange(header_row + 2, header_row + 2 + len(body))

    # columns: what each one is --------------------------------------------------------
    role_col: dict[str, int] = {}
    measure_col: dict[str, int] = {}
    data_cols: list[int] = []
    for j, (cell, raw) in enumerate(zip(header["cells"], header["raw"])):
        label = f"{column_letter(j)} {cell_text(raw)}".strip()
        if not cell:
            if not _is_blank(body.iloc[:, j]).all():
                probs.one(excel_header_row, column_letter(j), "", "unnamed_column")
            continue
        if cell in roles:
            role = roles[cell]
            if role in role_col:
                probs.one(excel_header_row, label, cell_text(raw), "duplicate_column",
                          first=column_letter(role_col[role]))
            else:
                role_col[role] = j
            continue
        if cell in measure_ids:
            mid = measure_ids[cell]
            if mid in measure_col:
                probs.one(excel_header_row, label, cell_text(raw), "duplicate_column",
                          first=column_letter(measure_col[mid]))
            else:
                measure_col[mid] = j
                data_cols.append(j)
            continue
        if cell in {norm_header(x) for x in IGNORED}:
            continue
        probs.one(excel_header_row, label, cell_text(raw), "unknown_column")

    long = "measure" in role_col or "value" in role_col
    if long and not ("measure" in role_col and "value" in role_col):
        missing = "指標" if "measure" not in role_col else "値"
        probs.one(excel_header_row, None, None, "long_needs_both", missing=missing)
    if long and measure_col:
        for mid, j in measure_col.items():
            probs.one(excel_header_row, f"{column_letter(j)} {cell_text(header['raw'][j])}",
                      cell_text(header["raw"][j]), "mixed_layout")
    labels = {j: f"{column_letter(j)} {cell_text(header['raw'][j])}" for j in range(len(header["raw"]))}

    # rows: drop the blank ones ---------------------------------------------------------
    used = [role_col[r] for r in ("month", "department", "process", "measure", "value") if r in role_col] + data_cols
    if len(body) and used:
        blank_cells = np.column_stack([_is_blank(body.iloc[:, j]) for j in used])
        keep = ~blank_cells.all(axis=1)
    else:
        keep = np.zeros(len(body), dtype=bool)
    body, rows_excel = body[keep], rows_excel[keep]
    n_rows = len(body)
    if n_rows == 0 and not probs.parts:
        probs.one(excel_header_row + 1, None, None, "no_rows")
    control = {}  # key column → rows whose cell holds a control character
    for role in ("month", "department", "process", "measure"):
        if role in role_col:
            j = role_col[role]
            control[role] = hit = _control_rows(body.iloc[:, j])
            if hit.any():
                raw = body.iloc[:, j].to_numpy(dtype=object)[hit]
                probs.add(rows_excel[hit], labels[j], raw, "limits.control_char", _control_params(raw), fmt=visible)
    no_control = ~np.logical_or.reduce(list(control.values())) if control else np.ones(n_rows, dtype=bool)

    # 年月 / 部署 / 業務名, one distinct value at a time -------------------------------------
    mc = role_col["month"]
    codes, parsed = _factor_map(body.iloc[:, mc], parse_month)
    month_vals = np.array([p[0] for p in parsed] + [None], dtype=object)[codes]
    month_err = np.array([p[1] for p in parsed] + ["missing_month"], dtype=object)[codes]
    raw_month = body.iloc[:, mc].to_numpy(dtype=object)
    future = np.array([m is not None and m > this_month for m in (p[0] for p in parsed)] + [False])[codes]
    month_err[control["month"]], future[control["month"]] = None, False  # reported as control characters
    for key in ("missing_month", "bad_month", "impossible_month"):
        hit = month_err == key
        if hit.any():
            probs.add(rows_excel[hit], labels[mc], raw_month[hit], key, fmt=cell_text)
    if future.any():
        later = month_vals[future]
        probs.add(rows_excel[future], labels[mc], raw_month[future], "future_month", lambda kept: [
            {"month": month_key(m), "this_month": month_key(this_month)} for m in later[kept]], fmt=cell_text)
    month_ok = (month_err == None) & ~future & no_control  # noqa: E711 — element-wise
    month_ns = np.array([np.datetime64(p[0], "s") if p[0] else np.datetime64("NaT", "s") for p in parsed]
                        + [np.datetime64("NaT", "s")], dtype="datetime64[s]")[codes]

    dc = role_col["department"]
    dcodes, dnames = _factor_map(body.iloc[:, dc], lambda v: norm_name(cell_text(v)))
    dept = np.array(dnames + [""], dtype=object)[dcodes]
    dept_missing = dept == ""
    probs.add(rows_excel[dept_missing], labels[dc], "", "missing_department")
    dept_long = np.array([len(x) > MAX_TEXT for x in dnames] + [False])[dcodes] & ~control["department"]
    probs.add(rows_excel[dept_long], labels[dc], dept[dept_long], "text_too_long", {"max": MAX_TEXT})
    if "process" in role_col:
        pc = role_col["process"]
        pcodes, pnames = _factor_map(body.iloc[:, pc], lambda v: norm_name(cell_text(v)))
        proc = np.array(pnames + [NO_PROCESS], dtype=object)[pcodes]
        proc_long = np.array([len(x) > MAX_TEXT for x in pnames] + [False])[pcodes] & ~control["process"]
        probs.add(rows_excel[proc_long], labels[pc], proc[proc_long], "text_too_long", {"max": MAX_TEXT})
    else:
        proc = np.full(n_rows, NO_PROCESS, dtype=object)
        proc_long = np.zeros(n_rows, dtype=bool)
    row_ok = month_ok & ~dept_missing & ~dept_long & ~proc_long

    # the values, as one long frame ---------------------------------------------------------
    if long and "measure" in role_col and "value" in role_col:
        xc, vc = role_col["measure"], role_col["value"]
        xcodes, xids = _factor_map(body.iloc[:, xc], lambda v: measure_ids.get(norm_header(cell_text(v))))
        measure = np.array(xids + [None], dtype=object)[xcodes]
        raw_measure = body.iloc[:, xc].to_numpy(dtype=object)
        num, blank, bad = _numbers(body.iloc[:, vc])
        no_measure = (measure == None) & ~blank  # noqa: E711
        empty_measure = np.array([cell_text(v).strip() == "" for v in raw_measure]) & no_measure \
            if no_measure.any() else no_measure
        probs.add(rows_excel[empty_measure], labels[xc], "", "missing_measure")
        unknown = no_measure & ~empty_measure & ~control["measure"]
        probs.add(rows_excel[unknown], labels[xc], raw_measure[unknown], "unknown_measure", fmt=cell_text)
        keep = ~blank
        part = _frame({"row": rows_excel[keep], "col": labels[vc], "month": month_ns[keep],
                       "department": dept[keep], "process": proc[keep], "measure": measure[keep],
                       "value": num[keep], "raw": body.iloc[:, vc].to_numpy(dtype=object)[keep], "bad": bad[keep],
                       "ok": (row_ok & ~no_measure)[keep]})
        parts = [_value_rules(part, cat, probs)]
    elif not long:
        parts = []
        for mid, j in measure_col.items():  # one column at a time: only the cells that pass are kept
            num, blank, bad = _numbers(body.iloc[:, j])
            keep = ~blank
            parts.append(_value_rules(_frame({
                "row": rows_excel[keep], "col": labels[j], "month": month_ns[keep], "department": dept[keep],
                "process": proc[keep], "measure": mid, "value": num[keep],
                "raw": body.iloc[:, j].to_numpy(dtype=object)[keep], "bad": bad[keep], "ok": row_ok[keep]}),
                cat, probs))
    else:
        parts = []
    probs.rank = 9  # what follows comes after the value problems of the same row
    frame = pd.concat(parts, ignore_index=True) if parts else None
    if frame is None or frame.empty:
        return Parsed(file_name, sha, kind, sheet, "long" if long else "wide", n_rows, _empty(), *probs.records())

    # duplicates: one month × department × process (× measure) once ---------------------------
    keys = ["month", "department", "process", "measure"]
    dup = frame.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        first_row = frame.groupby(keys, sort=False)["row"].transform("first").to_numpy()
        sub = frame[dup]
        if long:
            firsts = first_row[dup]
            probs.add(sub["row"].to_numpy(), labels[role_col["measure"]], sub["measure"].to_numpy(),
                      "duplicate_value", lambda kept: [{"first": int(f)} for f in firsts[kept]], fmt=str)
        else:
            once = ~sub.duplicated("row").to_numpy()
            sub_rows = sub[once]
            firsts = first_row[dup][once]
            probs.add(sub_rows["row"].to_numpy(), labels[mc], sub_rows["month"].to_numpy(), "duplicate_row",
                      lambda kept: [{"first": int(f)} for f in firsts[kept]], fmt=month_key)
        frame = frame[~dup]

    # combinations that cannot be -----------------------------------------------------------------
    _combinations(frame, probs)

    values = _frame({
        "month": frame["month"].to_numpy(), "department": frame["department"].to_numpy(),
        "process": frame["process"].to_numpy(), "measure": frame["measure"].to_numpy(),
        "value": frame["value"].to_numpy(dtype=float), "row": frame["row"].to_numpy(dtype=int),
        "column": frame["col"].to_numpy()})
    return Parsed(file_name, sha, kind, sheet, "long" if long else "wide", n_rows, values, *probs.records())


def _value_rules(frame: pd.DataFrame, cat: Catalogue, probs: _Problems) -> pd.DataFrame:
    """Report the cells of ``frame`` whose value cannot be; return the cells that pass (and
    whose row is fine).  Within a row, problems come in the order of these rules."""
    kinds = {m.id: m.kind for m in cat.measures}
    kind = frame["measure"].map(kinds).to_numpy(dtype=object)
    v = frame["value"].to_numpy(dtype=float)
    bad = frame["bad"].to_numpy()
    raw = frame["raw"].to_numpy(dtype=object)
    control = np.zeros(len(frame), dtype=bool)  # only text that is no number can hold one
    if bad.any():
        idx = np.flatnonzero(bad)
        control[idx] = [type(x) is str and _CONTROL.search(x) is not None for x in raw[idx]]
    checks = [
        ("limits.control_char", control),
        ("not_number", bad),
        ("negative", ~bad & (v < 0)),
        ("score_range", ~bad & (kind == "score") & ((v < 1) | (v > 5))),
        ("not_integer", ~bad & (v >= 0) & (kind == "count") & (np.abs(v - np.round(v)) > COUNT_TOLERANCE)),
    ]
    wrong = np.zeros(len(frame), dtype=bool)
    rows, cols = frame["row"].to_numpy(), frame["col"].to_numpy()
    for rank, (key, hit) in enumerate(checks, start=1):
        hit = hit & ~wrong
        if hit.any():
            params = _control_params(raw[hit]) if key == "limits.control_char" else None
            probs.add(rows[hit], cols[hit], raw[hit], key, params, fmt=visible if params else cell_text, rank=rank)
        wrong |= hit
    return frame[~wrong & frame["ok"].to_numpy()]


# (smaller, larger, problem key): the smaller may never exceed the larger
NOT_ABOVE = (("self_resolved", "inquiries", "self_gt_inquiries"),
             ("online_apps", "total_apps", "online_gt_total"),
             ("trained", "staff", "trained_gt_staff"),
             ("trained_ytd", "staff", "trained_ytd_gt_staff"),
             ("genai_users", "staff", "genai_gt_staff"),
             ("procedures_online", "procedures_target", "procedures_gt_target"),
             ("no_form_visitors", "visitors", "no_form_gt_visitors"),
             ("resident_sat_top2", "resident_sat_n", "top2_gt_responses"),
             ("staff_sat_top2", "staff_sat_n", "top2_gt_responses"),
             ("approvals_electronic", "approvals_total", "electronic_gt_approvals"))


def _combinations(frame: pd.DataFrame, probs: _Problems) -> None:
    needed = {m for pair in NOT_ABOVE for m in pair[:2]} | {"resident_sat", "resident_sat_n"}
    sub = frame[frame["measure"].isin(needed)]
    if sub.empty:
        return
    key = ["month", "department", "process"]
    wide = sub.set_index(key + ["measure"])[["value", "row"]].unstack("measure")
    where = dict(zip(zip(sub["row"].to_numpy(), sub["measure"].to_numpy()),
                     zip(sub["col"].to_numpy(), sub["raw"].to_numpy())))

    def report(hit, small, problem, params):
        rows = wide[("row", small)].to_numpy()[hit].astype(int)
        probs.add(rows, lambda kept: [where[r, small][0] for r in rows[kept]],
                  lambda kept: [cell_text(where[r, small][1]) for r in rows[kept]], problem, params)

    for small, large, problem in NOT_ABOVE:
        if ("value", small) not in wide.columns or ("value", large) not in wide.columns:
            continue
        a, b = wide[("value", small)], wide[("value", large)]
        hit = (a > b).to_numpy()
        if hit.any():
            others, other_rows = b.to_numpy()[hit], wide[("row", large)].to_numpy()[hit]
            report(hit, small, problem, lambda kept, others=others, other_rows=other_rows: [
                {"other": cell_text(x), "other_row": int(r)} for x, r in zip(others[kept], other_rows[kept])])
    if ("value", "resident_sat") in wide.columns:
        sat = wide[("value", "resident_sat")]
        n = wide[("value", "resident_sat_n")] if ("value", "resident_sat_n") in wide.columns else sat * np.nan
        hit = (sat.notna() & ~(n > 0)).to_numpy()
        if hit.any():
            report(hit, "resident_sat", "score_without_n", None)


PARTNERS = {m for pair in NOT_ABOVE for m in pair[:2]}


def check_with_stored(parsed: Parsed, stored: pd.DataFrame, cat: Catalogue | None = None
                      ) -> tuple[tuple[Problem, ...], int]:
    """The pairs that cannot be (自己解決件数 ≤ 問い合わせ件数 …) where one side is in this
    file and the other is already stored: a file may bring one half of a month's data.
    ``stored``: month, department, process, measure, value of the stored cells.
    Returns (the first MAX_PROBLEMS by row, how many more there were)."""
    cat = cat or catalogue()
    values = parsed.values
    mine = values[values["measure"].isin(PARTNERS)]
    if mine.empty or stored.empty:
        return (), 0
    key = ["month", "department", "process"]
    old = stored[stored["measure"].isin(PARTNERS)].copy()
    old["month"] = pd.to_datetime(old["month"]).astype("datetime64[s]")
    file_wide = mine.set_index(key + ["measure"])[["value", "row", "column"]].unstack("measure")
    old_wide = old.set_index(key + ["measure"])["value"].unstack("measure").reindex(file_wide.index)
    header = {m.id: m.header for m in cat.measures}
    nan = pd.Series(np.nan, index=file_wide.index)

    def side(frame, part, measure):
        return frame[(part, measure)] if (part, measure) in frame.columns else nan

    out = []
    total = 0
    for small, large, _ in NOT_ABOVE:
        f_small, f_large = side(file_wide, "value", small), side(file_wide, "value", large)
        s_small = old_wide[small] if small in old_wide.columns else nan
        s_large = old_wide[large] if large in old_wide.columns else nan
        for mine_id, other_id, hit, other, key_ in (
                (small, large, f_small.notna() & f_large.isna() & (f_small > s_large), s_large, "above_stored"),
                (large, small, f_large.notna() & f_small.isna() & (s_small > f_large), s_small, "below_stored")):
            found = np.flatnonzero(hit.to_numpy())
            total += len(found)
            rows_found = file_wide[("row", mine_id)].to_numpy()[found] if len(found) else found
            for idx in found[np.argsort(rows_found, kind="stable")[:limits.MAX_PROBLEMS]]:
                row, col = file_wide[("row", mine_id)].iloc[idx], file_wide[("column", mine_id)].iloc[idx]
                out.append(Problem(parsed.sheet, int(row), col, cell_text(float(side(file_wide, "value", mine_id)
                                                                                   .iloc[idx])),
                                   key_, {"this": header[mine_id], "other_name": header[other_id],
                                          "other": cell_text(float(other.iloc[idx]))}))
    out = sorted(out, key=lambda p: p.row)[:limits.MAX_PROBLEMS]
    return tuple(out), total - len(out)


def problems_table(problems: Sequence[Problem], lang: str = "ja") -> tuple[list[str], list[list]]:
    """(header, rows) for showing or downloading the problem list."""
    header = [t(f"kpi.problem_col.{c}", lang) for c in ("sheet", "row", "column", "value", "message")]
    return header, [[p.sheet, p.row, p.column, p.value, p.message(lang)] for p in problems]
