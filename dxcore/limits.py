"""How much an upload may ask of the server, and the cheap looks that enforce it before
any grid is built.  Pure Python; :mod:`dxcore.sheets` and :mod:`dxcore.sandbox` use it.

Every limit has a default here and an environment variable to change it (README, 上限):

    DX_MAX_UPLOAD_MB   18         a file uploaded on the page (Streamlit's own limit: 20 million bytes)
    DX_MAX_FILE_MB     50         a file given to the command line
    DX_MAX_COLUMNS     256        columns of a sheet or a CSV line
    DX_MAX_CELLS       3000000    rows × columns of the area a sheet or a CSV spans
    DX_MAX_LINE_KB     64         one line of a CSV
    DX_MAX_PROBLEMS    200        problems listed (the rest are counted, not kept)
    DX_PARSE_MEMORY_MB 2048       memory a parse may add (child process, RLIMIT_AS)
    DX_PARSE_SECONDS   60         time a parse may take (child process)
    DX_MAX_JSON_MB     10         a JSON file given to the command line

A worksheet is looked at in its XML form, streamed from the zip (the zip check inflates
each part once anyway): :class:`SheetScan` finds the highest row and column that hold a
value, so that a sheet whose area is absurd (one value at XFD1048576 makes a reader build
a grid of 17 billion cells) is refused, with the cell named, before any reader sees it.
The ``<dimension ref>`` a sheet states is read as well, but it is only a claim: a small
claim does not let a far cell through, and a large claim over a small area is read fine.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass

import numpy as np

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


MAX_UPLOAD_BYTES = _env_int("DX_MAX_UPLOAD_MB", 18) * MB
MAX_FILE_BYTES = _env_int("DX_MAX_FILE_MB", 50) * MB
MAX_COLUMNS = _env_int("DX_MAX_COLUMNS", 256)
MAX_ROWS = 1_048_576  # Excel's own
MAX_CELLS = _env_int("DX_MAX_CELLS", 3_000_000)
MAX_LINE_BYTES = _env_int("DX_MAX_LINE_KB", 64) * 1024
MAX_PROBLEMS = _env_int("DX_MAX_PROBLEMS", 200)
PARSE_MEMORY_BYTES = _env_int("DX_PARSE_MEMORY_MB", 2048) * MB
PARSE_SECONDS = _env_int("DX_PARSE_SECONDS", 60)
MAX_JSON_BYTES = _env_int("DX_MAX_JSON_MB", 10) * MB
MAX_TAG_BYTES = 1 * MB  # one XML tag (or the text between two) longer than this is no worksheet


class Refused(Exception):
    """The file is refused as a whole, before (or instead of) being read.  ``key`` is a
    message under ``kpi.problem`` or, with a dot, a whole catalogue key."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def mb(n_bytes: int) -> str:
    """A size in MB as people read it (19, 0.5)."""
    v = n_bytes / MB
    return f"{v:.0f}" if v >= 10 or v.is_integer() else f"{v:.1f}"


def check_size(size: int, limit: int | None = None) -> None:
    """Refuses a file above ``limit`` bytes (default MAX_FILE_BYTES) before it is read."""
    limit = MAX_FILE_BYTES if limit is None else limit
    if size > limit:
        raise Refused("too_big", limit=mb(limit))


