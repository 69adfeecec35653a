"""Charts of a workshop room (pure Altair builders; the presenter only displays them).

The room's pattern risks and the role groups' are drawn with :func:`dxcore.charts.radar`;
here are the charts only a room has: how the answers spread per statement, where
幹部 and 現場 disagree (a dumbbell per statement), and how the room answered the
warm-up's myths.  Big fonts and the Okabe–Ito colours of :mod:`dxcore.charts`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dxcore.charts import BIG, SERIES_COLOURS, style
from dxcore.content import Content, load
from dxcore.i18n import pick, t
from dxcore.scoring import Result
from dxcore.workshop import SCALE, Room

LABEL_CHARS = 30
# 1 … 5 from "not at all" to "very well" (blue → vermillion), 「わからない」 grey
SCALE_COLOURS = ("#0072B2", "#56B4E9", "#CCCCCC", "#E69F00", "#D55E00")
UNKNOWN_COLOUR = "#888888"
MYTH_COLOURS = {"true": "#E69F00", "false": "#0072B2", "unknown": UNKNOWN_COLOUR}


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def statement_label(content: Content, statement_id: str, lang: str) -> str:
    q = content.question_index.get(statement_id)
    if q is not None:
        return f"{statement_id} {short(pick(q.text, lang))}"
    myth = next(m for m in content.myths if m.id == statement_id)
    return f"{statement_id} {short(pick(myth.statement, lang))}"


def group_series(room: Room, lang: str) -> list[tuple[str, Result]]:
    """(label, result) for the radar: the whole room, then each role group shown."""
    series = [(t("workshop.chart.room", lang), room.result)] if room.result else []
    return series + [(t(f"workshop.group.{g.id}", lang), g.result) for g in room.groups
                     if g.shown and g.result is not None]


def distribution(room: Room, lang: str = "ja", content: Content | None = None,
                 statements: list[str] | None = None) -> alt.TopLevelMixin:
    """Stacked 100% bars: for each statement, the share of the room choosing 1 … 5 or 「わからない」."""
    content = content or load()
    wanted = set(statements) if statements is not None else None
    names = [f"{o.value} {pick(o.label, lang)}" for o in content.scale] + [pick(content.unknown, lang)]
    rows = []
    for order, d in enumerate(room.distribution):
        if wanted is not None and d.question_id not in wanted:
            continue
        label = statement_label(content, d.question_id, lang)
        full = pick(content.question_index[d.question_id].text, lang)
        for i, value in enumerate(SCALE):
            rows.append({"statement": label, "text": full, "answer": names[i], "n": d.counts[value],
                         "order": order, "stack": i})
        rows.append({"statement": label, "text": full, "answer": names[-1], "n": d.unknown, "order": order,
                     "stack": len(SCALE)})
    df = pd.DataFrame(rows, columns=["statement", "text", "answer", "n", "order", "stack"])
    n_rows = max(1, df["statement"].nunique())
    chart = alt.Chart(df).mark_bar(height=26).encode(
        x=alt.X("n:Q", stack="normalize", title=t("workshop.chart.share", lang),
                  axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        y=alt.Y("statement:N", title=None, sort=alt.EncodingSortField("order")),
        color=alt.Color("answer:N", title=t("workshop.chart.answer", lang),
                        scale=alt.Scale(domain=names, range=[*SCALE_COLOURS, UNKNOWN_COLOUR]),
                        legend=alt.Legend(orient="bottom", columns=3)),
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("text:N", title=t("workshop.chart.statement", lang)),
                 alt.Tooltip("answer:N", title=t("workshop.chart.answer", lang)),
                 alt.Tooltip("n:Q", title=t("workshop.chart.people", lang))],
    )
    return style(chart.properties(height=n_rows * 40 + 20))


def gaps(room: Room, lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    """Dumbbells: for the statements with the largest gap, 幹部's and 現場's mean answer."""
    content = content or load()
    who = {"executive": t("workshop.group.executive", lang), "frontline": t("workshop.group.frontline", lang)}
    rows, lines = [], []
    for order, g in enumerate(room.gaps):
        label = statement_label(content, g.question_id, lang)
        full = pick(content.question_index[g.question_id].text, lang)
        for gid, mean in (("executive", g.executive), ("frontline", g.frontline)):
            rows.append({"statement": label, "text": full, "group": who[gid], "mean": mean, "order": order})
        lines.append({"statement": label, "low": min(g.executive, g.frontline),
                      "high": max(g.executive, g.frontline), "order": order, "difference": abs(g.difference)})
    y = alt.Y("statement:N", title=None, sort=alt.EncodingSortField("order"))
    x_scale = alt.Scale(domain=[min(SCALE), max(SCALE)])
    rule = alt.Chart(pd.DataFrame(lines, columns=["statement", "low", "high", "order", "difference"])).mark_rule(
        strokeWidth=6, color="#BBBBBB").encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    dots = alt.Chart(pd.DataFrame(rows, columns=["statement", "text", "group", "mean", "order"])).mark_circle(
        size=420, opacity=1).encode(
        y=y,
        x=alt.X("mean:Q", scale=x_scale, title=t("workshop.chart.mean", lang), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("group:N", title=None,
                        scale=alt.Scale(domain=list(who.values()), range=list(SERIES_COLOURS[1:3])),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("text:N", title=t("workshop.chart.statement", lang)),
                 alt.Tooltip("group:N", title=t("workshop.chart.group", lang)),
                 alt.Tooltip("mean:Q", title=t("workshop.chart.mean", lang), format=".1f")],
    )
    return style(alt.layer(rule, dots).properties(height=max(1, len(room.gaps)) * 56 + 30))


def myths(room: Room, lang: str = "ja", content: Content | None = None) -> alt.TopLevelMixin:
    """For each myth, how many said 「正しい」, 「誤り」 or 「わからない」."""
    content = content or load()
    names = {"true": t("workshop.myth.true", lang), "false": t("workshop.myth.false", lang),
             "unknown": pick(content.unknown, lang)}
    rows = []
    for order, m in enumerate(room.myths):
        label = statement_label(content, m.id, lang)
        for i, (kind, n) in enumerate((("true", m.true), ("false", m.false), ("unknown", m.unknown))):
            rows.append({"statement": label, "answer": names[kind], "n": n, "order": order, "stack": i})
    df = pd.DataFrame(rows, columns=["statement", "answer", "n", "order", "stack"])
    most = max((m.responses for m in room.myths), default=0)
    people_axis = alt.Axis(format="d", values=list(range(most + 1))) if most <= 10 else alt.Axis(format="d")
    chart = alt.Chart(df).mark_bar(height=40).encode(
        x=alt.X("n:Q", stack="zero", title=t("workshop.chart.people", lang), axis=people_axis),
        y=alt.Y("statement:N", title=None, sort=alt.EncodingSortField("order")),
        color=alt.Color("answer:N", title=t("workshop.chart.answer", lang),
                        scale=alt.Scale(domain=list(names.values()), range=list(MYTH_COLOURS.values())),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("stack:Q"),
        tooltip=[alt.Tooltip("answer:N", title=t("workshop.chart.answer", lang)),
                 alt.Tooltip("n:Q", title=t("workshop.chart.people", lang))],
    )
    text = alt.Chart(df[df["n"] > 0]).mark_text(fontSize=BIG + 2, fontWeight="bold", color="#FFFFFF",
                                                dx=-14, align="right").encode(
        x=alt.X("n:Q", stack="zero", axis=people_axis),
        y=alt.Y("statement:N", sort=alt.EncodingSortField("order")),
        detail="answer:N", order=alt.Order("stack:Q"), text="n:Q")
    return style(alt.layer(chart, text).properties(height=len(room.myths) * 70 + 30))

