"""What a report is made of, independent of its file format.

A :class:`Report` is a list of :class:`Section` s in the order the user chose; a section
holds :class:`Page` s, and each page carries one message (a slide's title, a sheet's
heading) with at most one chart, one table, a few cards or sentences.  The writers
(:mod:`dxcore.report.slides`, :mod:`dxcore.report.workbook`) only lay these out, so the
numbers in a PowerPoint chart and in the Excel sheet behind it are the same objects.

Numbers stay numbers here (fractions for rates) with an Excel number format next to
them; :func:`display` turns one into text the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Mapping

from dxcore.errors import DxError
from dxcore.i18n import t
from dxcore.kpi import add_months, fiscal_start, fy_label, month_label, month_start
from dxcore.periods import fiscal_year
from dxcore.plan import format_date

SECTIONS = ("cover", "summary", "health", "causes", "risks", "plan", "kpi_cards", "kpi_trends", "departments",
            "workshops", "definitions")
FORMATS = ("pptx", "xlsx")
MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_MONTHS = 120  # ten years: a longer range is a typo


# the period ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A range of whole months, ``start`` and ``end`` month starts (inclusive)."""

    start: date
    end: date

    @classmethod
    def fiscal(cls, fy: int) -> "Period":
        if not 2000 <= int(fy) <= 2100:
            raise DxError("report.error.bad_fiscal_year", value=fy)
        return cls(fiscal_start(int(fy)), add_months(fiscal_start(int(fy)), 11))

    @classmethod
    def months_between(cls, start: date, end: date) -> "Period":
        start, end = month_start(start), month_start(end)
        if start > end:
            raise DxError("report.error.bad_range", start=start.strftime("%Y-%m"), end=end.strftime("%Y-%m"))
        if len(months(start, end)) > MAX_MONTHS:
            raise DxError("report.error.too_long", max=MAX_MONTHS)
        return cls(start, end)

    @property
    def fiscal_year(self) -> int | None:
        """The 年度 when the period is exactly one, else None."""
        fy = fiscal_year(self.start)
        return fy if self.start == fiscal_start(fy) and self.end == add_months(self.start, 11) else None

    @property
    def last_day(self) -> date:
        return add_months(self.end, 1) - timedelta(days=1)

    def months(self) -> list[date]:
        return months(self.start, self.end)

    def holds(self, d: date) -> bool:
        return self.start <= d <= self.last_day

    def label(self, lang: str = "ja", wareki: bool = False) -> str:
        if self.fiscal_year is not None:
            return fy_label(self.fiscal_year, lang, wareki)
        return t("report.period.range", lang, start=month_label(self.start, lang, wareki),
                 end=month_label(self.end, lang, wareki))

    def key(self) -> str:
        """For file names: 2025 for a 年度, 2025-04_2025-09 otherwise."""
        if self.fiscal_year is not None:
            return f"FY{self.fiscal_year}"
        return f"{self.start:%Y-%m}_{self.end:%Y-%m}"


def months(start: date, end: date) -> list[date]:
    out, d = [], month_start(start)
    while d <= end:
        out.append(d)
        d = add_months(d, 1)
    return out


def parse_sections(raw: Iterable[str] | None) -> tuple[str, ...]:
    """The chosen sections in the report's order; all of them when none are named.
    An unknown name is a DxError that lists the known ones."""
    if raw is None:
        return SECTIONS
    wanted = [s.strip() for item in raw for s in str(item).split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise DxError("report.error.unknown_section", value="、".join(unknown[:5]), known=", ".join(SECTIONS))
    if not wanted:
        return SECTIONS
    return tuple(s for s in SECTIONS if s in wanted)


# what a report is made of ------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    style: str = "main"  # main | previous | target | marker
    labels: Mapping[int, str] = field(default_factory=dict)  # point index → text (marker series)


@dataclass(frozen=True)
class Chart:
    kind: str  # line | column | bar | stacked_bar | radar
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str = "General"
    axis_min: float | None = None
    axis_max: float | None = None
    category_title: str = ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple, ...]
    formats: tuple[str | None, ...] = ()  # Excel number format per column (None: as it is)
    widths: tuple[float, ...] = ()  # relative column widths

    def format_of(self, i: int) -> str | None:
        return self.formats[i] if i < len(self.formats) else None


@dataclass(frozen=True)
class Card:
    kpi: str
    name: str
    value: float
    number_format: str
    text: str  # the value as the app shows it (0.54 時間, 156.5 万円)
    lines: tuple[str, ...]
    state: str = "none"  # met | missed | none (no target)


@dataclass(frozen=True)
class Page:
    message: str  # the one thing this slide says
    chart: Chart | None = None
    table: Table | None = None
    cards: tuple[Card, ...] = ()
    bullets: tuple[str, ...] = ()
    note: str = ""
    on_slide: bool = True  # False: the workbook only (e.g. the raw rows)
    table_on_slide: bool = True  # False: the slide shows the chart, the workbook also the table


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    pages: tuple[Page, ...] = ()
    empty: str | None = None  # why there is nothing to show (then ``pages`` is empty)


@dataclass(frozen=True)
class Report:
    org: str
    period: Period
    period_label: str
    created: date
    lang: str
    summary: tuple[str, ...]
    sections: tuple[Section, ...]

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    @property
    def title(self) -> str:
        return t("report.doc_title", self.lang, org=self.org, period=self.period_label)

    def file_name(self, fmt: str) -> str:
        return f"report_{self.period.key()}.{fmt}"


# numbers as text ---------------------------------------------------------------------------

def kpi_format(unit: str) -> str:
    """The Excel number format of a KPI's values (fractions shown as %)."""
    return {"ratio": "0.0%", "hours": "#,##0.00", "score5": "0.00", "count": "#,##0.##", "months": "#,##0",
            "yen": "#,##0"}.get(unit, "General")


@dataclass(frozen=True)
class Valued:
    """A number with its own format (a KPI's value in a table of several KPIs)."""

    value: float
    fmt: str


# the Excel number formats this package uses, as Python format specs
PY_FORMATS = {"0.0%": "{:.1%}", "0%": "{:.0%}", "0": "{:.0f}", "0.0": "{:.1f}", "+0.0;-0.0;0.0": "{:+.1f}",
              "0.00": "{:.2f}", "+0.00;-0.00;0.00": "{:+.2f}", "#,##0": "{:,.0f}", "#,##0.00": "{:,.2f}"}


def display(value, fmt: str | None = None, lang: str = "ja") -> str:
    """A cell as text, the way Excel shows it with ``fmt``."""
    if isinstance(value, Valued):
        value, fmt = value.value, value.fmt
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if fmt in PY_FORMATS:
        return PY_FORMATS[fmt].format(value)
    if fmt == "#,##0.##":  # whole counts without decimals, others with up to two
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,.6g}" if isinstance(value, float) else str(value)