# cells ------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def column_number(letters: str) -> int:
    """A → 1, AA → 27, XFD → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def cell_name(row: int, col: int) -> str:
    """1-based row and column → XFD1048576."""
    return f"{column_letter(col - 1)}{row}"


def over_limits(rows: int, cols: int) -> bool:
    return cols > MAX_COLUMNS or rows > MAX_ROWS or rows * cols > MAX_CELLS


def extent_refusal(sheet: str, cell: str) -> Refused:
    return Refused("limits.sheet_too_large", sheet=sheet, cell=cell, max_columns=MAX_COLUMNS,
                   last_column=column_letter(MAX_COLUMNS - 1), max_rows=f"{MAX_ROWS:,}", max_cells=f"{MAX_CELLS:,}")


# worksheets, as XML ---------------------------------------------------------------------

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>/]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_REF = re.compile(r"\$?([A-Za-z]{1,7})\$?0*(\d{1,12})")
_ATTR_R = re.compile(rb"\br\s*=\s*[\"']([^\"']*)[\"']")
_ROW_NUMBER = re.compile(r"0*(\d{1,12})")
_TOKEN = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>(</(?:[A-Za-z_][\w.-]*:)?c>)?")


@dataclass
class SheetScan:
    """The area a worksheet's values span, found from its XML fed in chunks.

    ``max_row`` and ``max_col`` (1-based) are those of the cells that hold something (an
    empty, self-closing ``<c …/>`` only styles a cell and is skipped, as readers skip it);
    ``cell`` names the cell that set the larger of them; ``over`` is that cell's name once
    the area is beyond the limits (and scanning stopped).
    """

    max_row: int = 0
    max_col: int = 0
    cell: str | None = None
    dimension: str | None = None
    over: str | None = None
    exact: bool = False  # True when the part had to be read tag by tag (cells without r="…")

    def dimension_extent(self) -> tuple[int, int] | None:
        """(rows, columns) the sheet claims, if it says."""
        if not self.dimension:
            return None
        m = _REF.fullmatch(self.dimension.split(":")[-1].strip())
        return (int(m.group(2)), column_number(m.group(1))) if m else None

    def _seen(self, row: int, col: int) -> None:
        if self.over is None and (row > self.max_row or col > self.max_col):
            self.cell = cell_name(max(row, 1), max(col, 1))
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
            if over_limits(self.max_row, self.max_col):
                self.over = self.cell


def _whole_tags(read):
    """The XML from ``read()`` in pieces that end after a tag's ``>`` (the rest waits for the
    next chunk); a tag, or text between two, longer than MAX_TAG_BYTES is no worksheet."""
    tail = b""
    while chunk := read():
        buf = tail + chunk
        cut = buf.rfind(b">") + 1
        buf, tail = buf[:cut], buf[cut:]
        if len(tail) > MAX_TAG_BYTES:
            raise Refused("corrupt")
        if buf:
            yield buf


def scan_worksheet(read) -> SheetScan:
    """The area of one worksheet part; ``read()`` returns the next chunk of its XML (b''
    at the end).  The common form, every cell written as ``<c r="B12" …>``, is read with a
    few array operations per chunk; a part with any other cell tag comes back with
    ``exact=True`` and must be read again with :func:`scan_worksheet_exactly`."""
    s = SheetScan()
    prefix = None
    for buf in _whole_tags(read):
        if s.over:
            break
        if prefix is None:
            m = _ROOT.search(buf)
            prefix = (m.group(1) or b"") if m else b""
            d = _DIMENSION.search(buf)
            if d:
                s.dimension = html.unescape(d.group(1).decode("utf-8", "replace"))[:40]
        found = _cells(buf, prefix)
        if found is None:
            s.exact = True
            return s
        rows, cols = found
        if len(rows):
            wide = np.flatnonzero(cols > MAX_COLUMNS)
            # the cells that name what is found: the first past the last column, else the
            # lowest (the rightmost of that row) and the rightmost
            lowest = np.flatnonzero(rows == rows.max())
            for i in (wide[:1] if len(wide) else (lowest[np.argmax(cols[lowest])], np.argmax(cols))):
                s._seen(int(rows[i]), int(cols[i]))
    return s


_DIGIT_WEIGHTS = 10 ** np.arange(6, -1, -1, dtype=np.int64)


def _cells(buf: bytes, prefix: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows, columns) of the cells holding something in ``buf`` (whole tags), or None if
    a cell tag is not of the form ``<c r="B12"`` (no r, lower case, $, a leading zero …)."""
    n = len(buf)
    a = np.frombuffer(buf + b"\0" * 24, dtype=np.uint8)
    lt = np.flatnonzero(a[:n] == 60)  # <
    o = 1 + len(prefix)
    is_cell = a[lt + o] == 99  # c
    for i, ch in enumerate(prefix):
        is_cell &= a[lt + 1 + i] == ch
    after = a[lt + o + 1]
    is_cell &= (after == 32) | (after == 47) | (after == 62) | (after == 9) | (after == 10) | (after == 13)
    start = lt[is_cell] + o + 1  # the byte after "c"
    if len(start) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    win = a[start[:, None] + np.arange(16)]  # ' r="XFD1048576"' is 15 bytes
    if not ((win[:, 0] == 32) & (win[:, 1] == 114) & (win[:, 2] == 61) & (win[:, 3] == 34)).all():
        return None
    ref = win[:, 4:]
    letter = (ref >= 65) & (ref <= 90)
    n_letters = np.argmin(letter, axis=1)
    digit = (ref >= 48) & (ref <= 57)
    non_digit_after = (np.arange(12)[None, :] >= n_letters[:, None]) & ~digit
    n_digits = np.argmax(non_digit_after, axis=1) - n_letters  # digits up to the first non-digit
    quote = ref[np.arange(len(ref)), np.minimum(n_letters + n_digits, 11)]
    first = ref[np.arange(len(ref)), np.minimum(n_letters, 11)]
    if not ((n_letters >= 1) & (n_letters <= 3) & (n_digits >= 1) & (n_digits <= 7) & (quote == 34)
            & (first != 48)).all():
        return None
    cols = np.zeros(len(ref), np.int64)
    for i in range(3):
        cols = np.where(i < n_letters, cols * 26 + ref[:, i].astype(np.int64) - 64, cols)
    idx = n_letters[:, None] + np.arange(7)[None, :]
    d = np.take_along_axis(ref, np.minimum(idx, 11), axis=1).astype(np.int64) - 48
    d = np.where(np.arange(7)[None, :] < n_digits[:, None], d, 0)
    rows = (d * _DIGIT_WEIGHTS).sum(axis=1) // (10 ** (7 - n_digits))
    # a cell that holds nothing (<c r="B2" s="1"/> or <c …></c>) only styles it: readers skip it
    gts = np.append(np.flatnonzero(a[:n] == 62), n)
    end = gts[np.searchsorted(gts, start)]
    close = b"</" + prefix + b"c>"
    empty = a[end - 1] == 47
    tail_match = np.ones(len(end), bool)
    for i, ch in enumerate(close):
        tail_match &= a[np.minimum(end + 1 + i, n + 23)] == ch
    keep = ~(empty | tail_match)
    return rows[keep], cols[keep]


