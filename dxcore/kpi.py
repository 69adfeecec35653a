"""Monthly KPIs: the catalogue of raw measures and KPIs, and the formulas that turn
stored measures into KPIs per month and per 年度.

Aggregation is done the only way that is right for ratios and means: numerators and
denominators are summed over departments (and over the months of a 年度) first and
divided once; a mean is weighted by its number of responses.  Percentages are never
averaged.  A ratio only uses the rows (month × department × process) where both its
numerator and its denominator were entered, so a department that reported one half
cannot skew the other.

Values are plain fractions (0.42), never percentages, everywhere except on screen.
Everything here is pure: pandas frames in, pandas frames and frozen records out.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from dxcore.i18n import pick, t
from dxcore.periods import FISCAL_START_MONTH, era_of, fiscal_year, fiscal_year_label

CONTENT = Path(__file__).parent / "content"
Texts = Mapping[str, str]

RULES = ("ratio", "weighted", "sum", "cumulative", "streak", "reduction", "cost", "mean")
YEAR_RULES = ("pooled", "mean", "last")
DIRECTIONS = ("higher", "lower")
MEASURE_KINDS = ("count", "hours", "score", "number")
CUSTOM_AGGREGATES = ("sum", "mean")
DEFAULT_HOURLY_RATE = 3000.0  # 円/時間: a stated assumption until the organisation sets its own
VALUE_COLUMNS = ("month", "department", "process", "measure", "value")
KEY = ["month", "department", "process"]
NO_PROCESS = ""


@dataclass(frozen=True)
class Measure:
    id: str
    header: str  # the Japanese column header of the template
    name: Texts
    kind: str  # count | hours | score | number
    help: Texts
    custom: bool = False


@dataclass(frozen=True)
class KpiDef:
    id: str
    name: Texts
    unit: str  # ratio | hours | count | score5 | months | yen | free text for custom KPIs
    direction: str  # higher | lower
    formula: Texts
    rule: str
    inputs: tuple[str, ...]
    year: str  # pooled | mean | last
    headline: bool = False
    custom: bool = False


@dataclass(frozen=True)
class CustomKpi:
    """An organisation's own KPI, fed by its own column (header = name)."""

    key: str  # custom_<id>: the measure id and the KPI id
    name: str
    unit: str
    direction: str
    aggregate: str  # sum | mean


@dataclass(frozen=True)
class Settings:
    hourly_rate: float | None = None
    baseline_time_per_case: float | None = None

    @property
    def rate(self) -> float:
        return self.hourly_rate if self.hourly_rate is not None else DEFAULT_HOURLY_RATE


@dataclass(frozen=True, eq=False)
class Catalogue:
    measures: tuple[Measure, ...]
    kpis: tuple[KpiDef, ...]
    measure_index: Mapping[str, Measure] = field(init=False)
    kpi_index: Mapping[str, KpiDef] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "measure_index", MappingProxyType({m.id: m for m in self.measures}))
        object.__setattr__(self, "kpi_index", MappingProxyType({k.id: k for k in self.kpis}))

    @property
    def headline(self) -> tuple[KpiDef, ...]:
        return tuple(k for k in self.kpis if k.headline or k.custom)


def _texts(x) -> Texts:
    return MappingProxyType(dict(x))


@cache
def _builtin() -> Catalogue:
    with (CONTENT / "measures.toml").open("rb") as fh:
        measures = tuple(Measure(m["id"], m["header"], _texts(m["name"]), m["kind"], _texts(m["help"]))
                         for m in tomllib.load(fh)["measures"])
    with (CONTENT / "kpis.toml").open("rb") as fh:
        kpis = tuple(KpiDef(k["id"], _texts(k["name"]), k["unit"], k["direction"], _texts(k["formula"]),
                            k["rule"], tuple(k["inputs"]), k["year"], bool(k.get("headline", False)))
                     for k in tomllib.load(fh)["kpis"])
    return Catalogue(measures, kpis)


