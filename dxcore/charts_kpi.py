"""Altair charts of the KPI dashboard (pure: frames in, chart specs out).

The trend chart draws a KPI's monthly values, the 年度 target as a dashed segment over
each 年度, the 年度 boundaries (1 April) and the organisation's dated annotations (what
was done when) as vertical rules with their labels.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping, Sequence

import altair as alt
import pandas as pd

from dxcore.charts import BIG, SERIES_COLOURS, style
from dxcore.i18n import pick, t
from dxcore.kpi import KpiDef, fiscal_start, format_value, fy_label, month_label
from dxcore.periods import fiscal_year

TARGET_COLOUR = "#D55E00"
ANNOTATION_COLOURS = {"milestone": "#009E73", "completed": "#CC79A7"}
BOUNDARY_COLOUR = "#888888"
HEIGHT = 340
MAX_LABEL_LINES = 6
LINE_PX = 19
LABEL_LIMIT_PX = 150
ASSUMED_WIDTH_PX = 720  # the plot in the wide layout beside the sidebar (1366 px screens); only places labels


def _axis_format(k: KpiDef) -> str:
    return ".0%" if k.unit == "ratio" else ",.2~f"


def trend(series: pd.DataFrame, k: KpiDef, lang: str = "ja", targets: Mapping[int, float] | None = None,
          annotations: Sequence = (), wareki: bool = False) -> alt.TopLevelMixin:
    """``series``: month (Timestamp), value.  ``targets``: {年度: target}.  ``annotations``:
    objects with ``on`` (date), ``label`` and ``kind`` (dxcore.store.annotations.Annotation)."""
    df = series.loc[:, ["month", "value"]].sort_values("month").copy()
    df["month"] = pd.to_datetime(df["month"])
    df["label"] = [month_label(m, lang, wareki) for m in df["month"]]
    df["shown"] = [format_value(v, k.unit, lang) for v in df["value"]]
    name = pick(k.name, lang)
    first = df["month"].min().date() if len(df) else date.today().replace(day=1)
    last = df["month"].max().date() if len(df) else first
    # half a month of room either side, so the first and last points sit inside the frame
    lo, hi = pd.Timestamp(first) - pd.Timedelta(days=15), pd.Timestamp(last) + pd.Timedelta(days=15)
    x_scale = alt.Scale(domain=[lo.isoformat(), hi.isoformat()])
    x = alt.X("month:T", title=t("kpi.chart.month", lang), scale=x_scale,
              axis=alt.Axis(format="%Y/%m", labelAngle=0, tickCount="month" if len(df) <= 14 else alt.Undefined))
    notes = sorted((a for a in annotations if lo <= pd.Timestamp(a.on) <= hi), key=lambda a: (a.on, a.label))
    lines = min(len(notes), MAX_LABEL_LINES)
    strip = lines * LINE_PX + (8 if lines else 0)  # a band above the plot for the annotation labels
    total = HEIGHT + strip
    y_scale = alt.Scale(zero=k.unit != "score5", range=[total, strip])
    y = alt.Y("value:Q", title=name, axis=alt.Axis(format=_axis_format(k)), scale=y_scale)
    layers = [
        alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=70), strokeWidth=3, color=SERIES_COLOURS[0])
        .encode(x=x, y=y, tooltip=[alt.Tooltip("label:N", title=t("kpi.chart.month", lang)),
                                   alt.Tooltip("shown:N", title=name)]),
    ]

    # 年度 boundaries: 1 April inside the range
    fys = range(fiscal_year(first), fiscal_year(last) + 1)
    bounds = pd.DataFrame([{"on": pd.Timestamp(fiscal_start(fy)), "text": fy_label(fy, lang, wareki)}
                           for fy in fys if first < fiscal_start(fy) <= last]
                          or [{"on": pd.Timestamp(first), "text": fy_label(fiscal_year(first), lang, wareki)}])
    bounds["kind"] = "boundary"
    layers.append(alt.Chart(bounds).mark_rule(color=BOUNDARY_COLOUR, strokeDash=[2, 3], strokeWidth=1.5)
                  .encode(x=alt.X("on:T", scale=x_scale)))
    layers.append(alt.Chart(bounds).mark_text(align="left", baseline="bottom", dx=4, dy=-2, fontSize=BIG - 2,
                                              color=BOUNDARY_COLOUR)
                  .encode(x=alt.X("on:T", scale=x_scale), y=alt.value(total), text="text:N"))

    # targets: one dashed segment per 年度 that has one
    segs = []
    for fy, target in sorted((targets or {}).items()):
        start, stop = max(pd.Timestamp(fiscal_start(fy)), lo), min(pd.Timestamp(fiscal_start(fy + 1)), hi)
        if start < stop:
            segs.append({"start": start, "stop": stop, "target": float(target),
                         "text": t("kpi.chart.target", lang, value=format_value(target, k.unit, lang)),
                         "year": fy_label(fy, lang, wareki)})
    if segs:
        tg = pd.DataFrame(segs)
        layers.append(alt.Chart(tg).mark_rule(color=TARGET_COLOUR, strokeDash=[8, 5], strokeWidth=2.5).encode(
            x=alt.X("start:T", scale=x_scale), x2="stop:T", y=alt.Y("target:Q", scale=y_scale),
            tooltip=[alt.Tooltip("year:N", title=t("kpi.summary.fiscal_year", lang)),
                     alt.Tooltip("text:N", title=t("kpi.summary.target", lang))]))
        layers.append(alt.Chart(tg).mark_text(align="right", baseline="bottom", dx=-4, dy=-4, fontSize=BIG - 3,
                                              color=TARGET_COLOUR)
                      .encode(x=alt.X("stop:T", scale=x_scale), y=alt.Y("target:Q", scale=y_scale), text="text:N"))

    # dated annotations: a rule through the plot for each, its label in the band above,
    # cascading over up to six lines so that labels of nearby dates do not overlap
    if notes:
        kinds = sorted({a.kind for a in notes})
        colour = alt.Color("kind:N", legend=None, scale=alt.Scale(
            domain=kinds, range=[ANNOTATION_COLOURS.get(x, SERIES_COLOURS[3]) for x in kinds]))
        placed = _label_lines(notes, lo, hi, lines)
        an = pd.DataFrame([{"on": pd.Timestamp(a.on), "label": a.label, "kind": a.kind,
                            "date": a.on.strftime("%Y/%m/%d"), "line": line} for a, line in zip(notes, placed)])
        tip = [alt.Tooltip("date:N", title=t("kpi.chart.date", lang)),
               alt.Tooltip("label:N", title=t("kpi.chart.annotation", lang))]
        layers.append(alt.Chart(an).mark_rule(strokeWidth=1.5, opacity=0.8).encode(
            x=alt.X("on:T", scale=x_scale), color=colour, tooltip=tip))
        for line in sorted({p for p in placed if p is not None}):
            layers.append(alt.Chart(an[an["line"] == line]).mark_text(
                align="left", baseline="top", dx=4, fontSize=BIG - 3, fontWeight="bold", limit=LABEL_LIMIT_PX)
                .encode(x=alt.X("on:T", scale=x_scale), y=alt.value(2 + line * LINE_PX), text="label:N",
                        color=colour, tooltip=tip))
    return style(alt.layer(*layers).properties(height=total, title=name))


def _label_lines(notes: Sequence, lo: pd.Timestamp, hi: pd.Timestamp, lines: int,
                 width_px: int = ASSUMED_WIDTH_PX) -> list[int | None]:
    """A line in the label band for each annotation (in the order given): the first line
    whose previous label has ended by then, judging a label's width from its length.
    Milestones (entered by hand) are placed before completed items; a label that finds no
    free line gets None and is not drawn: its rule and tooltip still are, and piling
    labels on top of each other would make every one unreadable."""
    px_per_day = width_px / max((hi - lo).days, 1)
    taken: list[list[tuple[float, float]]] = [[] for _ in range(lines)]  # pixel spans per line
    out: list[int | None] = [None] * len(notes)
    order = sorted(range(len(notes)), key=lambda i: (notes[i].kind != "milestone", notes[i].on))
    for i in order:
        a = notes[i]
        start = (pd.Timestamp(a.on) - lo).days * px_per_day
        end = start + min(LABEL_LIMIT_PX, (BIG - 3) * len(a.label)) + 8
        free = [n for n in range(lines) if all(end <= s0 or start >= e0 for s0, e0 in taken[n])]
        if free:
            taken[free[0]].append((start, end))
            out[i] = free[0]
    return out


def department_lines(df: pd.DataFrame, k: KpiDef, lang: str = "ja", wareki: bool = False) -> alt.TopLevelMixin:
    """The KPI per department over time: ``df`` has month, department, value."""
    data = df.loc[:, ["month", "department", "value"]].copy()
    data["label"] = [month_label(m, lang, wareki) for m in data["month"]]
    data["shown"] = [format_value(v, k.unit, lang) for v in data["value"]]
    depts = sorted(data["department"].unique().tolist())
    name = pick(k.name, lang)
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=50), strokeWidth=2.5).encode(
        x=alt.X("month:T", title=t("kpi.chart.month", lang), axis=alt.Axis(format="%Y/%m", labelAngle=0)),
        y=alt.Y("value:Q", title=name, axis=alt.Axis(format=_axis_format(k))),
        color=alt.Color("department:N", title=t("kpi.chart.department", lang),
                        scale=alt.Scale(domain=depts, range=[SERIES_COLOURS[i % len(SERIES_COLOURS)]
                                                             for i in range(len(depts))]),
                        legend=alt.Legend(orient="bottom", columns=4)),
        strokeDash=alt.StrokeDash("department:N", legend=None) if len(depts) > len(SERIES_COLOURS) else alt.Undefined,
        tooltip=[alt.Tooltip("department:N", title=t("kpi.chart.department", lang)),
                 alt.Tooltip("label:N", title=t("kpi.chart.month", lang)), alt.Tooltip("shown:N", title=name)],
    )
    return style(chart.properties(height=HEIGHT, title=name))


def department_bars(df: pd.DataFrame, k: KpiDef, lang: str = "ja", title: str = "") -> alt.TopLevelMixin:
    """One 年度 value per department: ``df`` has department, value."""
    data = df.loc[:, ["department", "value"]].copy()
    data["shown"] = [format_value(v, k.unit, lang) for v in data["value"]]
    best_first = "-x" if k.direction == "higher" else "x"
    bars = alt.Chart(data).mark_bar(color=SERIES_COLOURS[0]).encode(
        x=alt.X("value:Q", title=pick(k.name, lang), axis=alt.Axis(format=_axis_format(k))),
        y=alt.Y("department:N", title=None, sort=best_first),
        tooltip=[alt.Tooltip("department:N", title=t("kpi.chart.department", lang)),
                 alt.Tooltip("shown:N", title=pick(k.name, lang))])
    text = bars.mark_text(align="left", dx=6, fontSize=BIG - 2, fontWeight="bold", color="#222222").encode(
        text="shown:N")
    return style(alt.layer(bars, text).properties(height=alt.Step(40), title=title))
