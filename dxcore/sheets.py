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
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from dxcore.i18n import t
from dxcore.kpi import NO_PROCESS, Catalogue, catalogue, month_key, month_start
from dxcore.periods import ERA_YEAR_ZERO, TOKYO

MAX_FILE_BYTES = 50 * 1024 * 1024  # the upload page allows 20 MB (.streamlit/config.toml)
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # a 200,000-row workbook unpacks to ~60 MB
MAX_ZIP_ENTRIES = 10_000
MAX_RATIO = 200  # xlsx parts compress ~10:1; zeros and other bomb payloads ~1000:1
RATIO_CHECK_FROM = 1024 * 1024
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
        return t(f"kpi.problem.{self.key}", lang, **{"value": self.value or "", **self.params})

    def to_dict(self, lang: str = "ja") -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "message": self.message(lang)}


class Refused(Exception):
    """The file is refused as a whole, before (or instead of) being read."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True, eq=False)
class Parsed:
    file_name: str
    sha256: str
    kind: str | None  # xlsx | csv
    sheet: str | None
    layout: str | None  # wide | long
    rows: int  # data rows read (blank rows not counted)
    values: pd.DataFrame  # month (datetime64), department, process, measure, value, row, column
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

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


def column_letter(index: int) -> str:
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


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
    if not data:
        raise Refused("empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise Refused("too_big", limit=MAX_FILE_BYTES // (1024 * 1024))
    if data.startswith(OLE_MAGIC):
        # Excel stores a password-protected .xlsx in an OLE container with these streams
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise Refused("encrypted")
        raise Refused("legacy_xls")
    if data.startswith(b"PK"):
        _check_zip(data)
        return "xlsx"
    head = data[:8192]
    if head.startswith(BINARY_MAGIC) or (b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE,
                                                                                    codecs.BOM_UTF16_BE))):
        raise Refused("not_spreadsheet")
    return "csv"


def _check_zip(data: bytes) -> None:
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
    try:
        for info in infos:
            with zf.open(info) as fh:
                while chunk := fh.read(4 * 1024 * 1024):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        raise Refused("zip_bomb", limit=MAX_UNZIPPED_BYTES // (1024 * 1024))
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise Refused("corrupt") from None


# reading -------------------------------------------------------------------------

def _read_xlsx(data: bytes, find_header) -> tuple[str, pd.DataFrame, int, dict]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception:  # noqa: BLE001 — calamine raises several types for broken files
        raise Refused("corrupt") from None
    order = [SHEET] if SHEET in names else names
    first = None
    for name in order:
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001
            raise Refused("corrupt") from None
        grid = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)
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
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    sep = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        # every line keeps its place (blank lines too) so a row number is the line number
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as e:
        raise Refused("csv_malformed", reason=str(e)) from None
    if not rows:
        raise Refused("empty_file")
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    found = find_header(grid)
    if found is None:
        raise Refused("no_header", sheet="CSV")
    return grid, *found


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
        text = rest[~rest_blank].map(lambda v: unicodedata.normalize("NFKC", str(v)).translate(_MINUS).strip())
        parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
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


def _factor_map(s: pd.Series, fn) -> tuple[np.ndarray, list]:
    """Apply ``fn`` to each distinct value only; returns (codes, results per unique)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, [fn(u) for u in uniques]


# the parser -----------------------------------------------------------------------

class _Problems:
    """Problems collected as column arrays and turned into records once, at the end."""

    def __init__(self, sheet: str | None):
        self.sheet = sheet
        self.parts: list[pd.DataFrame] = []

    def add(self, rows, column: str | None, values, key: str, params=None) -> None:
        rows = np.asarray(rows)
        if len(rows) == 0:
            return
        n = len(rows)
        self.parts.append(pd.DataFrame({
            "row": rows.astype(int), "column": [column] * n if not isinstance(column, (list, np.ndarray))
            else list(column),
            "value": list(values) if not isinstance(values, str) else [values] * n,
            "key": key, "params": params if isinstance(params, list) else [params or {}] * n}))

    def one(self, row, column, value, key, **params) -> None:
        self.add([row], column, [value], key, [params])

    def records(self) -> tuple[Problem, ...]:
        if not self.parts:
            return ()
        df = pd.concat(self.parts, ignore_index=True)
        df["order"] = np.arange(len(df))
        df = df.sort_values(["row", "order"], kind="stable")
        return tuple(Problem(self.sheet, int(r), c, v, k, p)
                     for r, c, v, k, p in zip(df["row"], df["column"], df["value"], df["key"], df["params"]))