def catalogue(custom: Sequence[CustomKpi] = ()) -> Catalogue:
    """The built-in measures and KPIs, plus an organisation's own KPIs."""
    base = _builtin()
    if not custom:
        return base
    measures = base.measures + tuple(
        Measure(c.key, c.name, _texts({"ja": c.name, "en": c.name}), "number",
                _texts({"ja": c.unit, "en": c.unit}), custom=True) for c in custom)
    kpis = base.kpis + tuple(
        KpiDef(c.key, _texts({"ja": c.name, "en": c.name}), c.unit, c.direction,
               _texts({"ja": t(f"kpi.custom.formula_{c.aggregate}", "ja", name=c.name),
                       "en": t(f"kpi.custom.formula_{c.aggregate}", "en", name=c.name)}),
               "sum" if c.aggregate == "sum" else "mean", (c.key,),
               "mean" if c.aggregate == "sum" else "pooled", custom=True) for c in custom)
    return Catalogue(measures, kpis)


# months ------------------------------------------------------------------------

def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def month_key(d) -> str:
    """'2025-04' (the month's form in JSON, CSV and the CLI)."""
    return f"{d.year:04d}-{d.month:02d}"


def month_label(d, lang: str = "ja", wareki: bool = False) -> str:
    """2025年4月 / 令和7年4月 / 2025-04."""
    d = date(d.year, d.month, 1)
    if lang != "ja":
        return month_key(d)
    if wareki:
        era, _, _, n = era_of(d)
        return f"{era}{'元' if n == 1 else n}年{d.month}月"
    return f"{d.year}年{d.month}月"


def fiscal_start(fy: int) -> date:
    return date(fy, FISCAL_START_MONTH, 1)


def fy_label(fy: int, lang: str = "ja", wareki: bool = False) -> str:
    return fiscal_year_label(fy, lang, wareki)


# formulas ----------------------------------------------------------------------

def empty_values() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "department": pd.Series(dtype=object),
                         "process": pd.Series(dtype=object), "measure": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float)})


def _wide(values: pd.DataFrame) -> pd.DataFrame:
    """One row per month × department × process, one column per measure (NaN = not entered)."""
    if values.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([[], [], []], names=KEY))
    return values.set_index(KEY + ["measure"])["value"].unstack("measure")


def _col(wide: pd.DataFrame, name: str) -> pd.Series:
    return wide[name] if name in wide.columns else pd.Series(np.nan, index=wide.index)


def _by_month(series: pd.Series) -> pd.Series:
    return series.groupby(level="month").sum()


def _components(wide: pd.DataFrame, k: KpiDef) -> pd.DataFrame:
    """Per month: ``a`` and ``b`` such that the KPI is a function of them, and so is its
    年度 value when both are summed over the 年度 (``n`` = rows that fed them)."""
    if k.rule in ("ratio", "reduction", "weighted"):
        x, w = _col(wide, k.inputs[0]), _col(wide, k.inputs[1])
        both = x.notna() & w.notna()
        a = x[both] * w[both] if k.rule == "weighted" else x[both]
        out = pd.DataFrame({"a": _by_month(a), "b": _by_month(w[both])})
    else:
        x = _col(wide, k.inputs[0]).dropna()
        out = pd.DataFrame({"a": _by_month(x), "b": x.groupby(level="month").size().astype(float)})
    out.index = pd.DatetimeIndex(out.index, name="month")
    return out.sort_index()


