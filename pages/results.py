"""診断結果: risk by pattern with what each level means, root causes, advice in the
article's order, and the change since the last diagnosis it can be compared with."""

import streamlit as st

from dxcore import charts, history, plan
from dxcore.advice import FOUNDATION, advise
from dxcore.scoring import rounded, shown_change
from dxcore.store import repo, repo_plan
from ui.common import content, engine, lang, listing, org_page, tr, tx, wkey
from ui.diagnosis_ui import entry_label, level_lines, shown, symptom_names, who_label
from ui.gate import through_app

through_app()

org = org_page("results.title")
c = content()

past = history.entries(repo.list_diagnoses(engine(), org.id))
if not past:
    st.info(tr("results.none"))
    st.page_link("pages/diagnose.py", label=tr("home.diagnose_now"))
    st.stop()

by_id = {e.record.id: e for e in past}
newest_first = [e.record.id for e in reversed(past)]
wanted = st.session_state.get("results_id")
labels = {i: entry_label(e, markdown=False) for i, e in by_id.items()}
chosen = st.selectbox(tr("results.choose"), newest_first, index=newest_first.index(wanted) if wanted in by_id else 0,
                      format_func=lambda i: labels.get(i, str(i)), key=wkey("results_choose"))
chosen = chosen if chosen in by_id else newest_first[0]
st.session_state["results_id"] = chosen
entry = by_id[chosen]
result = entry.result
before = history.previous(past, chosen)

cols = st.columns(4)
cols[0].metric(tr("results.overall"), shown(result.overall),
               delta=shown_change(before.result.overall, result.overall) if before else None,
               border=True, help=tr("home.health_help"))
cols[1].metric(tr("history.col_who"), who_label(entry, markdown=False), border=True)
cols[2].metric(tr("history.col_set"), tr(f"qset.{result.question_set}_short"), border=True)
cols[3].metric(tr("history.col_version"), tr("history.version_short", version=result.version), border=True)
st.caption(tr("results.answered", answered=result.answered, unknown=result.unknown))
if before:
    st.caption(tr("results.compared_with", label=entry_label(before)))
elif (why := history.not_compared(past, chosen)) is not None:
    reason, other = why
    st.caption(tr(f"results.not_compared_{reason}", label=entry_label(other)))

# risk by pattern, and what each level means --------------------------------------------
st.header(tr("results.patterns"))
left, right = st.columns([1, 1], gap="large")
with left:
    series = [(tr("results.this_time"), result)]
    if before:
        series.append((tr("results.previous"), before.result))
    st.altair_chart(charts.radar(series, lang(), c), key="radar")
with right, st.container(key="results_levels"):
    st.subheader(tr("results.levels"))
    for p in result.patterns:
        pattern = c.pattern_index[p.id]
        st.markdown(tr("results.level_head", pattern=f"{p.id} {tx(pattern.title)}", risk=shown(p.risk),
                       band=tr(f"band.{p.band or 'none'}")))
        if p.band:
            st.caption(tx(pattern.levels[p.band]))
    with st.expander(tr("results.levels_all")):
        for pattern in c.patterns:
            st.markdown(f"**{pattern.id} {tx(pattern.title)}**")
            level_lines(pattern, result.pattern(pattern.id).band)
chart = charts.pattern_bars(result, lang(), c)
st.altair_chart(chart, width="stretch", height=charts.screen_height(chart), key="bars")
for p in result.patterns:
    if p.confidence == "low":
        st.caption(f"{p.id}: {tr('confidence.none' if p.risk is None else 'confidence.low')}")

# root causes -----------------------------------------------------------------------------
st.header(tr("results.causes"), help=tr("results.causes_help"))
chart = charts.cause_bars(result, lang(), c)
st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 60), key="causes")
missing = [tx(c.cause_index[x.id].name) for x in result.causes if x.risk is None]
if missing:
    st.caption(tr("results.cause_missing", causes=listing(missing)))
with st.expander(tr("results.causes_defined")):
    for cause in c.causes:
        st.markdown(f"**{tx(cause.name)}** — {tx(cause.covers)}")

# advice ----------------------------------------------------------------------------------
st.header(tr("results.advice"))
finished = plan.finished_steps(repo_plan.list_items(engine(), org.id), c)
advice = advise(result, c, finished=finished)
if not advice.items:
    st.success(tr("results.all_low"))
for item in advice.items:
    pattern = c.pattern_index[item.pattern]
    with st.container(border=True, key=f"advice_{item.pattern}"):
        st.subheader(tr("results.advice_rank", rank=item.rank, title=f"{item.pattern} {tx(pattern.title)}",
                        risk=shown(item.risk)))
        st.write(tx(pattern.summary))
        if symptoms := symptom_names(item.pattern):
            st.caption(tr("results.symptoms", names=symptoms))
        st.markdown(f"**{tr('results.hint')}**: {tx(pattern.hint)}")
        a, b = st.columns(2)
        a.markdown(f"**{tr('results.steps')}**\n\n" + "\n".join(
            f"- {s} {tx(c.step_index[s].title)}" for s in item.steps))
        b.markdown(f"**{tr('results.kpis')}**\n\n" + "\n".join(
            f"- {tx(c.kpi_index[k].name)}" for k in item.kpis))
if advice.steps or advice.finished:
    st.subheader(tr("results.start_with"))
    st.markdown("\n".join(f"{i}. **{s}** {tx(c.step_index[s].title)} — {tx(c.step_index[s].summary)}"
                          for i, s in enumerate(advice.steps, start=1)))
    if any(s in FOUNDATION for s in advice.steps):
        st.caption(tr("results.foundation"))
    if advice.finished:
        st.caption(tr("results.finished_steps", steps=listing(
            f"{s} {tx(c.step_index[s].title)}" for s in advice.finished)))
    st.page_link("pages/plan.py", label=tr("plan.open"))

# change since the last comparable diagnosis ----------------------------------------------
st.header(tr("results.changes"))
diff = history.changes(past, chosen)
if diff is None:
    st.info(tr("results.no_previous"))
else:
    st.dataframe(
        [{tr("results.col_pattern"): f"{d.id} {tx(c.pattern_index[d.id].title)}",
          tr("results.col_before"): rounded(d.before), tr("results.col_after"): rounded(d.after),
          tr("results.col_delta"): shown_change(d.before, d.after)} for d in diff],
        hide_index=True, key="changes",
    )
st.page_link("pages/diagnose.py", label=tr("results.diagnose_again"))
