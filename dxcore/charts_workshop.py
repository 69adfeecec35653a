"""Charts of a workshop room, made for the projector (pure Altair builders; pages only draw them).

Read from the back of a 会議室 at 1920×1080: every label, axis title and legend is
:data:`ROOM` px (Vega draws them; nothing is shortened, names are given room instead),
the numbers on the bars bigger still, Japanese font first and the Okabe–Ito colours of
:mod:`dxcore.charts`.  One chart per screen (see :mod:`dxcore.present`): the room's risk by
failure pattern, where 幹部 and 現場 see a pattern differently, and how the room answered
one statement or one myth.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

from dxcore.charts import BAND_COLOURS, FONT, SERIES_COLOURS, band_label
from dxcore.content import Content, load
from dxcore.i18n import pick, t
from dxcore.present import Answers, PatternGap, share
from dxcore.scoring import BANDS, Result
from dxcore.workshop import MythTally

ROOM = 28  # px: chart labels, axis titles and legends (≥ 24 px reads from 10 m at 1920×1080)
ROOM_NUMBERS = 34  # px: the figures written on the bars
ROOM_LABELS = 1100  # px a label may take before Vega would cut it: never, on a 1920 px screen
ROW = 84  # px per bar: thick enough to see, with room for the label
GAP_ROW = 64  # px per dumbbell: the gap screen keeps room for its statement below
INK = "#1A1A1A"  # text: black enough to read on a washed-out projector
# 1 … 5 from "not at all" to "very well" (blue → vermillion), 「わからない」 grey
SCALE_COLOURS = ("#0072B2", "#56B4E9", "#BBBBBB", "#E69F00", "#D55E00")
UNKNOWN_COLOUR = "#777777"
MYTH_COLOURS = {"true": "#E69F00", "false": "#0072B2", "unknown": UNKNOWN_COLOUR}
NO_BAND = "#BBBBBB"


def room_style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The projector's look: Japanese font first, :data:`ROOM` px dark text, labels never cut."""
    text = {"labelFontSize": ROOM, "titleFontSize": ROOM, "labelLimit": ROOM_LABELS, "labelColor": INK,
            "titleColor": INK}
    return (chart.configure(font=FONT).configure_axis(**text, titleFontWeight="bold")
            .configure_legend(**text, titleFontWeight="bold").configure_view(strokeWidth=0))


def pattern_label(content: Content, pattern_id: str, lang: str) -> str:
    """「P3 ベンダー任せで、ノウハウが庁内に残らない」: the id and the whole name."""
    return f"{pattern_id} {pick(content.pattern_index[pattern_id].title, lang)}"


def room_risk(result: Result, lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    """The room's risk per failure pattern, highest first, with the patterns' names."""
    content = content or load()
    ordered = sorted(result.patterns, key=lambda p: -1 if p.risk is None else -p.risk)
    rows = [{"pattern": pattern_label(content, p.id, lang), "risk": p.risk or 0,
             "figure": "—" if p.risk is None else f"{p.risk:.0f}", "band": band_label(p.band, lang)}
            for p in ordered]
    band_names = [band_label(b, lang) for b in BANDS] + [band_label(None, lang)]
    y = alt.Y("pattern:N", title=None, sort=[r["pattern"] for r in rows], scale=alt.Scale(paddingInner=0.25))
    bars = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("risk:Q", title=t("projector.chart.risk", lang), scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 25, 50, 75, 100])),
        y=y,
        color=alt.Color("band:N", title=t("chart.band", lang),
                        scale=alt.Scale(domain=band_names, range=[*(BAND_COLOURS[b] for b in BANDS), NO_BAND]),
                        legend=alt.Legend(orient="top", symbolSize=500)),
    )
    figures = alt.Chart(pd.DataFrame(rows)).mark_text(
        align="left", dx=10, fontSize=ROOM_NUMBERS, fontWeight="bold", color=INK).encode(
        x="risk:Q", y=y, text="figure:N")
    return room_style(alt.layer(bars, figures).properties(height=len(rows) * ROW))


