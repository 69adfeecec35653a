"""Altair charts of the KPI dashboard (pure: frames in, chart specs out).

The trend chart draws a KPI's monthly values, the 年度 target as a dashed segment over
each 年度, the 年度 boundaries (1 April) and the organisation's dated annotations (what
was done when) as vertical rules.  Above the plot, in a band of its own, sit the 年度
names and a numbered marker for each annotation; the page lists the numbers with their
dates and labels.  Wide charts also show each label beside its number; a narrow one (a
phone) shows the numbers only.  Nothing in the band can collide with the plot, the target
labels or another marker: markers that would touch go to the next line.

The month axis is one piece for every KPI chart: the same ticks (aligned to April, at most
:data:`MAX_TICKS`), labels written here in the chosen language and era (令和7年 / 2025年 /
2025) and drawn below the plot.  Charts size their own height (autosize ``fit-x``: the
width follows the page, the height is the plot's), so pixel positions in the band hold.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Mapping, Sequence

import altair as alt
import pandas as pd

from dxcore.charts import BIG, SERIES_COLOURS, style
from dxcore.i18n import pick, t
from dxcore.kpi import KpiDef, add_months, fiscal_start, format_value, fy_label, month_label, month_start, year_label
from dxcore.periods import FISCAL_START_MONTH, fiscal_year

TARGET_COLOUR = "#D55E00"
ANNOTATION_COLOURS = {"milestone": "#007A5A", "completed": "#B0457F"}  # 4.5:1 on white
BOUNDARY_COLOUR = "#666666"
HEIGHT = 300
LINE_PX = 20  # one line of the band above the plot
BAND_FONT = BIG - 3
MAX_MARKER_LINES = 6
MAX_TICKS = 7
NARROW_AXIS_PX = 420  # narrower plots label every other tick
TICK_STEPS = (1, 2, 3, 6, 12, 24, 36, 60, 120)
LABEL_LIMIT_PX = 150
WIDE_PX = 560  # plots at least this wide show the annotations' labels, narrower ones numbers only
NARROW_ASSUMED_PX = 260  # the plot on a 390 px phone: where the markers' lines are worked out
WIDE_ASSUMED_PX = 560
CHAR_PX = BAND_FONT + 1  # a Japanese character of the band's font, roughly
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")
TARGET_LABEL_MIN_MONTHS = 4  # a target segment shorter than this is labelled in its tooltip only


def _axis_format(k: KpiDef) -> str:
    return ".0%" if k.unit == "ratio" else ",.2~f"


def month_range(first: date, last: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The x domain: half a month of room either side, so the end points sit inside."""
    return pd.Timestamp(first) - pd.Timedelta(days=15), pd.Timestamp(last) + pd.Timedelta(days=15)


def month_ticks(first: date, last: date) -> list[date]:
    """At most MAX_TICKS month starts, every 1, 2, 3, 6, 12… months, aligned to April."""
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    months = [add_months(first, i) for i in range(n)]
    for step in TICK_STEPS:
        ticks = [m for m in months if (m.year * 12 + m.month - FISCAL_START_MONTH) % step == 0]
        if len(ticks) <= MAX_TICKS:
            return ticks or [first]
    return [first]


def _tick_label(d: date, show_year: bool, lang: str, wareki: bool) -> list[str]:
    month = f"{d.month}月" if lang == "ja" else d.strftime("%b")
    return [month, year_label(d, lang, wareki) if show_year else ""]


def _label_table(first: date, ticks: Sequence[date], lang: str, wareki: bool) -> list:
    """Tick labels by month index from ``first`` (year on the first tick and where it changes)."""
    table, previous = {}, None
    for d in ticks:
        table[(d.year - first.year) * 12 + d.month - first.month] = _tick_label(d, d.year != previous, lang, wareki)
        previous = d.year
    return [table.get(i, "") for i in range(max(table) + 1)]


