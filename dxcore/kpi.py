"""Monthly KPIs: the catalogue of raw measures and KPIs, and the formulas that turn
stored measures into KPIs per month and per 年度.

Aggregation is done the only way that is right for ratios and means: numerators and
denominators are summed over departments (and over the months of a 年度) first and
divided once; a mean is weighted by its number of responses.  Percentages are never
averaged.  A ratio only uses the rows (month × department × process) where both its
numerator and its denominator were entered, so a department that reported one half
cannot skew the other.  A stock (a count at the end of the month, such as the
processes in automation) is never added up over months: its 年度 value is the last month's.

業務時間削減率 compares each process (department × 業務名) with its own fixed
pre-improvement baseline, so that a change in the mix of cases is never read as a
saving, and a process without a baseline is left out rather than counted as 0.

Values are plain fractions (0.42), never percentages, everywhere except on screen.
Everything here is pure: pandas frames in, pandas frames and frozen records out.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from dxcore.i18n import pick, t
from dxcore.periods import FISCAL_START_MONTH, era_of, fiscal_year, fiscal_year_label

CONTENT = Path(__file__).parent / "content"
Texts = Mapping[str, str]

RULES = ("ratio", "weighted", "sum", "difference", "cumulative", "streak", "reduction", "reduced_hours", "cost",
         "mean")
POOLED_RULES = ("ratio", "weighted", "reduction", "mean")  # the rules whose 年度 value can be pooled
YEAR_RULES = ("pooled", "mean", "last")
DIRECTIONS = ("higher", "lower", "none")
MEASURE_KINDS = ("count", "hours", "score", "number")
MEASURE_GROUPS = ("work", "residents", "internal", "improvement", "own")
UNITS = ("ratio", "hours", "minutes", "days", "count", "people", "sheets", "score5", "months", "yen")
CUSTOM_AGGREGATES = ("sum", "mean")
VALUE_COLUMNS = ("month", "department", "process", "measure", "value")
KEY = ["month", "department", "process"]
NO_PROCESS = ""
COMPLETE_YEAR = 12  # months of a 年度 a process needs for its first 年度 to be its baseline


# catalogue ---------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    id: str
    header: str  # the Japanese column header of the template
    name: Texts
    kind: str  # count | hours | score | number
    help: Texts
    custom: bool = False
    group: str = "own"
    stock: bool = False  # a level at the end of the month, not something that happened in it


@dataclass(frozen=True)
class KpiDef:
    id: str
    name: Texts
    unit: str  # one of UNITS, or free text for custom KPIs
    direction: str  # higher | lower | none
    formula: Texts  # the definition shown with the KPI
    rule: str
    inputs: tuple[str, ...]
    year: str  # pooled | mean | last
    headline: bool = False
    custom: bool = False
    min_n: int = 0  # fewer responses than this in a month: indicative only (参考値)
    survey: str = ""  # resident | staff: whose survey name goes with the value
    steps: tuple[str, ...] = ()  # the restart steps whose results it shows

    @property
    def has_direction(self) -> bool:
        return self.direction != "none"


@dataclass(frozen=True)
class CustomKpi:
    """An organisation's own KPI, fed by its own column (header = name)."""

    key: str  # custom_<id>: the measure id and the KPI id
    name: str
    unit: str
    direction: str
    aggregate: str  # sum | mean


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

    def for_step(self, step: str) -> tuple[KpiDef, ...]:
        """The KPIs that show the results of a restart step (S1…S7)."""
        return tuple(k for k in self.kpis if step in k.steps)


def _texts(x) -> Texts:
    return MappingProxyType(dict(x))