def scan_worksheet_exactly(read, dimension: str | None = None) -> SheetScan:
    """Tag by tag, as a reader places cells: a row without r="…" follows the previous row, a
    cell without r="…" the previous cell.  Stops once the area or the number of cell tags
    passes the limits, so a hostile part costs at most that many steps."""
    s = SheetScan(dimension=dimension, exact=True)
    row = col = tags = 0
    for buf in _whole_tags(read):
        if s.over:
            break
        for closing, name, attrs, closed in _TOKEN.findall(buf):
            if closing:
                continue
            r = _ATTR_R.search(attrs) if attrs else None
            if name == b"row":
                rm = _ROW_NUMBER.fullmatch(r.group(1).decode("ascii", "replace").strip()) if r else None
                row, col = (int(rm.group(1)) if rm else row + 1), 0
                if row > MAX_ROWS:
                    s.over = s.cell = cell_name(row, 1)
                    break
                continue
            tags += 1
            ref = _REF.fullmatch(r.group(1).decode("ascii", "replace").strip()) if r else None
            if ref:
                cell_row, col = int(ref.group(2)), column_number(ref.group(1))
            else:
                cell_row, col = max(row, 1), col + 1
            if not (closed or attrs.endswith(b"/")):  # a cell that holds something
                s._seen(cell_row, col)
            if s.over or tags > MAX_CELLS:  # also millions of empty cell tags: no worksheet
                s.over = s.over or cell_name(max(cell_row, 1), max(col, 1))
                break
    return s


# the workbook's sheets ----------------------------------------------------------------------

_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^>]*)>")
_REL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s([^>]*)>")
_ATTR = re.compile(rb"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attrs(text: bytes) -> dict[str, str]:
    """An XML tag's attributes, names without their prefix and in lower case (r:id → id)."""
    out = {}
    for key, dq, sq in _ATTR.findall(text):
        name = key.decode("ascii", "replace")
        if not name.startswith("xmlns"):
            out[name.rsplit(":", 1)[-1].lower()] = html.unescape((dq or sq).decode("utf-8", "replace"))
    return out


def sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name → its part in the zip (``xl/worksheets/sheet1.xml``)."""
    targets = {}
    for m in _REL.finditer(rels_xml):
        a = _attrs(m.group(1))
        if "id" in a and "target" in a:
            t = a["target"].lstrip("/")
            targets[a["id"]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in _SHEET.finditer(workbook_xml):
        a = _attrs(m.group(1))
        if "name" in a and a.get("id") in targets:
            out[a["name"]] = os.path.normpath(targets[a["id"]]).replace(os.sep, "/")
    return out


# CSV ------------------------------------------------------------------------------------------

def check_csv_lines(data: bytes, sep: bytes = b",") -> None:
    """Refuses a CSV, before it is decoded, with a line longer than MAX_LINE_BYTES or with
    more filled lines × columns of its first line than MAX_CELLS."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    lengths = np.append(ends, len(data)) - starts
    longest = int(np.argmax(lengths))
    if lengths[longest] > MAX_LINE_BYTES:
        raise Refused("limits.line_too_long", line=f"{longest + 1:,}", length=f"{int(lengths[longest]):,}",
                      max=f"{MAX_LINE_BYTES // 1024:,}")
    filled = int(np.count_nonzero(lengths > 1))  # "\r" alone is a blank line too
    first = data[:int(lengths[0])]
    columns = max(first.count(b","), first.count(b"\t")) + 1
    if filled * columns > MAX_CELLS:
        raise Refused("limits.csv_too_many_cells", rows=f"{filled:,}", columns=f"{columns:,}", line="1",
                      max=f"{MAX_CELLS:,}")