def pattern_gap(gaps: Sequence[PatternGap], lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    """A dumbbell per failure pattern: the risk 幹部 see and the risk 現場 see, joined by a bar."""
    content = content or load()
    who = {"executive": t("workshop.group.executive", lang), "frontline": t("workshop.group.frontline", lang)}
    labels = [pattern_label(content, g.pattern, lang) for g in gaps]
    dots = [{"pattern": label, "group": who[gid], "risk": risk, "figure": f"{risk:.0f}"}
            for label, g in zip(labels, gaps)
            for gid, risk in (("executive", g.executive), ("frontline", g.frontline)) if risk is not None]
    lines = [{"pattern": label, "low": min(g.executive, g.frontline), "high": max(g.executive, g.frontline)}
             for label, g in zip(labels, gaps) if g.difference is not None]
    y = alt.Y("pattern:N", title=None, sort=labels, scale=alt.Scale(type="point", padding=0.5))
    x_scale = alt.Scale(domain=[0, 100])
    rule = alt.Chart(pd.DataFrame(lines, columns=["pattern", "low", "high"])).mark_rule(
        strokeWidth=10, color="#CCCCCC").encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    colour = alt.Color("group:N", title=None, scale=alt.Scale(domain=list(who.values()),
                                                              range=list(SERIES_COLOURS[1:3])),
                       legend=alt.Legend(orient="top", symbolSize=700))
    circles = alt.Chart(pd.DataFrame(dots, columns=["pattern", "group", "risk", "figure"])).mark_circle(
        size=900, opacity=1).encode(
        y=y, color=colour,
        x=alt.X("risk:Q", scale=x_scale, title=t("projector.chart.risk", lang),
                axis=alt.Axis(values=[0, 25, 50, 75, 100])))
    return room_style(alt.layer(rule, circles).properties(height=max(1, len(gaps)) * GAP_ROW))


def answer_bars(options: Sequence[tuple[str, int, str]], lang: str = "ja") -> alt.TopLevelMixin:
    """One bar per answer (``options``: label, people, colour), with people and share written on it."""
    total = sum(n for _, n, _ in options)
    rows = [{"answer": label, "n": n, "figure": t("projector.chart.figure", lang, n=n, share=f"{share(n, total):.0f}")}
            for label, n, _ in options]
    most = max((n for _, n, _ in options), default=0)
    y = alt.Y("answer:N", title=None, sort=[label for label, _, _ in options], scale=alt.Scale(paddingInner=0.2))
    # the scale leaves a third of the width for the figures written after the longest bar
    x = alt.X("n:Q", title=t("workshop.chart.people", lang), scale=alt.Scale(domain=[0, max(1, most) * 1.35]),
              axis=alt.Axis(format="d", tickMinStep=1))
    bars = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=x, y=y, color=alt.Color("answer:N", legend=None, scale=alt.Scale(
            domain=[label for label, _, _ in options], range=[colour for _, _, colour in options])))
    figures = alt.Chart(pd.DataFrame(rows)).mark_text(
        align="left", dx=10, fontSize=ROOM_NUMBERS, fontWeight="bold", color=INK).encode(
        x="n:Q", y=y, text="figure:N")
    return room_style(alt.layer(bars, figures).properties(height=len(rows) * ROW))


def statement_options(answers: Answers, lang: str = "ja", content: Content | None = None
                      ) -> list[tuple[str, int, str]]:
    """The answers to a statement as :func:`answer_bars` draws them: 1 … 5, then 「わからない」."""
    content = content or load()
    scale = [(f"{o.value} {pick(o.label, lang)}", n, colour)
             for o, n, colour in zip(content.scale, answers.counts, SCALE_COLOURS)]
    return scale + [(pick(content.unknown, lang), answers.unknown, UNKNOWN_COLOUR)]


def myth_options(tally: MythTally, lang: str = "ja", content: Content | None = None) -> list[tuple[str, int, str]]:
    """A myth's answers as :func:`answer_bars` draws them: ○, ×, 「わからない」."""
    content = content or load()
    return [(t("workshop.myth.true", lang), tally.true, MYTH_COLOURS["true"]),
            (t("workshop.myth.false", lang), tally.false, MYTH_COLOURS["false"]),
            (pick(content.unknown, lang), tally.unknown, MYTH_COLOURS["unknown"])]