@cache
def _builtin() -> Catalogue:
    with (CONTENT / "measures.toml").open("rb") as fh:
        measures = tuple(Measure(m["id"], m["header"], _texts(m["name"]), m["kind"], _texts(m["help"]),
                                 group=m["group"], stock=bool(m.get("stock", False)))
                         for m in tomllib.load(fh)["measures"])
    with (CONTENT / "kpis.toml").open("rb") as fh:
        kpis = tuple(KpiDef(k["id"], _texts(k["name"]), k["unit"], k["direction"], _texts(k["formula"]),
                            k["rule"], tuple(k["inputs"]), k["year"], bool(k.get("headline", False)),
                            min_n=int(k.get("min_n", 0)), survey=k.get("survey", ""),
                            steps=tuple(k.get("steps", ())))
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


# settings: the hourly rate and its basis, baselines, survey names -------------------

@dataclass(frozen=True)
class PayBasis:
    """What one hour of a member of staff costs: (annual pay per staff member × (1 +
    employer's 共済費 share)) ÷ annual working hours.

    ``pay_per_staff`` is 給料 + 職員手当 + 期末・勤勉手当 without 退職手当: the
    一人当たり給与費 every organisation publishes each year in 「給与・定員管理等について」
    (職員給与費の状況, 普通会計決算).
    """

    pay_per_staff: float  # 円 a year
    mutual_aid_rate: float  # 共済費 (employer's share) ÷ pay, e.g. 0.16
    annual_hours: float  # working hours a year

    @property
    def hourly_rate(self) -> float:
        return float(round(self.pay_per_staff * (1 + self.mutual_aid_rate) / self.annual_hours))


# The estimate used until an organisation enters its own figures:
# - 6,300,000 円: 一人当たり給与費 of the order cities publish in 「給与・定員管理等について」;
# - 16 %: employer's 共済 contributions (厚生年金 9.15 %, 退職等年金 0.75 %, 短期・介護給付 and
#   子ども・子育て拠出金 about 6 %);
# - 1,860 h: 7 h 45 min × about 240 working days.
DEFAULT_PAY_BASIS = PayBasis(6_300_000.0, 0.16, 1_860.0)
DEFAULT_HOURLY_RATE = DEFAULT_PAY_BASIS.hourly_rate  # 3,929 円
RATE_SOURCES = ("direct", "basis", "default")


@dataclass(frozen=True)
class Settings:
    hourly_rate: float | None = None  # entered directly (円/時間)
    pay_basis: PayBasis | None = None  # or the organisation's own basis
    baselines: tuple[tuple[str, str, float], ...] = ()  # set by hand: (department, process, hours per case)
    resident_survey: str = ""  # the name of the resident survey behind 住民満足度
    staff_survey: str = ""

    @property
    def rate(self) -> float:
        return self.hourly_rate if self.hourly_rate is not None else self.basis.hourly_rate

    @property
    def rate_source(self) -> str:
        return "direct" if self.hourly_rate is not None else "basis" if self.pay_basis else "default"

    @property
    def basis(self) -> PayBasis:
        return self.pay_basis or DEFAULT_PAY_BASIS

    def survey(self, who: str) -> str:
        return {"resident": self.resident_survey, "staff": self.staff_survey}.get(who, "")


@dataclass(frozen=True)
class Baseline:
    """The fixed pre-improvement time per case of one process, and where it came from."""

    department: str
    process: str
    time_per_case: float | None
    source: str  # set (on the settings screen) | first_year (the first complete 年度) | none
    fiscal_year: int | None = None  # the 年度 it was taken from (first_year)


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
    return f"{year_label(d, lang, wareki)}{d.month}月"


def year_label(d, lang: str = "ja", wareki: bool = False) -> str:
    """The calendar year of a month: 2025年 / 令和7年 / 2025."""
    d = date(d.year, d.month, 1)
    if lang != "ja":
        return str(d.year)
    if wareki:
        era, _, _, n = era_of(d)
        return f"{era}{'元' if n == 1 else n}年"
    return f"{d.year}年"


def fiscal_start(fy: int) -> date:
    return date(fy, FISCAL_START_MONTH, 1)


def fy_label(fy: int, lang: str = "ja", wareki: bool = False) -> str:
    return fiscal_year_label(fy, lang, wareki)


# formulas ----------------------------------------------------------------------

def empty_values() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "department": pd.Series(dtype=object),
                         "process": pd.Series(dtype=object), "measure": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float)})


def _normalise(values: pd.DataFrame) -> pd.DataFrame:
    if values.empty:
        return empty_values()
    out = values.loc[:, list(VALUE_COLUMNS)].copy()
    out["month"] = pd.to_datetime(out["month"])
    out["process"] = out["process"].fillna(NO_PROCESS)
    return out.dropna(subset=["value"])


def _wide(values: pd.DataFrame) -> pd.DataFrame:
    """One row per month × department × process, one column per measure (NaN = not entered)."""
    if values.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_arrays([pd.DatetimeIndex([]), [], []], names=KEY))
    return values.set_index(KEY + ["measure"])["value"].unstack("measure")