def _divide(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _streak(monthly_sum: pd.Series) -> pd.Series:
    """Consecutive months, up to and including each month, with at least one proposal.
    A month that was not reported breaks the streak like a month with none."""
    out, run, prev = {}, 0, None
    for m, v in monthly_sum.items():
        d = m.date()
        contiguous = prev is not None and add_months(prev, 1) == d
        run = (run + 1 if contiguous else 1) if v >= 1 else 0
        out[m] = float(run)
        prev = d
    return pd.Series(out, dtype=float)


def _fy(index: pd.DatetimeIndex) -> np.ndarray:
    return np.where(index.month >= FISCAL_START_MONTH, index.year, index.year - 1)


def baselines(comp: pd.DataFrame, settings: Settings) -> tuple[dict[int, float], float | None]:
    """(baseline time per case per 年度, the fallback of the first three months).

    The configured value wins; otherwise a 年度 is compared with the 年度 before it when
    that has data, otherwise with the first three months that have data.
    """
    if settings.baseline_time_per_case:
        fys = set(_fy(comp.index).tolist())
        return {fy: settings.baseline_time_per_case for fy in fys}, settings.baseline_time_per_case
    valid = comp[comp["b"] > 0]
    yearly = valid.groupby(_fy(valid.index))[["a", "b"]].sum()
    per_year = {int(fy): r.a / r.b for fy, r in yearly.iterrows() if r.b > 0}
    first3 = valid.iloc[:3]
    fallback = float(first3["a"].sum() / first3["b"].sum()) if len(first3) and first3["b"].sum() > 0 else None
    out = {}
    for fy in sorted(set(_fy(comp.index).tolist())):
        out[fy] = per_year.get(fy - 1, fallback)
    return out, fallback


def _monthly_one(wide: pd.DataFrame, k: KpiDef, settings: Settings) -> tuple[pd.Series, pd.DataFrame]:
    comp = _components(wide, k)
    if comp.empty:
        return pd.Series(dtype=float), comp
    if k.rule in ("ratio", "weighted", "mean"):
        v = _divide(comp["a"], comp["b"])
    elif k.rule == "sum":
        v = comp["a"].to_numpy()
    elif k.rule == "cost":
        v = comp["a"].to_numpy() * settings.rate
    elif k.rule == "cumulative":
        v = comp["a"].cumsum().to_numpy()
    elif k.rule == "streak":
        v = _streak(comp["a"]).to_numpy()
    elif k.rule == "reduction":
        base, _ = baselines(comp, settings)
        b = np.array([base.get(fy) or np.nan for fy in _fy(comp.index)], dtype=float)
        v = 1 - _divide(comp["a"], comp["b"]) / b
    else:  # pragma: no cover - the catalogue test pins the rules
        raise ValueError(k.rule)
    return pd.Series(v, index=comp.index, dtype=float).dropna(), comp


def _series(values: pd.DataFrame, cat: Catalogue | None, settings: Settings | None, department: str | None,
            kpis: Iterable[str] | None) -> Iterator[tuple[KpiDef, pd.Series, pd.DataFrame]]:
    """Each wanted KPI that has data, in catalogue order: (KPI, monthly series, its monthly
    components), for ``department`` or all departments added up."""
    cat, settings = cat or catalogue(), settings or Settings()
    if department is not None:
        values = values[values["department"] == department]
    wide = _wide(_normalise(values))
    wanted = set(kpis) if kpis is not None else None
    for k in cat.kpis:
        if wanted is None or k.id in wanted:
            s, comp = _monthly_one(wide, k, settings)
            if len(s):
                yield k, s, comp


def monthly(values: pd.DataFrame, cat: Catalogue | None = None, settings: Settings | None = None,
            department: str | None = None, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """The KPIs per month: columns month (Timestamp), kpi, value; sorted by KPI order, month.

    ``values`` has the columns of :data:`VALUE_COLUMNS` (month as a month-start date or
    Timestamp).  All departments are added up unless ``department`` is named.
    """
    frames = [pd.DataFrame({"month": s.index, "kpi": k.id, "value": s.to_numpy()})
              for k, s, _ in _series(values, cat, settings, department, kpis)]
    if not frames:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "kpi": pd.Series(dtype=object),
                             "value": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


def yearly(values: pd.DataFrame, cat: Catalogue | None = None, settings: Settings | None = None,
           department: str | None = None, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """The KPIs per 年度: fiscal_year, kpi, value (the catalogue's ``year`` rule), total
    (the 年度 sum, for counted KPIs), months (months with data)."""
    settings = settings or Settings()
    rows = []
    for k, s, comp in _series(values, cat, settings, department, kpis):
        fys = _fy(s.index)
        for fy in sorted(set(fys.tolist())):
            in_year = s[fys == fy]
            c = comp[_fy(comp.index) == fy]
            total = None
            if k.year == "last":
                value = float(in_year.iloc[-1])
            elif k.year == "mean":
                value = float(in_year.mean())
                total = float(in_year.sum())
            elif k.rule == "reduction":
                base, _ = baselines(comp, settings)
                tpc = float(_divide(c["a"].sum(), c["b"].sum()))
                value = 1 - tpc / base[fy] if base.get(fy) else float("nan")
            else:
                value = float(_divide(c["a"].sum(), c["b"].sum()))
            if not np.isnan(value):
                rows.append({"fiscal_year": int(fy), "kpi": k.id, "value": value, "total": total,
                             "months": int(len(in_year))})
    return pd.DataFrame(rows, columns=["fiscal_year", "kpi", "value", "total", "months"])


def by_department(values: pd.DataFrame, kpi_id: str, cat: Catalogue | None = None,
                  settings: Settings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One KPI per department: (monthly: month, department, value; yearly: fiscal_year,
    department, value), each department computed on its own rows only."""
    months, years = [], []
    for dept, part in values.groupby("department", sort=True):
        months.append(monthly(part, cat, settings, kpis=[kpi_id]).assign(department=dept))
        years.append(yearly(part, cat, settings, kpis=[kpi_id]).assign(department=dept))
    m = pd.concat(months, ignore_index=True) if months else pd.DataFrame(
        columns=["month", "kpi", "value", "department"])
    y = pd.concat(years, ignore_index=True) if years else pd.DataFrame(
        columns=["fiscal_year", "kpi", "value", "total", "months", "department"])
    return m.loc[:, ["month", "department", "value"]], y.loc[:, ["fiscal_year", "department", "value"]]


def _normalise(values: pd.DataFrame) -> pd.DataFrame:
    if values.empty:
        return empty_values()
    out = values.loc[:, list(VALUE_COLUMNS)].copy()
    out["month"] = pd.to_datetime(out["month"])
    out["process"] = out["process"].fillna(NO_PROCESS)
    return out.dropna(subset=["value"])


# cards -------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    kpi: str
    month: date
    value: float
    vs_previous_month: float | None  # difference (points for ratios)
    vs_last_year: float | None
    target: float | None
    attainment: float | None  # 1.0 = target met


def attainment(value: float | None, target: float | None, direction: str) -> float | None:
    """How far the target is met: value ÷ target when higher is better, target ÷ value when
    lower is better (1.0 = met).  None when it cannot be computed."""
    if value is None or target is None or np.isnan(value):
        return None
    if direction == "higher":
        return value / target if target > 0 else None
    return target / value if value > 0 else None


def cards(monthly_kpis: pd.DataFrame, cat: Catalogue, targets: Mapping[tuple[str, int], float],
          kpi_ids: Iterable[str] | None = None) -> list[Card]:
    """One card per KPI that has data: its latest month, the change since the month
    before and since the same month a year earlier, and the attainment of that 年度's target."""
    out = []
    ids = list(kpi_ids) if kpi_ids is not None else [k.id for k in cat.headline]
    for kid in ids:
        k = cat.kpi_index.get(kid)
        s = monthly_kpis[monthly_kpis["kpi"] == kid]
        if k is None or s.empty:
            continue
        by_month = {ts.date(): v for ts, v in zip(s["month"], s["value"])}
        latest = max(by_month)
        value = float(by_month[latest])
        prev = by_month.get(add_months(latest, -1))
        last_year = by_month.get(add_months(latest, -12))
        target = targets.get((kid, fiscal_year(latest)))
        out.append(Card(kid, latest, value,
                        None if prev is None else value - float(prev),
                        None if last_year is None else value - float(last_year),
                        target, attainment(value, target, k.direction)))
    return out


# presentation helpers (pure: strings in the chosen language) ---------------------

def format_value(value: float | None, unit: str, lang: str = "ja") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return t("common.none", lang)
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit in ("hours",):
        return t("kpi.unit.hours", lang, v=f"{value:,.2f}")
    if unit == "score5":
        return f"{value:.2f}"
    if unit in ("count", "months"):
        return t(f"kpi.unit.{unit}", lang, v=f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}")
    if unit == "yen":  # large sums the Japanese way (万円), or in millions in English
        if lang == "ja" and abs(value) >= 100_000:
            return t("kpi.unit.yen_large", lang, v=f"{value / 10_000:,.1f}")
        if lang != "ja" and abs(value) >= 1_000_000:
            return t("kpi.unit.yen_large", lang, v=f"{value / 1_000_000:,.2f}")
        return t("kpi.unit.yen", lang, v=f"{value:,.0f}")
    return f"{value:,.6g} {unit}".strip()


def format_delta(delta: float | None, unit: str, lang: str = "ja") -> str | None:
    if delta is None:
        return None
    if unit == "ratio":
        return t("kpi.unit.points", lang, v=f"{delta * 100:+.1f}")
    if unit == "score5":
        return f"{delta:+.2f}"
    body = format_value(abs(delta), unit, lang)
    return ("+" if delta >= 0 else "-") + body  # ASCII minus: st.metric reads the sign from it


def summary_rows(year_kpis: pd.DataFrame, cat: Catalogue, targets: Mapping[tuple[str, int], float],
                 lang: str = "ja", wareki: bool = False) -> tuple[list[str], list[list]]:
    """(header, rows) of the 年度 summary table, numbers as numbers (fractions for ratios)."""
    header = [t(f"kpi.summary.{c}", lang) for c in
              ("fiscal_year", "kpi", "unit", "value", "total", "target", "attainment", "months")]
    order = {k.id: i for i, k in enumerate(cat.kpis)}
    rows = []
    for r in sorted(year_kpis.itertuples(index=False), key=lambda r: (-r.fiscal_year, order.get(r.kpi, 99))):
        k = cat.kpi_index.get(r.kpi)
        if k is None:
            continue
        target = targets.get((r.kpi, r.fiscal_year))
        att = attainment(r.value, target, k.direction)
        total = None if r.total is None or (isinstance(r.total, float) and np.isnan(r.total)) else r.total
        rows.append([fy_label(r.fiscal_year, lang, wareki), pick(k.name, lang), unit_label(k.unit, lang),
                     round(r.value, 6), None if total is None else round(total, 6), target,
                     None if att is None else round(att, 4), r.months])
    return header, rows


def formatted_summary(rows: Sequence[Sequence], cat: Catalogue, lang: str = "ja") -> list[list]:
    """The 年度 summary rows of :func:`summary_rows` as text for the screen (% for rates)."""
    units = {pick(k.name, lang): k.unit for k in cat.kpis}
    out = []
    for fy, name, unit_text, value, total, target, att, months in rows:
        unit = units.get(name, "")
        out.append([fy, name, unit_text, format_value(value, unit, lang),
                    "" if total is None else format_value(total, unit, lang),
                    "" if target is None else format_value(target, unit, lang),
                    "" if att is None else f"{att * 100:.0f}%", months])
    return out


def unit_label(unit: str, lang: str = "ja") -> str:
    key = f"kpi.unit_name.{unit}"
    from dxcore.i18n import catalogue as messages

    return t(key, lang) if key in messages() else unit


def values_to_json(monthly_kpis: pd.DataFrame) -> list[dict]:
    """[{month: '2025-04', kpi, value}] — fractions for ratios."""
    return [{"month": month_key(m), "kpi": k, "value": round(float(v), 10)}
            for m, k, v in zip(monthly_kpis["month"], monthly_kpis["kpi"], monthly_kpis["value"])]