def month_axis(first: date, last: date, lang: str = "ja", wareki: bool = False) -> tuple[alt.Scale, alt.Axis]:
    """The x scale and axis of every KPI chart over ``first``…``last`` (month starts).

    Tick labels are two lines (month / year, the year on the first tick and where it
    changes), looked up by month in tables written here, so that 和暦 works and the labels
    never depend on the browser's time zone.  A plot narrower than NARROW_AXIS_PX (a
    phone) labels every other tick, with its own year lines, so no label is dropped."""
    first, last = month_start(first), month_start(last)
    lo, hi = month_range(first, last)
    ticks = month_ticks(first, last)
    wide = _label_table(first, ticks, lang, wareki)
    every_other = ticks[::2] if len(ticks) > 4 else ticks
    narrow = _label_table(first, every_other, lang, wareki)
    index = f"(year(datum.value) - {first.year}) * 12 + month(datum.value) - {first.month - 1}"
    expr = (f"(width < {NARROW_AXIS_PX} ? {json.dumps(narrow, ensure_ascii=False)} : "
            f"{json.dumps(wide, ensure_ascii=False)})[{index}]")
    scale = alt.Scale(domain=[lo.isoformat(), hi.isoformat()])
    axis = alt.Axis(values=[alt.DateTime(year=d.year, month=d.month, date=1) for d in ticks], labelExpr=expr,
                    labelAngle=0, labelFontSize=BIG - 2, labelOverlap="greedy", labelPadding=6, grid=False,
                    tickCount=len(ticks), titlePadding=8)
    return scale, axis


def _x(field: str, scale: alt.Scale, axis: alt.Axis | None = None, title: str | None = None):
    return alt.X(f"{field}:T", scale=scale, axis=axis if axis is not None else alt.Undefined,
                 title=title if title is not None else alt.Undefined)