def parse(data: bytes, file_name: str = "", cat: Catalogue | None = None, today: date | None = None) -> Parsed:
    """Read and check a spreadsheet; never raises for a bad file (see ``Parsed.problems``)."""
    cat = cat or catalogue()
    sha = hashlib.sha256(data).hexdigest()
    roles, measure_ids = _lookups(cat)
    finder = _header_finder(roles)
    try:
        kind = sniff(data)
        if kind == "xlsx":
            sheet, grid, header_row, header = _read_xlsx(data, finder)
        else:
            sheet = None
            grid, header_row, header = _read_csv(data, finder)
    except Refused as r:
        sheet = r.params.get("sheet") if r.key == "no_header" and r.params.get("sheet") != "CSV" else None
        return Parsed(file_name, sha, None, sheet, None, 0, _empty(),
                      (Problem(sheet, None, None, file_name or None, r.key, dict(r.params)),))
    return _check(grid, header_row, header, sheet, kind, file_name, sha, cat, roles, measure_ids,
                  month_start(today or tokyo_today()))


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

    # 年月 / 部署 / 業務名, one distinct value at a time -------------------------------------
    mc = role_col["month"]
    codes, parsed = _factor_map(body.iloc[:, mc], parse_month)
    month_vals = np.array([p[0] for p in parsed] + [None], dtype=object)[codes]
    month_err = np.array([p[1] for p in parsed] + ["missing_month"], dtype=object)[codes]
    raw_month = body.iloc[:, mc].to_numpy(dtype=object)
    future = np.array([m is not None and m > this_month for m in (p[0] for p in parsed)] + [False])[codes]
    for key in ("missing_month", "bad_month", "impossible_month"):
        hit = month_err == key
        if hit.any():
            probs.add(rows_excel[hit], labels[mc], [cell_text(v) for v in raw_month[hit]], key)
    if future.any():
        probs.add(rows_excel[future], labels[mc], [cell_text(v) for v in raw_month[future]], "future_month",
                  [{"month": month_key(m), "this_month": month_key(this_month)} for m in month_vals[future]])
    month_ok = (month_err == None) & ~future  # noqa: E711 — element-wise
    month_ns = np.array([np.datetime64(p[0], "s") if p[0] else np.datetime64("NaT", "s") for p in parsed]
                        + [np.datetime64("NaT", "s")], dtype="datetime64[s]")[codes]

    dc = role_col["department"]
    dcodes, dnames = _factor_map(body.iloc[:, dc], lambda v: norm_name(cell_text(v)))
    dept = np.array(dnames + [""], dtype=object)[dcodes]
    dept_missing = dept == ""
    probs.add(rows_excel[dept_missing], labels[dc], "", "missing_department")
    dept_long = np.array([len(x) > MAX_TEXT for x in dnames] + [False])[dcodes]
    probs.add(rows_excel[dept_long], labels[dc], dept[dept_long], "text_too_long", {"max": MAX_TEXT})
    if "process" in role_col:
        pc = role_col["process"]
        pcodes, pnames = _factor_map(body.iloc[:, pc], lambda v: norm_name(cell_text(v)))
        proc = np.array(pnames + [NO_PROCESS], dtype=object)[pcodes]
        proc_long = np.array([len(x) > MAX_TEXT for x in pnames] + [False])[pcodes]
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
        unknown = no_measure & ~empty_measure
        probs.add(rows_excel[unknown], labels[xc], [cell_text(v) for v in raw_measure[unknown]], "unknown_measure")
        frame = _frame({"row": rows_excel, "col": labels[vc], "month": month_ns, "department": dept,
                        "process": proc, "measure": measure, "value": num,
                        "raw": body.iloc[:, vc].to_numpy(dtype=object), "bad": bad, "ok": row_ok & ~no_measure})
        frame = frame[~blank]
    elif not long:
        parts = []
        for mid, j in measure_col.items():
            num, blank, bad = _numbers(body.iloc[:, j])
            keep = ~blank
            parts.append(_frame({
                "row": rows_excel[keep], "col": labels[j], "month": month_ns[keep], "department": dept[keep],
                "process": proc[keep], "measure": mid, "value": num[keep],
                "raw": body.iloc[:, j].to_numpy(dtype=object)[keep], "bad": bad[keep], "ok": row_ok[keep]}))
        frame = pd.concat(parts, ignore_index=True) if parts else None
    else:
        frame = None
    if frame is None or frame.empty:
        return Parsed(file_name, sha, kind, sheet, "long" if long else "wide", n_rows, _empty(), probs.records())

    # value rules -----------------------------------------------------------------------------
    kinds = {m.id: m.kind for m in cat.measures}
    kind = frame["measure"].map(kinds).to_numpy(dtype=object)
    v = frame["value"].to_numpy(dtype=float)
    bad = frame["bad"].to_numpy()
    checks = [
        ("not_number", bad),
        ("negative", ~bad & (v < 0)),
        ("score_range", ~bad & (kind == "score") & ((v < 1) | (v > 5))),
        ("not_integer", ~bad & (v >= 0) & (kind == "count") & (np.abs(v - np.round(v)) > COUNT_TOLERANCE)),
    ]
    wrong = np.zeros(len(frame), dtype=bool)
    for key, hit in checks:
        hit = hit & ~wrong
        if hit.any():
            sub = frame[hit]
            probs.add(sub["row"].to_numpy(), sub["col"].to_numpy(), [cell_text(x) for x in sub["raw"]], key)
        wrong |= hit
    frame = frame[~wrong & frame["ok"].to_numpy()]

    # duplicates: one month × department × process (× measure) once ---------------------------
    keys = ["month", "department", "process", "measure"]
    dup = frame.duplicated(keys, keep="first").to_numpy()
    if dup.any():
        first_row = frame.groupby(keys, sort=False)["row"].transform("first").to_numpy()
        sub = frame[dup]
        if long:
            probs.add(sub["row"].to_numpy(), labels[role_col["measure"]], [str(x) for x in sub["measure"]],
                      "duplicate_value", [{"first": int(f)} for f in first_row[dup]])
        else:
            once = ~sub.duplicated("row").to_numpy()
            sub_rows = sub[once]
            probs.add(sub_rows["row"].to_numpy(), labels[mc], [month_key(m) for m in sub_rows["month"]],
                      "duplicate_row", [{"first": int(f)} for f in first_row[dup][once]])
        frame = frame[~dup]

    # combinations that cannot be -----------------------------------------------------------------
    _combinations(frame, probs)

    values = _frame({
        "month": frame["month"].to_numpy(), "department": frame["department"].to_numpy(),
        "process": frame["process"].to_numpy(), "measure": frame["measure"].to_numpy(),
        "value": frame["value"].to_numpy(dtype=float), "row": frame["row"].to_numpy(dtype=int),
        "column": frame["col"].to_numpy()})
    return Parsed(file_name, sha, kind, sheet, "long" if long else "wide", n_rows, values, probs.records())


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
        probs.add(rows, [where[r, small][0] for r in rows], [cell_text(where[r, small][1]) for r in rows],
                  problem, params)

    for small, large, problem in NOT_ABOVE:
        if ("value", small) not in wide.columns or ("value", large) not in wide.columns:
            continue
        a, b = wide[("value", small)], wide[("value", large)]
        hit = (a > b).to_numpy()
        if hit.any():
            report(hit, small, problem, [{"other": cell_text(x), "other_row": int(r)}
                                         for x, r in zip(b.to_numpy()[hit], wide[("row", large)].to_numpy()[hit])])
    if ("value", "resident_sat") in wide.columns:
        sat = wide[("value", "resident_sat")]
        n = wide[("value", "resident_sat_n")] if ("value", "resident_sat_n") in wide.columns else sat * np.nan
        hit = (sat.notna() & ~(n > 0)).to_numpy()
        if hit.any():
            report(hit, "resident_sat", "score_without_n", None)


