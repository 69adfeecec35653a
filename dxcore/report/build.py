"""The report's content, computed from an organisation's data for one period (pure).

Every number comes from the functions the rest of the app uses: KPIs per month from
:func:`dxcore.kpi.monthly` over all stored values, filtered to the period (exactly what
``python -m dxcore kpis --from --to`` prints); 年度 values from :func:`dxcore.kpi.yearly`
over the values up to the period's end (so a period that ends mid-年度 reports the 年度
so far); diagnoses scored by :func:`dxcore.history.entries` (what ``history`` prints);
advice by :func:`dxcore.advice.advise`; the plan by :mod:`dxcore.plan`; workshop rooms by
:func:`dxcore.workshop.aggregate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from dxcore import kpi
from dxcore.advice import advise
from dxcore.content import Content
from dxcore.errors import DxError
from dxcore.history import Entry
from dxcore.i18n import catalogue as messages
from dxcore.i18n import join_list, pick, t
from dxcore.kpi import Catalogue, KpiDef, Settings
from dxcore.periods import fiscal_year, to_local
from dxcore.plan import Plan, format_date, shorten
from dxcore.report.model import SECTIONS, Card, Chart, Page, Period, Report, Section, Series, Table, Valued, kpi_format
from dxcore.report.model import months as months_between
from dxcore.workshop import MYTHS, Room

MAX_SENTENCES = 5
MAX_WORKSHOPS = 6
SIZE_FREE_RULES = ("ratio", "weighted", "reduction", "mean")  # comparable across departments of any size
GAP_CHARS = {"ja": 40, "en": 80}


@dataclass(frozen=True, eq=False)
class WorkshopInfo:
    code: str
    title: str
    on: date
    question_set: str
    joined: int
    answered: int
    closed: bool
    read_room: Callable[[], Room] = field(repr=False)  # read only for the workshops a report shows

    @cached_property
    def room(self) -> Room:
        return self.read_room()


@dataclass(frozen=True)
class Inputs:
    """Everything a report reads about one organisation (see :mod:`dxcore.report.gather`)."""

    org: str
    diagnoses: tuple[Entry, ...]  # oldest first
    values: pd.DataFrame  # every stored KPI value (kpi.VALUE_COLUMNS)
    catalogue: Catalogue
    settings: Settings
    targets: Mapping[tuple[str, int], float]
    plan: Plan
    marks: tuple[tuple[date, str], ...]  # KPI chart annotations: completed items and milestones
    uploads: tuple[tuple[str, date], ...]  # active KPI uploads: (file name, day)
    workshops: tuple[WorkshopInfo, ...]  # newest first
    content: Content
    today: date


def diagnosis_day(e: Entry) -> date:
    return to_local(e.record.taken_at).date()


def data_days(inputs: Inputs) -> list[date]:
    days = [diagnosis_day(e) for e in inputs.diagnoses] + [d for d, _ in inputs.marks]
    days += [w.on for w in inputs.workshops] + [i.completed_on for i in inputs.plan.items if i.completed_on]
    if not inputs.values.empty:
        days += [inputs.values["month"].min().date(), inputs.values["month"].max().date()]
    return days


def choices(inputs: Inputs) -> tuple[list[int], list[date]]:
    """(年度, months) a report can be asked for: from the oldest data to the newest, newest
    first (this 年度 alone without any data)."""
    days = data_days(inputs) or [inputs.today]
    first, last = kpi.month_start(min(days)), kpi.month_start(max(days))
    return list(range(fiscal_year(last), fiscal_year(first) - 1, -1)), months_between(first, last)[::-1]


def default_period(inputs: Inputs) -> Period:
    """The 年度 of the newest data (this 年度 when there is none)."""
    days = data_days(inputs)
    return Period.fiscal(fiscal_year(max(days) if days else inputs.today))


def has_data(inputs: Inputs, period: Period) -> bool:
    months = inputs.values["month"] if not inputs.values.empty else pd.Series(dtype="datetime64[ns]")
    return bool(((months >= pd.Timestamp(period.start)) & (months <= pd.Timestamp(period.end))).any()
                or any(period.holds(diagnosis_day(e)) for e in inputs.diagnoses)
                or any(period.holds(d) for d, _ in inputs.marks)
                or any(period.holds(w.on) for w in inputs.workshops))


def build(inputs: Inputs, period: Period, sections: Sequence[str] = SECTIONS, lang: str = "ja",
          wareki: bool = False) -> Report:
    """The report; a DxError when the period holds no data at all."""
    label = period.label(lang, wareki)
    if not has_data(inputs, period):
        raise DxError("report.error.empty_period", period=label, org=inputs.org)
    f = Facts(inputs, period, lang, wareki)
    makers = {"cover": f.cover, "summary": f.summary_section, "health": f.health, "causes": f.causes,
              "risks": f.risks, "plan": f.plan_section, "kpi_cards": f.kpi_cards, "kpi_trends": f.kpi_trends,
              "departments": f.departments, "workshops": f.workshops, "definitions": f.definitions}
    return Report(inputs.org, period, label, inputs.today, lang, f.sentences, tuple(
        makers[s]() for s in SECTIONS if s in sections))


def summary(inputs: Inputs, period: Period, lang: str = "ja", wareki: bool = False) -> tuple[str, ...]:
    """The summary sentences alone (the screen's preview)."""
    if not has_data(inputs, period):
        return ()
    return Facts(inputs, period, lang, wareki).sentences


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


class Facts:
    """The period's numbers, each computed once, and the sections made from them."""

    def __init__(self, inputs: Inputs, period: Period, lang: str, wareki: bool):
        self.i, self.p, self.lang, self.wareki = inputs, period, lang, wareki
        self.c = inputs.content

    def tr(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def section(self, sid: str, pages: Sequence[Page] = (), empty: str | None = None) -> Section:
        return Section(sid, self.tr(f"report.section.{sid}"), tuple(pages), None if pages else (empty or ""))

    # names --------------------------------------------------------------------------------
    def day(self, d: date | None) -> str:
        return format_date(d, self.lang)

    def month(self, d) -> str:
        return kpi.month_label(d, self.lang, self.wareki)

    def fy(self, fy: int) -> str:
        return kpi.fy_label(fy, self.lang, self.wareki)

    def role(self, role_id: str) -> str:
        r = self.c.role_index.get(role_id)
        return pick(r.name, self.lang) if r else role_id

    def pattern(self, pid: str) -> str:
        return f"{pid} {pick(self.c.pattern_index[pid].title, self.lang)}"

    def step(self, sid: str) -> str:
        return f"{sid} {pick(self.c.step_index[sid].title, self.lang)}"

    def kname(self, k: KpiDef) -> str:
        return pick(k.name, self.lang)

    def value(self, v: float | None, k: KpiDef) -> str:
        return kpi.format_value(v, k.unit, self.lang)

    def band(self, b: str | None) -> str:
        return t(f"band.{b or 'none'}", self.lang)

    def diagnosis(self, e: Entry) -> str:
        return self.tr("report.health.diagnosis", date=self.day(diagnosis_day(e)), role=self.role(e.record.role),
                       qset=t(f"qset.{e.record.question_set}_short", self.lang))

    # diagnoses ---------------------------------------------------------------------------------
    @cached_property
    def history(self) -> list[Entry]:
        """Diagnoses up to the period's end (the trend needs what came before)."""
        return [e for e in self.i.diagnoses if diagnosis_day(e) <= self.p.last_day]

    @cached_property
    def latest(self) -> Entry | None:
        return self.history[-1] if self.history else None

    @cached_property
    def previous(self) -> Entry | None:
        return self.history[-2] if len(self.history) > 1 else None

    @cached_property
    def advice(self):
        return advise(self.latest.result, self.c) if self.latest else None

    def no_diagnosis(self) -> str:
        return self.tr("report.empty.diagnosis", end=self.day(self.p.last_day))

    def before_period_note(self) -> str:
        if self.latest and not self.p.holds(diagnosis_day(self.latest)):
            return self.tr("report.health.before_period", date=self.day(diagnosis_day(self.latest)))
        return ""

    # KPIs -------------------------------------------------------------------------------------
    @cached_property
    def monthly(self) -> pd.DataFrame:
        """KPIs per month in the period, computed over every stored value (as the CLI does)."""
        m = kpi.monthly(self.i.values, self.i.catalogue, self.i.settings)
        return m[(m["month"] >= pd.Timestamp(self.p.start)) & (m["month"] <= pd.Timestamp(self.p.end))]

    @cached_property
    def values_upto_end(self) -> pd.DataFrame:
        v = self.i.values
        return v if v.empty else v[v["month"] <= pd.Timestamp(self.p.end)]

    @cached_property
    def values_in_period(self) -> pd.DataFrame:
        v = self.values_upto_end
        return v if v.empty else v[v["month"] >= pd.Timestamp(self.p.start)]

    @cached_property
    def yearly(self) -> pd.DataFrame:
        return kpi.yearly(self.values_upto_end, self.i.catalogue, self.i.settings)

    @cached_property
    def kpis(self) -> list[KpiDef]:
        """The KPIs this report shows: the catalogue's headline ones (and the organisation's
        own) that have data in the period; any KPI with data when none of those has."""
        have = set(self.monthly["kpi"])
        headline = [k for k in self.i.catalogue.headline if k.id in have]
        return headline or [k for k in self.i.catalogue.kpis if k.id in have]

    @cached_property
    def card_year(self) -> int | None:
        """The 年度 the cards report: the last one of the period that has KPI data."""
        if self.monthly.empty:
            return None
        return fiscal_year(self.monthly["month"].max().date())

    def year_value(self, kid: str, fy: int) -> tuple[float | None, int]:
        row = self.yearly[(self.yearly["kpi"] == kid) & (self.yearly["fiscal_year"] == fy)]
        return (None, 0) if row.empty else (float(row["value"].iloc[0]), int(row["months"].iloc[0]))

    def year_label(self, fy: int, n: int) -> str:
        return self.fy(fy) if n >= 12 else self.tr("report.kpi.year_so_far", year=self.fy(fy), months=n)

    def delta_text(self, delta: float | None, k: KpiDef) -> str | None:
        return kpi.format_delta(delta, k.unit, self.lang)

    @cached_property
    def card_rows(self) -> list[dict]:
        fy = self.card_year
        if fy is None:
            return []
        rows = []
        for k in self.kpis:
            value, n = self.year_value(k.id, fy)
            if value is None:
                continue
            before, _ = self.year_value(k.id, fy - 1)
            target = self.i.targets.get((k.id, fy))
            att = kpi.attainment(value, target, k.direction)
            s = self.monthly[self.monthly["kpi"] == k.id]
            rows.append({"k": k, "fy": fy, "value": value, "months": n, "before": before,
                         "delta": None if before is None else value - before, "target": target, "att": att,
                         "last_month": s["month"].max().date(), "last_value": float(s["value"].iloc[-1])})
        return rows

    # plan ----------------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        return self.i.plan

    @cached_property
    def completed(self):
        return sorted((i for i in self.plan.items if i.status == "done" and i.completed_on
                       and self.p.holds(i.completed_on)), key=lambda i: (i.completed_on, i.id))

    @cached_property
    def overdue(self):
        return self.plan.overdue(self.i.today)

    @cached_property
    def workshops_in_period(self) -> list[WorkshopInfo]:
        return [w for w in self.i.workshops if self.p.holds(w.on)]

    # summary sentences -----------------------------------------------------------------------
    @cached_property
    def sentences(self) -> tuple[str, ...]:
        picked: list[tuple[int, str]] = []  # (order in the text, sentence), in order of importance
        if self.latest and self.latest.result.overall is not None:
            e, prev = self.latest, self.previous
            if prev and prev.result.overall is not None:
                s = self.tr("report.sentence.health_delta", date=self.day(diagnosis_day(e)), role=self.role(e.record.role),
                            overall=f"{e.result.overall:.1f}", before=self.day(diagnosis_day(prev)),
                            delta=f"{e.result.overall - prev.result.overall:+.1f}")
            else:
                s = self.tr("report.sentence.health", date=self.day(diagnosis_day(e)), role=self.role(e.record.role),
                            overall=f"{e.result.overall:.1f}")
            picked.append((0, s))
        with_delta = [r for r in self.card_rows if r["delta"] is not None]
        with_delta.sort(key=lambda r: r["k"].unit != "ratio")  # points are easiest to check; stable otherwise
        kpi_sentences = [(1 + n, self.tr("report.sentence.kpi", name=self.kname(r["k"]),
                                         year=self.year_label(r["fy"], r["months"]), value=self.value(r["value"], r["k"]),
                                         delta=self.delta_text(r["delta"], r["k"])))
                         for n, r in enumerate(with_delta[:2])]
        picked += kpi_sentences[:1]
        targeted = [r for r in self.card_rows if r["att"] is not None]
        if targeted:
            picked.append((4, self.tr("report.sentence.targets", year=self.fy(targeted[0]["fy"]), n=len(targeted),
                                      met=sum(r["att"] >= 1 for r in targeted))))
        progress = self.plan.progress
        if progress.done or progress.doing:
            picked.append((5, self.tr("report.sentence.plan", total=progress.total, done=progress.done,
                                      pct=f"{progress.ratio * 100:.0f}", period_done=len(self.completed),
                                      overdue=len(self.overdue), today=self.day(self.i.today))))
        shops = self.workshops_in_period
        if shops:
            s = self.tr("report.sentence.workshops", n=len(shops), people=sum(w.answered for w in shops))
            gap = next((w for w in shops if w.room.gaps), None)
            if gap is not None:
                g = gap.room.gaps[0]
                s += self.tr("report.sentence.gap", title=gap.title, statement=self.statement(g.question_id),
                             executive=f"{g.executive:.1f}", frontline=f"{g.frontline:.1f}")
            picked.append((6, s))
        picked += kpi_sentences[1:]
        chosen = picked[:MAX_SENTENCES]
        return tuple(s for _, s in sorted(chosen, key=lambda x: x[0]))

    def statement(self, qid: str) -> str:
        q = self.c.question_index.get(qid)
        text = pick(q.text, self.lang) if q else qid
        return shorten(text, GAP_CHARS.get(self.lang, 60))

    # sections ------------------------------------------------------------------------------------
    def cover(self) -> Section:
        return self.section("cover", [Page(self.i.org, bullets=(
            self.tr("report.cover.subtitle"), self.p.label(self.lang, self.wareki),
            self.tr("report.cover.created", date=self.day(self.i.today))))])

    def summary_section(self) -> Section:
        if not self.sentences:
            return self.section("summary", empty=self.tr("report.empty.summary"))
        return self.section("summary", [Page(self.tr("report.summary.message", period=self.p.label(self.lang, self.wareki)),
                                             bullets=self.sentences, note=self.tr("report.summary.note"))])

    def health(self) -> Section:
        if not self.latest:
            return self.section("health", empty=self.no_diagnosis())
        scored = [e for e in self.history if e.result.overall is not None]
        e, prev = self.latest, self.previous
        pages = []
        if scored:
            overall = e.result.overall
            if prev and prev.result.overall is not None and overall is not None:
                msg = self.tr("report.health.trend_delta", overall=f"{overall:.1f}",
                              delta=f"{overall - prev.result.overall:+.1f}")
            else:
                msg = self.tr("report.health.trend", overall="—" if overall is None else f"{overall:.1f}")
            chart = Chart("line", self.tr("report.health.overall"),
                          tuple(f"{self.day(diagnosis_day(x))}\n{self.role(x.record.role)}" for x in scored),
                          (Series(self.tr("report.health.overall"), tuple(x.result.overall for x in scored)),),
                          "0.0", 0, 100)
            pages.append(Page(msg, chart, note=" ".join(filter(None, (self.tr("report.health.trend_note"),
                                                                     self.before_period_note())))))
        names = tuple(self.pattern(p.id) for p in self.c.patterns)
        series = [Series(self.tr("report.health.this_time", date=self.day(diagnosis_day(e))),
                         tuple(e.result.pattern(p.id).risk for p in self.c.patterns))]
        if prev:
            series.insert(0, Series(self.tr("report.health.last_time", date=self.day(diagnosis_day(prev))),
                                    tuple(prev.result.pattern(p.id).risk for p in self.c.patterns), "previous"))
        pages.append(Page(self.tr("report.health.radar", diagnosis=self.diagnosis(e)),
                          Chart("radar", self.tr("report.health.risk"), names, tuple(series), "0", 0, 100),
                          note=self.tr("report.health.risk_note")))
        rows = []
        for p in self.c.patterns:
            after = e.result.pattern(p.id)
            before = prev.result.pattern(p.id).risk if prev else None
            delta = None if before is None or after.risk is None else round(after.risk - before, 1)
            rows.append((self.pattern(p.id), before, after.risk, delta, self.band(after.band)))
        changed = [r for r in rows if r[3] is not None]
        if changed and max(r[3] for r in changed) <= 0 < -min(r[3] for r in changed):
            best = min(changed, key=lambda r: r[3])
            msg = self.tr("report.health.bars_better", best=best[0], best_delta=f"{best[3]:+.1f}")
        elif changed:
            best, worst = min(changed, key=lambda r: r[3]), max(changed, key=lambda r: r[3])
            msg = self.tr("report.health.bars_delta", best=best[0], best_delta=f"{best[3]:+.1f}", worst=worst[0],
                          worst_delta=f"{worst[3]:+.1f}")
        else:
            top = max((r for r in rows if r[2] is not None), key=lambda r: r[2], default=None)
            msg = self.tr("report.health.bars", top=top[0] if top else "—", risk="—" if not top else f"{top[2]:.0f}")
        table = Table((self.tr("report.col.pattern"), self.tr("report.col.before"), self.tr("report.col.after"), self.tr("report.col.delta"),
                       self.tr("report.col.band")), tuple(rows), (None, "0.0", "0.0", "+0.0;-0.0;0.0", None), (4, 1, 1, 1, 1))
        pages.append(Page(msg, Chart("bar", self.tr("report.health.risk"), names, tuple(series), "0", 0, 100), table,
                          note=self.tr("report.health.risk_note"), table_on_slide=False))
        return self.section("health", pages)

    def causes(self) -> Section:
        if not self.latest:
            return self.section("causes", empty=self.no_diagnosis())
        e, prev = self.latest, self.previous
        scored = [c for c in e.result.causes if c.risk is not None]
        if not scored:
            return self.section("causes", empty=self.tr("report.empty.causes"))
        ids = [c.id for c in self.c.causes]
        names = tuple(pick(self.c.cause_index[c].name, self.lang) for c in ids)
        now = {c.id: c.risk for c in e.result.causes}
        series = [Series(self.tr("report.health.this_time", date=self.day(diagnosis_day(e))), tuple(now[c] for c in ids))]
        before = {c.id: c.risk for c in prev.result.causes} if prev else {}
        if prev:
            series.insert(0, Series(self.tr("report.health.last_time", date=self.day(diagnosis_day(prev))),
                                    tuple(before.get(c) for c in ids), "previous"))
        top = max(scored, key=lambda c: c.risk)
        top_name = pick(self.c.cause_index[top.id].name, self.lang)
        if before.get(top.id) is not None:
            msg = self.tr("report.causes.message_delta", cause=top_name, risk=f"{top.risk:.0f}",
                          before=f"{before[top.id]:.0f}")
        else:
            msg = self.tr("report.causes.message", cause=top_name, risk=f"{top.risk:.0f}")
        bullets = tuple(f"{pick(c.name, self.lang)}: {pick(c.summary, self.lang)}" for c in self.c.causes)
        return self.section("causes", [Page(msg, Chart("column", self.tr("report.health.risk"), names, tuple(series),
                                                       "0", 0, 100), bullets=bullets,
                                            note=self.diagnosis(e) + " " + self.before_period_note())])

    def risks(self) -> Section:
        if not self.latest:
            return self.section("risks", empty=self.no_diagnosis())
        if not self.advice.items:
            return self.section("risks", empty=self.tr("report.empty.risks", diagnosis=self.diagnosis(self.latest)))
        pages = []
        for item in self.advice.items:
            rows = []
            for sid in item.steps:
                step = self.plan.step(sid)
                done_here = [i for i in self.completed if i.step == sid]
                rows.append((self.step(sid), step.progress.done, step.progress.doing, step.progress.total,
                             join_list((f"{shorten(i.label(self.lang), 30)}({self.day(i.completed_on)})"
                                       for i in done_here), self.lang) or self.tr("report.risks.none_in_period")))
            done = sum(r[1] for r in rows)
            total = sum(r[3] for r in rows)
            pattern = self.c.pattern_index[item.pattern]
            pages.append(Page(
                self.tr("report.risks.message", rank=item.rank, pattern=self.pattern(item.pattern), risk=f"{item.risk:.0f}",
                        band=self.band(item.band), done=done, total=total),
                table=Table((self.tr("report.col.step"), self.tr("report.col.done"), self.tr("report.col.doing"), self.tr("report.col.items"),
                             self.tr("report.col.done_in_period")), tuple(rows), (None, "#,##0", "#,##0", "#,##0", None),
                            (3, 1, 1, 1, 5)),
                bullets=(self.tr("report.risks.hint", hint=pick(pattern.hint, self.lang)),),
                note=self.tr("report.risks.note", diagnosis=self.diagnosis(self.latest), today=self.day(self.i.today))))
        return self.section("risks", pages)

    def plan_section(self) -> Section:
        progress = self.plan.progress
        if not (progress.done or progress.doing):
            return self.section("plan", empty=self.tr("report.empty.plan"))
        steps = self.plan.steps
        chart = Chart("stacked_bar", self.tr("report.plan.items"), tuple(self.step(s.id) for s in steps), (
            Series(t("plan.status.done", self.lang), tuple(float(s.progress.done) for s in steps)),
            Series(t("plan.status.doing", self.lang), tuple(float(s.progress.doing) for s in steps)),
            Series(t("plan.status.todo", self.lang), tuple(float(s.progress.todo) for s in steps), "previous")),
            "0")
        pages = [Page(self.tr("report.plan.message", done=progress.done, total=progress.total,
                              pct=f"{progress.ratio * 100:.0f}", doing=progress.doing), chart,
                      note=self.tr("report.plan.note", today=self.day(self.i.today)))]
        cols = (self.tr("report.col.date"), self.tr("report.col.step"), self.tr("report.col.item"), self.tr("report.col.owner"))
        if self.completed:
            pages.append(Page(self.tr("report.plan.completed", n=len(self.completed)), table=Table(cols, tuple(
                (i.completed_on, i.step, i.label(self.lang), i.owner or "") for i in self.completed),
                widths=(1.2, 0.6, 5, 1.8))))
        else:
            pages.append(Page(self.tr("report.plan.completed_none"), bullets=(self.tr("report.plan.completed_none_note"),)))
        if self.overdue:
            due_cols = (self.tr("report.col.due"), self.tr("report.col.step"), self.tr("report.col.item"), self.tr("report.col.owner"),
                        self.tr("report.col.status"), self.tr("report.col.days_late"))
            pages.append(Page(self.tr("report.plan.overdue", n=len(self.overdue), today=self.day(self.i.today)),
                              table=Table(due_cols, tuple(
                                  (i.due, i.step, i.label(self.lang), i.owner or "",
                                   t(f"plan.status.{i.status}", self.lang), (self.i.today - i.due).days)
                                  for i in self.overdue), (None, None, None, None, None, "#,##0"),
                                  (1.2, 0.6, 4.2, 1.8, 1, 0.8))))
        else:
            pages.append(Page(self.tr("report.plan.overdue_none", today=self.day(self.i.today))))
        return self.section("plan", pages)

    def no_kpi(self) -> str:
        return self.tr("report.empty.kpi", period=self.p.label(self.lang, self.wareki))

    def kpi_cards(self) -> Section:
        rows = self.card_rows
        if not rows:
            return self.section("kpi_cards", empty=self.no_kpi())
        cards = []
        for r in rows:
            k = r["k"]
            lines = [self.year_label(r["fy"], r["months"])]
            if k.year == "mean":
                lines[0] = self.tr("report.cards.monthly_mean", year=lines[0])
            if r["target"] is not None:
                lines.append(self.tr("report.cards.target", target=self.value(r["target"], k),
                                     pct="—" if r["att"] is None else f"{r['att'] * 100:.0f}"))
            else:
                lines.append(self.tr("report.cards.no_target"))
            lines.append(self.tr("report.cards.vs_last_year", delta=self.delta_text(r["delta"], k))
                         if r["delta"] is not None else self.tr("report.cards.no_last_year"))
            lines.append(self.tr("report.cards.latest", month=self.month(r["last_month"]),
                                 value=self.value(r["last_value"], k)))
            state = "none" if r["att"] is None else ("met" if r["att"] >= 1 else "missed")
            cards.append(Card(k.id, self.kname(k), r["value"], kpi_format(k.unit), self.value(r["value"], k),
                              tuple(lines), state))
        targeted = [r for r in rows if r["att"] is not None]
        fy = rows[0]["fy"]
        msg = (self.tr("report.cards.message", year=self.fy(fy), met=sum(r["att"] >= 1 for r in targeted), n=len(targeted))
               if targeted else self.tr("report.cards.message_no_targets", year=self.fy(fy), n=len(rows)))
        table = Table(tuple(self.tr(f"report.col.{c}") for c in ("kpi", "year", "months", "value", "target", "attainment",
                                                            "last_year", "yoy", "latest_month", "latest_value")),
                      tuple((self.kname(r["k"]), self.fy(r["fy"]), r["months"], r["value"], r["target"], r["att"],
                             r["before"], r["delta"], self.month(r["last_month"]), r["last_value"]) for r in rows),
                      (None, None, "#,##0", None, None, "0%", None, None, None, None))
        table = _kpi_columns(table, [r["k"] for r in rows], (3, 4, 6, 7, 9))
        atts = [r for r in rows if r["att"] is not None]
        chart = None
        if atts:
            chart = Chart("bar", self.tr("report.cards.attainment"), tuple(self.kname(r["k"]) for r in atts),
                          (Series(self.tr("report.cards.attainment"), tuple(r["att"] for r in atts)),), "0%", 0)
        return self.section("kpi_cards", [Page(msg, chart, table, tuple(cards), note=self.tr("report.cards.note"),
                                               table_on_slide=False)])

    def kpi_trends(self) -> Section:
        if not self.kpis:
            return self.section("kpi_trends", empty=self.no_kpi())
        months = self.p.months()
        cats = tuple(kpi.month_key(m) for m in months)
        in_period = sorted((on, label) for on, label in self.i.marks if self.p.holds(on))
        numbered = [(n, on, label) for n, (on, label) in enumerate(in_period, start=1)]
        at_month: dict[int, list[int]] = {}
        for n, on, _ in numbered:
            at_month.setdefault(months.index(kpi.month_start(on)), []).append(n)
        bullets = tuple(f"{mark_number(n)} {self.day(on)} {label}" for n, on, label in numbered)
        pages = []
        for k in self.kpis:
            s = self.monthly[self.monthly["kpi"] == k.id]
            by_month = {ts.date(): float(v) for ts, v in zip(s["month"], s["value"])}
            values = tuple(by_month.get(m) for m in months)
            series = [Series(self.kname(k), values)]
            targets = tuple(self.i.targets.get((k.id, fiscal_year(m))) for m in months)
            if any(v is not None for v in targets):
                series.append(Series(self.tr("report.trends.target"), targets, "target"))
            if at_month:
                at = tuple(values[i] if i in at_month else None for i in range(len(months)))
                labels = {i: "".join(mark_number(n) for n in ns) for i, ns in at_month.items() if values[i] is not None}
                series.append(Series(self.tr("report.trends.marks"), at, "marker", labels))
            first, last = min(by_month), max(by_month)
            msg = self.tr("report.trends.message", name=self.kname(k), first=self.month(first),
                          first_value=self.value(by_month[first], k), last=self.month(last),
                          last_value=self.value(by_month[last], k))
            pages.append(Page(msg, Chart("line", self.kname(k), cats, tuple(series), kpi_format(k.unit),
                                         category_title=self.tr("report.col.month")),
                              bullets=bullets, note=self.tr("report.trends.note", formula=pick(k.formula, self.lang))))
        return self.section("kpi_trends", pages)

    def departments(self) -> Section:
        fy = self.card_year
        if fy is None:
            return self.section("departments", empty=self.no_kpi())
        values = self.values_upto_end
        if values["department"].nunique() < 2:
            return self.section("departments", empty=self.tr("report.empty.departments"))
        compared = [k for k in self.kpis if k.rule in SIZE_FREE_RULES]
        # each department on its own rows, as kpi.by_department does, all compared KPIs in one pass
        years = pd.concat([kpi.yearly(part, self.i.catalogue, self.i.settings, kpis=[k.id for k in compared])
                           .assign(department=dept) for dept, part in values.groupby("department", sort=True)],
                          ignore_index=True)
        pages = []
        for k in compared:
            per_year = years[years["kpi"] == k.id]
            now = per_year[per_year["fiscal_year"] == fy].set_index("department")["value"]
            if len(now) < 2:
                continue
            before = per_year[per_year["fiscal_year"] == fy - 1].set_index("department")["value"]
            order = now.sort_values(ascending=k.direction == "lower", kind="stable").index.tolist()
            series = [Series(self.fy(fy), tuple(float(now[d]) for d in order))]
            if len(before):
                series.insert(0, Series(self.fy(fy - 1), tuple(_num(before.get(d)) for d in order), "previous"))
            hi, lo = now.idxmax(), now.idxmin()
            msg = self.tr("report.departments.message", name=self.kname(k), year=self.fy(fy), high=hi,
                          high_value=self.value(now[hi], k), low=lo, low_value=self.value(now[lo], k))
            table = Table((self.tr("report.col.department"), self.fy(fy - 1), self.fy(fy), self.tr("report.col.delta")), tuple(
                (d, _num(before.get(d)), float(now[d]),
                 None if _num(before.get(d)) is None else float(now[d]) - float(before[d])) for d in order))
            table = _kpi_columns(table, [k] * len(order), (1, 2, 3))
            pages.append(Page(msg, Chart("bar", self.kname(k), tuple(order), tuple(series), kpi_format(k.unit)),
                              table, note=self.tr("report.departments.note", direction=_direction(k, self.lang)),
                              table_on_slide=False))
        if not pages:
            return self.section("departments", empty=self.tr("report.empty.departments"))
        return self.section("departments", pages)

    def workshops(self) -> Section:
        shops = self.workshops_in_period
        if not shops:
            return self.section("workshops", empty=self.tr("report.empty.workshops",
                                                           period=self.p.label(self.lang, self.wareki)))
        rows = []
        for w in shops:
            gap = w.room.gaps[0] if w.room.gaps else None
            rows.append((w.on, w.title, self.qset(w.question_set), w.answered,
                         w.room.result.overall if w.room.result else None,
                         self.statement(gap.question_id) if gap else "", gap.difference if gap else None))
        overview = Page(self.tr("report.workshops.message", n=len(shops), people=sum(w.answered for w in shops)),
                        table=Table(tuple(self.tr(f"report.col.{c}") for c in ("date", "title", "set", "answered",
                                                                         "overall", "top_gap", "gap")),
                                    tuple(rows), (None, None, None, "#,##0", "0.0", None, "+0.00;-0.00;0.00"),
                                    (1.2, 2.5, 1.3, 0.8, 0.9, 4, 0.8)),
                        note=self.tr("report.workshops.note"))
        return self.section("workshops", [overview] + [p for w in shops[:MAX_WORKSHOPS] for p in self.workshop_pages(w)])

    def qset(self, question_set: str) -> str:
        key = f"qset.{question_set}_short"
        return t(key, self.lang) if key in messages() else self.tr(f"report.workshops.set_{question_set}")

    def workshop_pages(self, w: WorkshopInfo) -> list[Page]:
        room = w.room
        head = self.tr("report.workshops.one", title=w.title, date=self.day(w.on), n=w.answered,
                       status=self.tr("report.workshops.closed" if w.closed else "report.workshops.open"))
        if w.question_set == MYTHS:
            myths = {m.id: m for m in self.c.myths}
            rows = tuple((shorten(pick(myths[m.id].statement, self.lang), 60) if m.id in myths else m.id,
                          m.responses, None if m.correct_rate is None else m.correct_rate / 100) for m in room.myths)
            return [Page(head, table=Table((self.tr("report.col.myth"), self.tr("report.col.answered"),
                                            self.tr("report.col.correct")), rows, (None, "#,##0", "0%"), (5, 1, 1)))]
        if room.result is None:
            return [Page(head, bullets=(self.tr("report.workshops.no_answers"),))]
        groups = [(self.tr("report.workshops.room"), room.result)] + [
            (t(f"workshop.group.{g.id}", self.lang), g.result) for g in room.groups[:2] if g.shown and g.result]
        chart = Chart("bar", self.tr("report.health.risk"), tuple(self.pattern(p.id) for p in self.c.patterns), tuple(
            Series(name, tuple(r.pattern(p.id).risk for p in self.c.patterns)) for name, r in groups), "0", 0, 100)
        risks = Page(self.tr("report.workshops.risks", title=w.title), chart, note=head)
        if not room.gaps:
            return [risks, Page(head, bullets=(self.tr("report.workshops.no_gap", n=room.min_group),))]
        g = room.gaps[0]
        table = Table((self.tr("report.col.statement"), t("workshop.group.executive", self.lang),
                       t("workshop.group.frontline", self.lang), self.tr("report.col.gap")),
                      tuple((self.statement(x.question_id), x.executive, x.frontline, x.difference)
                            for x in room.gaps), (None, "0.00", "0.00", "+0.00;-0.00;0.00"), (6, 1, 1, 1.2))
        gap = Page(self.tr("report.workshops.gap_message", title=w.title, statement=self.statement(g.question_id),
                           executive=f"{g.executive:.1f}", frontline=f"{g.frontline:.1f}"), table=table,
                   note=f"{head} {self.tr('report.workshops.gap_note')}")
        return [gap, risks]

    def definitions(self) -> Section:
        if not self.kpis:
            return self.section("definitions", empty=self.no_kpi())
        cat = self.i.catalogue
        v = self.values_in_period
        rows = []
        for k in self.kpis:
            inputs = [m for m in k.inputs if m in cat.measure_index]
            used = _rows_with(v, inputs)
            rows.append((self.kname(k), pick(k.formula, self.lang), kpi.unit_label(k.unit, self.lang),
                         _direction(k, self.lang), "・".join(cat.measure_index[m].header for m in inputs),
                         self.tr(f"report.definitions.year_{k.year}") if f"report.definitions.year_{k.year}" in messages()
                         else k.year, used["rows"], used["months"], used["departments"]))
        sources = join_list((f"「{name}」({self.day(on)})" for name, on in self.i.uploads), self.lang) or "—"
        header = tuple(self.tr(f"report.col.{c}") for c in ("kpi", "formula", "unit", "direction", "inputs", "year_rule",
                                                       "rows", "months", "departments"))
        pages = [Page(self.tr("report.definitions.message", n=len(rows)),
                      table=Table(header, tuple(rows), (None,) * 6 + ("#,##0",) * 3, (1.6, 4, 0.9, 1.2, 2, 1.8,
                                                                                      0.7, 0.6, 0.6)),
                      note=self.tr("report.definitions.note", sources=sources,
                                   period=self.p.label(self.lang, self.wareki)))]
        measures = sorted({m for k in self.kpis for m in k.inputs if m in cat.measure_index},
                          key=[m.id for m in cat.measures].index)
        raw = v[v["measure"].isin(measures)].sort_values(["month", "department", "process", "measure"]) \
            if not v.empty else v
        names = {m: cat.measure_index[m].header for m in measures}
        pages.append(Page(self.tr("report.definitions.raw", n=len(raw)), table=Table(
            tuple(self.tr(f"report.col.{c}") for c in ("month", "department", "process", "measure", "value")),
            tuple((kpi.month_key(m), d, p or "", names[ms], float(x))
                  for m, d, p, ms, x in zip(raw["month"], raw["department"], raw["process"], raw["measure"],
                                            raw["value"]))), on_slide=False))
        return self.section("definitions", pages)


def mark_number(n: int) -> str:
    """①, ②, … ⑳, then (21): how an event is marked on a KPI chart and in its list."""
    return chr(0x245F + n) if 1 <= n <= 20 else f"({n})"


def _rows_with(values: pd.DataFrame, measures: Sequence[str]) -> dict[str, int]:
    """How many rows (month × department × process) had every input, in how many months
    and departments."""
    if values.empty or not measures:
        return {"rows": 0, "months": 0, "departments": 0}
    part = values[values["measure"].isin(measures)].dropna(subset=["value"])
    per_row = part.groupby(["month", "department", "process"], dropna=False)["measure"].nunique()
    full = per_row[per_row == len(set(measures))].reset_index()
    return {"rows": len(full), "months": full["month"].nunique(), "departments": full["department"].nunique()}


def _direction(k: KpiDef, lang: str) -> str:
    key = f"kpi.direction.{k.direction}"
    return t(key, lang) if key in messages() else k.direction


def _kpi_columns(table: Table, kpis: Sequence[KpiDef], columns: Sequence[int]) -> Table:
    """Rows of different KPIs share columns: give each row its KPI's format (the table keeps
    one format per column, so a row's values carry theirs as :class:`Valued`)."""
    rows = []
    for row, k in zip(table.rows, kpis):
        fmt = kpi_format(k.unit)
        rows.append(tuple(Valued(x, fmt) if i in columns and isinstance(x, (int, float)) else x
                          for i, x in enumerate(row)))
    return Table(table.header, tuple(rows), table.formats, table.widths)