def trend(series: pd.DataFrame, k: KpiDef, lang: str = "ja", targets: Mapping[int, float] | None = None,
          annotations: Sequence = (), wareki: bool = False) -> alt.TopLevelMixin:
    """``series``: month (Timestamp), value[, indicative (bool: a 参考値 month)].  ``targets``:
    {年度: target}.  ``annotations``: objects with ``on`` (date), ``label`` and ``kind``
    (dxcore.store.annotations.Annotation), numbered in the order of :func:`numbered`."""
    cols = ["month", "value"] + (["indicative"] if "indicative" in series.columns else [])
    df = series.loc[:, cols].sort_values("month").copy()
    df["month"] = pd.to_datetime(df["month"])
    if "indicative" not in df.columns:
        df["indicative"] = False
    df["label"] = [month_label(m, lang, wareki) for m in df["month"]]
    df["shown"] = [format_value(v, k.unit, lang) + (t("kpi.chart.indicative", lang) if x else "")
                   for v, x in zip(df["value"], df["indicative"])]
    name = pick(k.name, lang)
    first = df["month"].min().date() if len(df) else date.today().replace(day=1)
    last = df["month"].max().date() if len(df) else first
    lo, hi = month_range(first, last)
    x_scale, x_axis = month_axis(first, last, lang, wareki)
    notes = numbered(annotations, first, last)
    narrow = [line for line, _ in _marker_lines(notes, lo, hi, NARROW_ASSUMED_PX, labels=False)]
    wide = _marker_lines(notes, lo, hi, WIDE_ASSUMED_PX, labels=True)
    lines = max([0] + [x + 1 for x in narrow] + [x + 1 for x, _ in wide])
    strip = (1 + lines) * LINE_PX + 6  # the 年度 line, then the markers' lines
    total = HEIGHT + strip
    y_scale = alt.Scale(zero=k.unit != "score5", range=[total, strip])
    y = alt.Y("value:Q", title=name, axis=alt.Axis(format=_axis_format(k), titlePadding=10), scale=y_scale)
    tip = [alt.Tooltip("label:N", title=t("kpi.chart.month", lang)), alt.Tooltip("shown:N", title=name)]
    x = _x("month", x_scale, x_axis, t("kpi.chart.month", lang))
    layers = [
        alt.Chart(df).mark_line(strokeWidth=3, color=SERIES_COLOURS[0]).encode(x=x, y=y),
        alt.Chart(df).mark_point(size=70, filled=True, opacity=1, color=SERIES_COLOURS[0]).encode(
            x=x, y=y, tooltip=tip, fill=alt.condition("datum.indicative", alt.value("white"),
                                                       alt.value(SERIES_COLOURS[0]))),
    ]

    # 年度: a rule on 1 April inside the range, the 年度's name on the band's first line
    fys = range(fiscal_year(first), fiscal_year(last) + 1)
    starts = [max(pd.Timestamp(fiscal_start(fy)), pd.Timestamp(first)) for fy in fys]
    names = pd.DataFrame({"on": starts, "text": [fy_label(fy, lang, wareki) for fy in fys]})
    inside = pd.DataFrame({"on": [pd.Timestamp(fiscal_start(fy)) for fy in fys if first < fiscal_start(fy) <= last]})
    if len(inside):
        layers.append(alt.Chart(inside).mark_rule(color=BOUNDARY_COLOUR, strokeDash=[2, 3], strokeWidth=1.5)
                      .encode(x=_x("on", x_scale)))
    layers.append(alt.Chart(names).mark_text(align="left", baseline="top", dx=3, fontSize=BAND_FONT,
                                             color=BOUNDARY_COLOUR)
                  .encode(x=_x("on", x_scale), y=alt.value(2), text="text:N"))

    # targets: one dashed segment per 年度 that has one; labelled when it is long enough
    segs = []
    for fy, target in sorted((targets or {}).items()) if k.has_direction else ():
        start, stop = max(pd.Timestamp(fiscal_start(fy)), lo), min(pd.Timestamp(fiscal_start(fy + 1)), hi)
        if start < stop:
            segs.append({"start": start, "stop": stop, "target": float(target),
                         "text": t("kpi.chart.target", lang, value=format_value(target, k.unit, lang)),
                         "year": fy_label(fy, lang, wareki), "long": (stop - start).days >= 30 * TARGET_LABEL_MIN_MONTHS})
    if segs:
        tg = pd.DataFrame(segs)
        ty = alt.Y("target:Q", scale=y_scale)
        layers.append(alt.Chart(tg).mark_rule(color=TARGET_COLOUR, strokeDash=[8, 5], strokeWidth=2.5).encode(
            x=_x("start", x_scale), x2="stop:T", y=ty,
            tooltip=[alt.Tooltip("year:N", title=t("kpi.summary.fiscal_year", lang)),
                     alt.Tooltip("text:N", title=t("kpi.summary.target", lang))]))
        if tg["long"].any():
            layers.append(alt.Chart(tg[tg["long"]]).mark_text(align="right", baseline="bottom", dx=-4, dy=-4,
                                                              fontSize=BAND_FONT, color=TARGET_COLOUR)
                          .encode(x=_x("stop", x_scale), y=ty, text="text:N"))

    # annotations: a rule through the plot; in the band its number (and, when wide, its label)
    if notes:
        kinds = sorted({a.kind for _, a in notes})
        colour = alt.Color("kind:N", legend=None, scale=alt.Scale(
            domain=kinds, range=[ANNOTATION_COLOURS.get(x, SERIES_COLOURS[3]) for x in kinds]))
        an = pd.DataFrame([{"on": pd.Timestamp(a.on), "label": a.label, "kind": a.kind, "number": str(n),
                            "date": a.on.strftime("%Y/%m/%d"), "narrow": ln, "wide": lw,
                            "wide_text": f"{n} {a.label}" if labelled else str(n)}
                           for (n, a), ln, (lw, labelled) in zip(notes, narrow, wide)])
        tip = [alt.Tooltip("number:N", title="#"), alt.Tooltip("date:N", title=t("kpi.chart.date", lang)),
               alt.Tooltip("label:N", title=t("kpi.chart.annotation", lang))]
        layers.append(alt.Chart(an).mark_rule(strokeWidth=1.5, opacity=0.8).encode(
            x=_x("on", x_scale), y=alt.value(strip), y2=alt.value(total), color=colour, tooltip=tip))
        wide_test = f"width >= {WIDE_PX}"
        layers.append(alt.Chart(an).transform_calculate(
            line=f"{wide_test} ? datum.wide : datum.narrow",
            text=f"{wide_test} ? datum.wide_text : datum.number",
        ).transform_calculate(ypx=f"{LINE_PX + 2} + datum.line * {LINE_PX}").mark_text(
            align="left", baseline="top", dx=3, fontSize=BAND_FONT, fontWeight="bold", limit=LABEL_LIMIT_PX)
            .encode(x=_x("on", x_scale), y=alt.Y("ypx:Q", scale=None, axis=None), text="text:N", color=colour,
                    tooltip=tip))
    chart = alt.layer(*layers).properties(height=total, title=name)
    return style(chart).properties(autosize=FIT_X)


def numbered(annotations: Sequence, first: date, last: date) -> list[tuple[int, object]]:
    """The annotations inside the chart's range, by date, numbered from 1 (the numbers the
    chart's markers show and the page's list uses)."""
    lo, hi = month_range(month_start(first), month_start(last))
    inside = sorted((a for a in annotations if lo <= pd.Timestamp(a.on) <= hi), key=lambda a: (a.on, a.label))
    return list(enumerate(inside, start=1))