PARTNERS = {m for pair in NOT_ABOVE for m in pair[:2]}


def check_with_stored(parsed: Parsed, stored: pd.DataFrame, cat: Catalogue | None = None) -> tuple[Problem, ...]:
    """The pairs that cannot be (自己解決件数 ≤ 問い合わせ件数 …) where one side is in this
    file and the other is already stored: a file may bring one half of a month's data.
    ``stored``: month, department, process, measure, value of the stored cells."""
    cat = cat or catalogue()
    values = parsed.values
    mine = values[values["measure"].isin(PARTNERS)]
    if mine.empty or stored.empty:
        return ()
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
    for small, large, _ in NOT_ABOVE:
        f_small, f_large = side(file_wide, "value", small), side(file_wide, "value", large)
        s_small = old_wide[small] if small in old_wide.columns else nan
        s_large = old_wide[large] if large in old_wide.columns else nan
        for mine_id, other_id, hit, other, key_ in (
                (small, large, f_small.notna() & f_large.isna() & (f_small > s_large), s_large, "above_stored"),
                (large, small, f_large.notna() & f_small.isna() & (s_small > f_large), s_small, "below_stored")):
            for idx in np.flatnonzero(hit.to_numpy()):
                row, col = file_wide[("row", mine_id)].iloc[idx], file_wide[("column", mine_id)].iloc[idx]
                out.append(Problem(parsed.sheet, int(row), col, cell_text(float(side(file_wide, "value", mine_id)
                                                                                   .iloc[idx])),
                                   key_, {"this": header[mine_id], "other_name": header[other_id],
                                          "other": cell_text(float(other.iloc[idx]))}))
    return tuple(sorted(out, key=lambda p: p.row))


def problems_table(problems: Sequence[Problem], lang: str = "ja") -> tuple[list[str], list[list]]:
    """(header, rows) for showing or downloading the problem list."""
    header = [t(f"kpi.problem_col.{c}", lang) for c in ("sheet", "row", "column", "value", "message")]
    return header, [[p.sheet, p.row, p.column, p.value, p.message(lang)] for p in problems]