def _col(wide: pd.DataFrame, name: str) -> pd.Series:
    return wide[name] if name in wide.columns else pd.Series(np.nan, index=wide.index)


def _fy(months) -> np.ndarray:
    index = pd.DatetimeIndex(months)
    return np.where(index.month >= FISCAL_START_MONTH, index.year, index.year - 1)


def _divide(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _first_complete_years(wide: pd.DataFrame) -> pd.DataFrame:
    """Per department × process: the time per case of its first 年度 with all twelve months
    of both hours and cases (index department, process; columns time_per_case, fiscal_year)."""
    hours, cases = _col(wide, "hours"), _col(wide, "cases")
    both = (hours.notna() & cases.notna()).to_numpy()
    empty = pd.DataFrame({"time_per_case": pd.Series(dtype=float), "fiscal_year": pd.Series(dtype=int)},
                         index=pd.MultiIndex.from_arrays([[], []], names=["department", "process"]))
    if not both.any():
        return empty
    idx = wide.index[both]
    df = pd.DataFrame({"department": idx.get_level_values("department"), "process": idx.get_level_values("process"),
                       "fiscal_year": _fy(idx.get_level_values("month")),
                       "h": hours.to_numpy()[both], "c": cases.to_numpy()[both]})
    g = df.groupby(["department", "process", "fiscal_year"], sort=True).agg(
        months=("h", "size"), h=("h", "sum"), c=("c", "sum")).reset_index()
    g = g[(g["months"] >= COMPLETE_YEAR) & (g["c"] > 0)]
    if g.empty:
        return empty
    g = g.drop_duplicates(["department", "process"], keep="first")  # sorted by 年度: the first one
    return pd.DataFrame({"time_per_case": (g["h"] / g["c"]).to_numpy(), "fiscal_year": g["fiscal_year"].to_numpy()},
                        index=pd.MultiIndex.from_frame(g[["department", "process"]]))


def _baseline_map(wide: pd.DataFrame, settings: Settings) -> dict[tuple[str, str], float]:
    out = {key: float(r.time_per_case) for key, r in _first_complete_years(wide).iterrows()}
    out.update({(d, p): float(v) for d, p, v in settings.baselines if v and v > 0})
    return out


def baselines(values: pd.DataFrame, settings: Settings | None = None) -> list[Baseline]:
    """Every process with hours or cases (and every baseline set by hand), with its baseline
    and where it came from; ``source == "none"`` means it is left out of the reduction."""
    settings = settings or Settings()
    wide = _wide(_normalise(values))
    seen = set()
    if len(wide):
        has = (_col(wide, "hours").notna() | _col(wide, "cases").notna()).to_numpy()
        idx = wide.index[has]
        seen = set(zip(idx.get_level_values("department"), idx.get_level_values("process")))
    auto = _first_complete_years(wide)
    set_by_hand = {(d, p): float(v) for d, p, v in settings.baselines if v and v > 0}
    out = []
    for key in sorted(seen | set(set_by_hand)):
        if key in set_by_hand:
            out.append(Baseline(*key, set_by_hand[key], "set"))
        elif key in auto.index:
            r = auto.loc[key]
            out.append(Baseline(*key, float(r["time_per_case"]), "first_year", int(r["fiscal_year"])))
        else:
            out.append(Baseline(*key, None, "none"))
    return out


def _row_parts(wide: pd.DataFrame, k: KpiDef, base: Mapping[tuple[str, str], float]) -> tuple[pd.Series, pd.Series]:
    """Per row (month × department × process): ``a`` and ``b`` such that the KPI of any
    group of rows is a function of Σa and Σb (NaN where the row does not count)."""
    x = _col(wide, k.inputs[0])
    if k.rule in ("ratio", "weighted", "difference"):
        w = _col(wide, k.inputs[1])
        both = x.notna() & w.notna()
        if k.rule == "ratio":
            return x.where(both), w.where(both)
        if k.rule == "weighted":
            return (x * w).where(both), w.where(both)
        return (x - w).where(both), pd.Series(1.0, index=wide.index).where(both)
    if k.rule in ("reduction", "reduced_hours"):
        cases = _col(wide, k.inputs[1])
        keys = zip(wide.index.get_level_values("department"), wide.index.get_level_values("process"))
        b = pd.Series([base.get(key, np.nan) for key in keys], index=wide.index, dtype=float)
        ok = x.notna() & cases.notna() & b.notna()
        return x.where(ok), (b * cases).where(ok)  # actual hours, hours at the baseline's pace
    return x, pd.Series(1.0, index=wide.index).where(x.notna())


def _streak(months: pd.DatetimeIndex, totals: np.ndarray) -> np.ndarray:
    """Consecutive months, up to and including each month, with at least one improvement.
    A month that was not reported breaks the streak like a month with none."""
    out, run, prev = np.zeros(len(totals)), 0, None
    for i, (m, v) in enumerate(zip(months, totals)):
        n = m.year * 12 + m.month
        run = (run + 1 if prev is not None and n == prev + 1 else 1) if v >= 1 else 0
        out[i] = run
        prev = n
    return out


def _monthly_frame(wide: pd.DataFrame, k: KpiDef, settings: Settings, base: Mapping,
                   by_department: bool) -> pd.DataFrame:
    """The KPI per month (and department): columns month, [department,] value, a, b."""
    levels = ["month", "department"] if by_department else ["month"]
    a, b = _row_parts(wide, k, base)
    keep = (a.notna() & b.notna()).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=levels + ["value", "a", "b"])
    g = pd.DataFrame({"a": a[keep], "b": b[keep]}).groupby(level=levels, sort=True).sum()
    g = g.reset_index()
    if not by_department:
        g = g.loc[:, ["month", "a", "b"]]
    a_, b_ = g["a"].to_numpy(dtype=float), g["b"].to_numpy(dtype=float)
    if k.rule in ("ratio", "weighted", "mean"):
        v = _divide(a_, b_)
    elif k.rule in ("sum", "difference"):
        v = a_
    elif k.rule == "cost":
        v = a_ * settings.rate
    elif k.rule == "reduction":
        v = 1 - _divide(a_, b_)
    elif k.rule == "reduced_hours":
        v = b_ - a_
    elif k.rule == "cumulative":  # from April, per department when split
        keys = [_fy(g["month"])] + ([g["department"].to_numpy()] if by_department else [])
        v = g.groupby(keys, sort=False)["a"].cumsum().to_numpy(dtype=float)
    elif k.rule == "streak":
        v = np.zeros(len(g))
        parts = g.groupby("department", sort=False).indices.values() if by_department else [np.arange(len(g))]
        for rows in parts:
            v[rows] = _streak(pd.DatetimeIndex(g["month"].to_numpy()[rows]), a_[rows])
    else:  # pragma: no cover - the catalogue test pins the rules
        raise ValueError(k.rule)
    g["value"] = v
    g["month"] = pd.to_datetime(g["month"])
    return g[np.isfinite(g["value"].to_numpy(dtype=float))].reset_index(drop=True)