def _marker_lines(notes: Sequence[tuple[int, object]], lo: pd.Timestamp, hi: pd.Timestamp, width_px: int,
                  labels: bool) -> list[tuple[int, bool]]:
    """(line, labelled) for each marker.  Numbers first: each goes to the first line of the
    band that is free where it starts (judging its width from its text; more than
    MAX_MARKER_LINES numbers within a few pixels share the line that frees up first).
    Then, with ``labels``, a marker shows its label beside its number when the label ends
    before the next marker on its line starts; otherwise the number alone (the list under
    the chart has every label)."""
    px_per_day = width_px / max((hi - lo).days, 1)

    def width(n: int, label: str | None = None) -> float:
        chars = len(str(n)) * 0.6 + (0 if label is None else 1 + len(label))
        return min(LABEL_LIMIT_PX, chars * CHAR_PX) + 10

    starts = [(pd.Timestamp(a.on) - lo).days * px_per_day for _, a in notes]
    ends, lines = [-1e9] * MAX_MARKER_LINES, []
    for (n, _), start in zip(notes, starts):
        free = next((i for i, end in enumerate(ends) if end <= start), None)
        if free is None:
            free = min(range(MAX_MARKER_LINES), key=lambda i: ends[i])
        ends[free] = max(ends[free], start) + width(n)
        lines.append(free)
    out = []
    for i, ((n, a), start, line) in enumerate(zip(notes, starts, lines)):
        following = [starts[j] for j in range(i + 1, len(notes)) if lines[j] == line]
        out.append((line, labels and start + width(n, a.label) <= min(following, default=float("inf"))))
    return out


def department_lines(df: pd.DataFrame, k: KpiDef, lang: str = "ja", wareki: bool = False) -> alt.TopLevelMixin:
    """The KPI per department over time: ``df`` has month, department, value.  Its month
    axis is the trend chart's (same ticks, same labels)."""
    data = df.loc[:, ["month", "department", "value"]].copy()
    data["month"] = pd.to_datetime(data["month"])
    data["label"] = [month_label(m, lang, wareki) for m in data["month"]]
    data["shown"] = [format_value(v, k.unit, lang) for v in data["value"]]
    depts = sorted(data["department"].unique().tolist())
    name = pick(k.name, lang)
    x_scale, x_axis = month_axis(data["month"].min().date(), data["month"].max().date(), lang, wareki)
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=50), strokeWidth=2.5).encode(
        x=_x("month", x_scale, x_axis, t("kpi.chart.month", lang)),
        y=alt.Y("value:Q", title=name, axis=alt.Axis(format=_axis_format(k), titlePadding=10)),
        color=alt.Color("department:N", title=t("kpi.chart.department", lang),
                        scale=alt.Scale(domain=depts, range=[SERIES_COLOURS[i % len(SERIES_COLOURS)]
                                                             for i in range(len(depts))]),
                        legend=alt.Legend(orient="bottom", columns=alt.ExprRef(expr="width >= 560 ? 4 : 2"),
                                          labelLimit=140)),
        strokeDash=alt.StrokeDash("department:N", legend=None) if len(depts) > len(SERIES_COLOURS) else alt.Undefined,
        tooltip=[alt.Tooltip("department:N", title=t("kpi.chart.department", lang)),
                 alt.Tooltip("label:N", title=t("kpi.chart.month", lang)), alt.Tooltip("shown:N", title=name)],
    )
    return style(chart.properties(height=HEIGHT, title=name)).properties(autosize=FIT_X)


def department_bars(df: pd.DataFrame, k: KpiDef, lang: str = "ja", title: str = "") -> alt.TopLevelMixin:
    """One 年度 value per department: ``df`` has department, value."""
    data = df.loc[:, ["department", "value"]].copy()
    data["shown"] = [format_value(v, k.unit, lang) for v in data["value"]]
    best_first = "x" if k.direction == "lower" else "-x"
    bars = alt.Chart(data).mark_bar(color=SERIES_COLOURS[0]).encode(
        x=alt.X("value:Q", title=pick(k.name, lang), axis=alt.Axis(format=_axis_format(k))),
        y=alt.Y("department:N", title=None, sort=best_first, axis=alt.Axis(labelLimit=140)),
        tooltip=[alt.Tooltip("department:N", title=t("kpi.chart.department", lang)),
                 alt.Tooltip("shown:N", title=pick(k.name, lang))])
    text = bars.mark_text(align="left", dx=6, fontSize=BIG - 2, fontWeight="bold", color="#222222").encode(
        text="shown:N")
    return style(alt.layer(bars, text).properties(height=alt.Step(40), title=title))
