"""Altair chart builders (pure: data in, chart spec out; Streamlit only displays them).

Readable on a projector: large fonts, a colour-blind-safe palette (Okabe–Ito) and a
font list that starts with Noto Sans CJK JP so Japanese text renders on Linux, with
the usual Windows/macOS Japanese fonts as fallbacks.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Sequence

import altair as alt
import pandas as pd

from dxcore.content import Content, load
from dxcore.i18n import pick, t
from dxcore.scoring import BANDS, HIGH_FROM, LOW_BELOW, Result, band, rounded

FONT = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif"
# Okabe–Ito: safe for the common colour-vision deficiencies
BAND_COLOURS = {"low": "#0072B2", "medium": "#E69F00", "high": "#D55E00"}
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BIG = 16


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (chart.configure(font=FONT)
            .configure_axis(labelFontSize=BIG, titleFontSize=BIG, labelLimit=400)
            .configure_legend(labelFontSize=BIG, titleFontSize=BIG, labelLimit=400)
            .configure_title(fontSize=BIG + 4)
            .configure_view(strokeWidth=0))


def screen_height(chart: alt.TopLevelMixin, axes_and_legend: int = 130) -> int | str:
    """The height to give ``st.altair_chart``: Streamlit 1.67 draws a chart stretched to the
    page width at its own default height unless told, squeezing rows of bars together.
    A chart sized by its rows (``alt.Step``) is left to size itself ("content")."""
    height = chart.height
    return int(height) + axes_and_legend if isinstance(height, (int, float)) else "content"


def _pattern_label(content: Content, pattern_id: str, lang: str) -> str:
    return f"{pattern_id} {pick(content.pattern_index[pattern_id].title, lang)}"


def radar(series: Sequence[tuple[str, Result]], lang: str = "ja", content: Content | None = None,
          size: int = 460) -> alt.TopLevelMixin:
    """Radar of pattern risk (0 centre – 100 rim) for one or more labelled results.

    Altair has no polar line mark, so points are placed on x/y by hand: pattern i of n
    sits at angle 2πi/n clockwise from the top.
    """
    content = content or load()
    ids = [p.id for p in content.patterns]
    n = len(ids)

    def xy(i: int, r: float) -> tuple[float, float]:
        a = 2 * math.pi * i / n
        return r * math.sin(a), r * math.cos(a)

    grid = []
    for ring in (25, 50, 75, 100):
        for i in range(n + 1):
            x, y = xy(i % n, ring)
            grid.append({"ring": ring, "order": i, "x": x, "y": y})
    spokes = [{"spoke": i, "x": x, "y": y} for i in range(n) for x, y in ((0, 0), xy(i, 100))]
    labels = [{"x": xy(i, 118)[0], "y": xy(i, 118)[1], "label": pid,
               "title": _pattern_label(content, pid, lang)} for i, pid in enumerate(ids)]
    points = []
    for name, result in series:
        for i, pid in enumerate(ids + ids[:1]):  # close the polygon
            risk = result.pattern(pid).risk
            x, y = xy(i % n, risk or 0)
            points.append({"series": name, "order": i, "x": x, "y": y, "pattern": pid,
                           "title": _pattern_label(content, pid, lang), "risk": rounded(risk)})
    scale = alt.Scale(domain=[-125, 125])
    enc = {"x": alt.X("x:Q", scale=scale, axis=None), "y": alt.Y("y:Q", scale=scale, axis=None)}
    names = [name for name, _ in series]
    colour = alt.Color("series:N", title=t("chart.series", lang),
                       scale=alt.Scale(domain=names, range=list(SERIES_COLOURS[: len(names)])),
                       legend=alt.Legend(orient="bottom"))
    layers = [
        alt.Chart(pd.DataFrame(grid)).mark_line(color="#BBBBBB", strokeWidth=1)
        .encode(detail="ring:N", order="order:Q", **enc),
        alt.Chart(pd.DataFrame(spokes)).mark_line(color="#DDDDDD").encode(detail="spoke:N", **enc),
        alt.Chart(pd.DataFrame(labels)).mark_text(fontSize=BIG + 2, fontWeight="bold")
        .encode(text="label:N", tooltip=alt.Tooltip("title:N", title=t("chart.pattern", lang)), **enc),
        alt.Chart(pd.DataFrame(points)).mark_line(point=alt.OverlayMarkDef(size=90), strokeWidth=3,
                                                  opacity=0.9)
        .encode(color=colour, order="order:Q",
                tooltip=[alt.Tooltip("series:N", title=t("chart.series", lang)),
                         alt.Tooltip("title:N", title=t("chart.pattern", lang)),
                         alt.Tooltip("risk:Q", title=t("chart.risk", lang))], **enc),
    ]
    return style(alt.layer(*layers).properties(width=size, height=size + 40))


def band_label(band_id: str | None, lang: str) -> str:
    return t(f"band.{band_id or 'none'}", lang)


def pattern_bars(result: Result, lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of pattern risk coloured by band, with the band thresholds drawn."""
    content = content or load()
    rows = [{"pattern": _pattern_label(content, p.id, lang), "risk": p.risk or 0, "shown": rounded(p.risk),
             "band": band_label(p.band, lang), "order": i}
            for i, p in enumerate(result.patterns)]
    band_names = [band_label(b, lang) for b in BANDS]
    bars = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("risk:Q", title=t("chart.risk", lang), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("pattern:N", title=None, sort=[r["pattern"] for r in rows], scale=alt.Scale(paddingInner=0.3)),
        color=alt.Color("band:N", title=t("chart.band", lang),
                        scale=alt.Scale(domain=band_names + [band_label(None, lang)],
                                        range=[BAND_COLOURS[b] for b in BANDS] + ["#BBBBBB"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("pattern:N", title=t("chart.pattern", lang)),
                 alt.Tooltip("shown:Q", title=t("chart.risk", lang)),
                 alt.Tooltip("band:N", title=t("chart.band", lang))],
    )
    # the label is the whole number every page shows (scoring.rounded), not Vega's own rounding
    text = bars.mark_text(align="left", dx=6, fontSize=BIG, fontWeight="bold").encode(
        text=alt.Text("shown:Q"), color=alt.value("#222222"))
    rules = alt.Chart(pd.DataFrame({"x": [LOW_BELOW, HIGH_FROM]})).mark_rule(
        strokeDash=[4, 4], color="#666666").encode(x="x:Q")
    return style(alt.layer(bars, text, rules).properties(height=7 * 44))


def cause_bars(result: Result, lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    content = content or load()
    # a cause none of the answered statements touch is left out, not drawn as 0
    rows = [{"cause": pick(content.cause_index[c.id].name, lang), "risk": c.risk, "shown": rounded(c.risk),
             "order": i, "band": band_label(band(c.risk), lang)}
            for i, c in enumerate(result.causes) if c.risk is not None]
    band_names = [band_label(b, lang) for b in BANDS]
    bars = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("risk:Q", title=t("chart.risk", lang), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("cause:N", title=None, sort=[r["cause"] for r in rows], scale=alt.Scale(paddingInner=0.3)),
        color=alt.Color("band:N", legend=None,
                        scale=alt.Scale(domain=band_names, range=[BAND_COLOURS[b] for b in BANDS])),
        tooltip=[alt.Tooltip("cause:N", title=t("chart.cause", lang)),
                 alt.Tooltip("shown:Q", title=t("chart.risk", lang)),
                 alt.Tooltip("band:N", title=t("chart.band", lang))],
    )
    text = bars.mark_text(align="left", dx=6, fontSize=BIG, fontWeight="bold").encode(
        text=alt.Text("shown:Q"), color=alt.value("#222222"))
    return style(alt.layer(bars, text).properties(height=3 * 56))


def time_axis(dates: Sequence[datetime], lang: str = "ja") -> tuple[alt.Scale, alt.Axis]:
    """The x scale and axis of a trend over diagnoses, with dates readable at any span: over
    a few days (the first day, when every diagnosis is from today) the axis covers the day
    before and after and shows days; up to four months, days; beyond, months."""
    title = t("chart.date", lang)
    if not dates:
        return alt.Scale(), alt.Axis(title=title)
    first, last = min(dates), max(dates)
    span = last - first
    if span <= timedelta(days=3):
        start = datetime.combine(first.date(), datetime.min.time()) - timedelta(days=1)
        end = datetime.combine(last.date(), datetime.min.time()) + timedelta(days=2)
        return (alt.Scale(domain=[start.isoformat(), end.isoformat()]),
                alt.Axis(title=title, format="%Y/%m/%d", tickCount="day", labelOverlap=True))
    if span <= timedelta(days=120):
        return alt.Scale(), alt.Axis(title=title, format="%Y/%m/%d", tickCount="week", labelOverlap=True)
    return alt.Scale(), alt.Axis(title=title, format="%Y/%m", tickCount="month", labelOverlap=True)


def _version_marks(marks: Sequence[dict], lang: str, top: float) -> list[alt.TopLevelMixin]:
    """A dashed rule and a label where the questionnaire changed; ``marks`` are {date, version}."""
    if not marks:
        return []
    df = pd.DataFrame([{"date": m["date"], "label": t("history.version_mark", lang, version=m["version"]),
                        "top": top} for m in marks])
    rule = alt.Chart(df).mark_rule(strokeDash=[6, 4], color="#555555", strokeWidth=2).encode(x="date:T")
    text = alt.Chart(df).mark_text(align="left", dx=6, dy=4, baseline="top", fontSize=BIG - 2, color="#333333").encode(
        x="date:T", y=alt.Y("top:Q"), text="label:N")
    return [rule, text]


def pattern_trend(rows: Sequence[dict], lang: str = "ja", content: Content | None = None,
                  marks: Sequence[dict] = ()) -> alt.TopLevelMixin:
    """Risk per pattern over time; ``rows`` from :func:`dxcore.history.long_rows`; ``marks``
    ({date, version}) where the questionnaire changed."""
    content = content or load()
    df = pd.DataFrame(rows, columns=["id", "date", "pattern", "risk"])
    df["title"] = [_pattern_label(content, p, lang) for p in df["pattern"]]
    df["shown"] = [rounded(r) for r in df["risk"]]
    domain = [_pattern_label(content, p.id, lang) for p in content.patterns]
    scale, axis = time_axis(list(df["date"]), lang)
    chart = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=80), strokeWidth=3).encode(
        x=alt.X("date:T", scale=scale, axis=axis),
        y=alt.Y("risk:Q", title=t("chart.risk", lang), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("title:N", title=t("chart.pattern", lang),
                        scale=alt.Scale(domain=domain, range=list(SERIES_COLOURS[: len(domain)])),
                        legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("date:T", title=t("chart.date", lang), format="%Y/%m/%d %H:%M"),
                 alt.Tooltip("title:N", title=t("chart.pattern", lang)),
                 alt.Tooltip("shown:Q", title=t("chart.risk", lang))],
    )
    return style(alt.layer(chart, *_version_marks(marks, lang, 100)).properties(height=380))


def health_trend(points: Sequence[dict], lang: str = "ja", marks: Sequence[dict] = ()) -> alt.TopLevelMixin:
    """DX health over time; ``points`` are {date, overall}; ``marks`` ({date, version}) where the
    questionnaire changed."""
    df = pd.DataFrame(points, columns=["date", "overall"])
    df["shown"] = [rounded(v) for v in df["overall"]]
    scale, axis = time_axis(list(df["date"]), lang)
    chart = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=100), strokeWidth=4,
                                    color=SERIES_COLOURS[0]).encode(
        x=alt.X("date:T", scale=scale, axis=axis),
        y=alt.Y("overall:Q", title=t("chart.health", lang), scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("date:T", title=t("chart.date", lang), format="%Y/%m/%d %H:%M"),
                 alt.Tooltip("shown:Q", title=t("chart.health", lang))],
    )
    return style(alt.layer(chart, *_version_marks(marks, lang, 100)).properties(height=260))