def _computed(values: pd.DataFrame, cat: Catalogue | None, settings: Settings | None, department: str | None,
              kpis: Iterable[str] | None, by_department: bool = False):
    """Each wanted KPI that has data, in catalogue order, with its monthly frame."""
    cat, settings = cat or catalogue(), settings or Settings()
    if department is not None:
        values = values[values["department"] == department]
    wide = _wide(_normalise(values))
    wanted = set(kpis) if kpis is not None else None
    todo = [k for k in cat.kpis if wanted is None or k.id in wanted]
    base = _baseline_map(wide, settings) if any(k.rule in ("reduction", "reduced_hours") for k in todo) else {}
    for k in todo:
        frame = _monthly_frame(wide, k, settings, base, by_department)
        if len(frame):
            yield k, frame


def monthly(values: pd.DataFrame, cat: Catalogue | None = None, settings: Settings | None = None,
            department: str | None = None, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """The KPIs per month: columns month (Timestamp), kpi, value, base; sorted by KPI order, month.

    ``values`` has the columns of :data:`VALUE_COLUMNS` (month as a month-start date or
    Timestamp).  All departments are added up unless ``department`` is named.  ``base``
    is what the value stands on: the denominator of a ratio (the responses of a survey).
    """
    return _monthly_table(list(_computed(values, cat, settings, department, kpis)))


def summary(values: pd.DataFrame, cat: Catalogue | None = None, settings: Settings | None = None,
            department: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`monthly`, :func:`yearly`) of every KPI, computed once for both."""
    computed = list(_computed(values, cat, settings, department, None))
    return _monthly_table(computed), _yearly_table(computed)


def _monthly_table(computed) -> pd.DataFrame:
    frames = [pd.DataFrame({"month": f["month"].to_numpy(), "kpi": k.id, "value": f["value"].to_numpy(dtype=float),
                            "base": f["b"].to_numpy(dtype=float)}) for k, f in computed]
    if not frames:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "kpi": pd.Series(dtype=object),
                             "value": pd.Series(dtype=float), "base": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


YEAR_COLUMNS = ["fiscal_year", "kpi", "value", "total", "months", "base"]


def _yearly_frame(computed: Sequence[tuple[KpiDef, pd.DataFrame]], by_department: bool) -> pd.DataFrame:
    """The 年度 values of several KPIs in one grouping: fiscal_year, [department,] kpi, value,
    total, months, base — by the catalogue order of ``computed``, then 年度."""
    computed = [(k, f) for k, f in computed if len(f)]
    keys = ["order", "fiscal_year"] + (["department"] if by_department else [])
    if not computed:
        return pd.DataFrame(columns=keys[1:] + ["kpi", "value", "total", "months", "base"])
    cols = ["month", "value", "a", "b"] + (["department"] if by_department else [])
    big = pd.concat([f.loc[:, cols].assign(order=i) for i, (_, f) in enumerate(computed)], ignore_index=True)
    big["fiscal_year"] = _fy(big["month"])
    big = big.sort_values(keys + ["month"], kind="stable")
    out = big.groupby(keys, sort=False).agg(
        months=("value", "size"), sum_a=("a", "sum"), sum_b=("b", "sum"), mean=("value", "mean"),
        total=("value", "sum"), last=("value", "last"), last_b=("b", "last")).reset_index()
    k_of = [computed[i][0] for i in out["order"]]
    year = np.array([k.year for k in k_of])
    reduction = np.array([k.rule == "reduction" for k in k_of])
    pooled = _divide(out["sum_a"], out["sum_b"])
    value = np.where(year == "last", out["last"], np.where(year == "mean", out["mean"],
                                                             np.where(reduction, 1 - pooled, pooled)))
    res = out.loc[:, keys[1:]].assign(
        kpi=[k.id for k in k_of], value=value.astype(float),
        total=np.where(year == "mean", out["total"], np.nan).astype(float), months=out["months"].astype(int),
        base=np.where(year == "last", out["last_b"], out["sum_b"]).astype(float))
    return res[np.isfinite(res["value"].to_numpy(dtype=float))].reset_index(drop=True)


def yearly(values: pd.DataFrame, cat: Catalogue | None = None, settings: Settings | None = None,
           department: str | None = None, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """The KPIs per 年度: fiscal_year, kpi, value (the catalogue's ``year`` rule), total
    (the 年度 sum, for counted KPIs), months (months with data), base (as in :func:`monthly`)."""
    return _yearly_table(list(_computed(values, cat, settings, department, kpis)))


def _yearly_table(computed) -> pd.DataFrame:
    out = _yearly_frame(computed, False)
    if out.empty:
        return pd.DataFrame(columns=YEAR_COLUMNS)
    out = out.loc[:, YEAR_COLUMNS]
    out["total"] = [None if pd.isna(x) else float(x) for x in out["total"]]
    return out


def by_department(values: pd.DataFrame, kpi_id: str, cat: Catalogue | None = None,
                  settings: Settings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One KPI per department: (monthly: month, department, value; yearly: fiscal_year,
    department, value), each department computed on its own rows only (in one pass)."""
    for k, f in _computed(values, cat, settings, None, [kpi_id], by_department=True):
        y = _yearly_frame([(k, f)], True)
        return (f.loc[:, ["month", "department", "value"]].sort_values(["department", "month"], ignore_index=True),
                y.loc[:, ["fiscal_year", "department", "value"]].reset_index(drop=True))
    return (pd.DataFrame(columns=["month", "department", "value"]),
            pd.DataFrame(columns=["fiscal_year", "department", "value"]))


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
    responses: float | None = None  # for survey KPIs: the responses behind the value
    indicative: bool = False  # fewer responses than the KPI's minimum: 参考値


def attainment(value: float | None, target: float | None, direction: str) -> float | None:
    """How far the target is met: value ÷ target when higher is better, target ÷ value when
    lower is better (1.0 = met).  None when it cannot be computed or has no direction."""
    if value is None or target is None or np.isnan(value):
        return None
    if direction == "higher":
        return value / target if target > 0 else None
    if direction == "lower":
        return target / value if value > 0 else None
    return None


def cards(monthly_kpis: pd.DataFrame, cat: Catalogue, targets: Mapping[tuple[str, int], float],
          kpi_ids: Iterable[str] | None = None) -> list[Card]:
    """One card per KPI that has data: its latest month, the change since the month
    before and since the same month a year earlier, and the attainment of that 年度's target."""
    out = []
    ids = list(kpi_ids) if kpi_ids is not None else [k.id for k in cat.headline]
    has_base = "base" in monthly_kpis.columns
    wanted = monthly_kpis[monthly_kpis["kpi"].isin(ids)]
    groups = dict(list(wanted.groupby("kpi", sort=False)))
    for kid in ids:
        k = cat.kpi_index.get(kid)
        s = groups.get(kid)
        if k is None or s is None or s.empty:
            continue
        months = [date(ts.year, ts.month, 1) for ts in s["month"]]
        by_month = dict(zip(months, s["value"].tolist()))
        latest = max(by_month)
        value = float(by_month[latest])
        prev = by_month.get(add_months(latest, -1))
        last_year = by_month.get(add_months(latest, -12))
        target = targets.get((kid, fiscal_year(latest))) if k.has_direction else None
        responses = None
        if k.min_n and has_base:
            responses = float(dict(zip(months, s["base"].tolist()))[latest])
        out.append(Card(kid, latest, value,
                        None if prev is None else value - float(prev),
                        None if last_year is None else value - float(last_year),
                        target, attainment(value, target, k.direction), responses,
                        bool(k.min_n and responses is not None and responses < k.min_n)))
    return out


# presentation: one formatting rule per unit (pure: strings in the chosen language) -----

FIXED_DECIMALS = {"ratio": 1, "minutes": 1, "days": 1, "score5": 2}
WHOLE_UNITS = ("count", "people", "sheets", "months")
MAN = 10_000  # 万


def _is_nan(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _shown(value: float, unit: str, lang: str, like: float | None) -> tuple[float, int, str]:
    """(the number as shown, its decimals, the unit's message key) for ``value``; ``like`` is
    the value whose scale a difference takes (+2.4 万円 beside 22.8 万円, never +24,000 円)."""
    ref = abs(value if like is None else like)
    if unit == "ratio":
        return value * 100, 1, ""
    if unit == "yen":
        if lang == "ja" and ref >= 100_000:
            return value / MAN, 1, "kpi.unit.yen_large"
        if lang != "ja" and ref >= 1_000_000:
            return value / 1_000_000, 2, "kpi.unit.yen_large"
        return value, 0, "kpi.unit.yen"
    if unit == "hours":
        return value, (2 if ref < 10 else 1 if ref < 1000 else 0), "kpi.unit.hours"
    if unit in FIXED_DECIMALS:
        return value, FIXED_DECIMALS[unit], f"kpi.unit.{unit}" if unit != "score5" else ""
    if unit in WHOLE_UNITS:
        whole = float(np.round(value, 6)).is_integer() and (like is None or float(np.round(like, 6)).is_integer())
        return value, 0 if whole else 1, f"kpi.unit.{unit}"
    return value, (0 if float(value).is_integer() else 2), ""


def _round(x: float, decimals: int) -> Decimal:
    """四捨五入 (half away from zero) of the number as written, the way people round by hand:
    0.125 → 0.13 (Python's round() and format() give 0.12)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _number(x: float, decimals: int, sign: bool = False) -> str:
    d = _round(x, decimals)
    if d == 0:
        d = abs(d)  # never "-0.00"
    return f"{d:{'+' if sign else ''},.{decimals}f}"


def format_value(value: float | None, unit: str, lang: str = "ja", like: float | None = None) -> str:
    """A KPI value as shown on cards, tables, charts and exports for people."""
    if _is_nan(value):
        return t("common.none", lang)
    shown, decimals, key = _shown(float(value), unit, lang, like)
    text = _number(shown, decimals)
    if unit == "ratio":
        return f"{text}%"
    if key:
        return t(key, lang, v=text)
    return text if unit in ("score5", "") else f"{text} {unit}"


def delta_sign(delta: float | None, unit: str, lang: str = "ja", like: float | None = None) -> int:
    """-1, 0 or 1 for the change as shown (a change that rounds to 0 has no direction)."""
    if _is_nan(delta):
        return 0
    shown, decimals, _ = _shown(float(delta), unit, lang, like)
    x = _round(shown, decimals)
    return 0 if x == 0 else (1 if x > 0 else -1)


def format_delta(delta: float | None, unit: str, lang: str = "ja", like: float | None = None) -> str | None:
    """A change, in the same scale and decimals as ``like`` (the value it belongs to):
    +2.3ポイント, +2.4 万円, ±0.00 時間.  ASCII minus: st.metric reads the sign from it."""
    if _is_nan(delta):
        return None
    sign = delta_sign(delta, unit, lang, like)
    if unit == "ratio":
        body = _number(float(delta) * 100, 1, sign=sign != 0)
        return t("kpi.unit.points", lang, v=body if sign else f"±{body}")
    body = format_value(abs(float(delta)), unit, lang, like=like if like is not None else delta)
    return ("+" if sign > 0 else "-" if sign < 0 else "±") + body


def format_attainment(att: float | None) -> str:
    """How far a target is met, as a whole percentage (四捨五入): 146%, or — when unknown."""
    return "—" if _is_nan(att) else f"{_number(float(att) * 100, 0)}%"


def format_target(target: float | None, unit: str, lang: str = "ja") -> str:
    """A target, or an empty string when there is none (never "None")."""
    return "" if _is_nan(target) else format_value(target, unit, lang)


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
        target = targets.get((r.kpi, r.fiscal_year)) if k.has_direction else None
        att = attainment(r.value, target, k.direction)
        total = None if _is_nan(r.total) else r.total
        rows.append([fy_label(r.fiscal_year, lang, wareki), pick(k.name, lang), unit_label(k.unit, lang),
                     round(r.value, 6), None if total is None else round(total, 6), target,
                     None if att is None else round(att, 4), r.months])
    return header, rows


def indicative_years(year_kpis: pd.DataFrame, cat: Catalogue, lang: str = "ja", wareki: bool = False
                     ) -> frozenset[tuple[str, str]]:
    """(年度 label, KPI name) of the 年度 values that stand on fewer responses than their
    KPI's minimum (参考値), in the labels :func:`summary_rows` writes."""
    out = set()
    for r in year_kpis.itertuples(index=False):
        k = cat.kpi_index.get(r.kpi)
        if k is not None and k.min_n and not _is_nan(r.base) and r.base < k.min_n:
            out.add((fy_label(r.fiscal_year, lang, wareki), pick(k.name, lang)))
    return frozenset(out)


def formatted_summary(rows: Sequence[Sequence], cat: Catalogue, lang: str = "ja",
                      indicative: frozenset[tuple[str, str]] = frozenset()) -> list[list]:
    """The 年度 summary rows of :func:`summary_rows` as text for the screen (% for rates;
    values that stand on too few responses marked as indicative)."""
    units = {pick(k.name, lang): k.unit for k in cat.kpis}
    out = []
    for fy, name, unit_text, value, total, target, att, months in rows:
        unit = units.get(name, "")
        mark = t("kpi.chart.indicative", lang) if (fy, name) in indicative else ""
        out.append([fy, name, unit_text, format_value(value, unit, lang) + mark,
                    "" if total is None else format_value(total, unit, lang),
                    format_target(target, unit, lang),
                    "" if att is None else format_attainment(att), months])
    return out


def unit_label(unit: str, lang: str = "ja") -> str:
    key = f"kpi.unit_name.{unit}"
    from dxcore.i18n import catalogue as messages

    return t(key, lang) if key in messages() else unit


def values_to_json(monthly_kpis: pd.DataFrame) -> list[dict]:
    """[{month: '2025-04', kpi, value}] — fractions for ratios."""
    return [{"month": month_key(m), "kpi": k, "value": round(float(v), 10)}
            for m, k, v in zip(monthly_kpis["month"], monthly_kpis["kpi"], monthly_kpis["value"])]
