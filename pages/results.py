"""診断結果: radar, bands, root causes, advice and the change since last time."""

import streamlit as st

from dxcore import charts, history
from dxcore.advice import advise
from dxcore.periods import format_datetime
from dxcore.store import repo
from ui.common import content, engine, lang, org_page, role_name, tr, tx
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
chosen = st.selectbox(
    tr("results.choose"), newest_first, index=newest_first.index(wanted) if wanted in by_id else 0,
    format_func=lambda i: tr("results.option", date=format_datetime(by_id[i].record.taken_at, lang()),
                             role=role_name(by_id[i].record.role),
                             qset=tr(f"qset.{by_id[i].record.question_set}_short")),
)
st.session_state["results_id"] = chosen
entry = by_id[chosen]
result = entry.result
before = history.previous(past, chosen)

cols = st.columns(3)
delta = None
if before and result.overall is not None and before.result.overall is not None:
    delta = round(result.overall - before.result.overall, 1)
cols[0].metric(tr("results.overall"), "—" if result.overall is None else f"{result.overall:.0f}",
               delta=delta, border=True, help=tr("home.health_help"))
cols[1].metric(tr("history.col_mode"), tr(f"mode.{entry.record.mode}"), border=True)
cols[2].metric(tr("history.col_set"), tr(f"qset.{result.question_set}_short"), border=True)
st.caption(tr("results.answered", answered=result.answered, unknown=result.unknown))

left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader(tr("results.radar"))
    series = [(tr("results.this_time"), result)]
    if before:
        series.append((tr("results.previous"), before.result))
    st.altair_chart(charts.radar(series, lang(), c), key="radar")
with right:
    st.subheader(tr("results.causes"), help=tr("results.causes_help"))
    chart = charts.cause_bars(result, lang(), c)
    st.altair_chart(chart, width="stretch", height=charts.screen_height(chart, 60), key="causes")
st.subheader(tr("results.bars"))
chart = charts.pattern_bars(result, lang(), c)
st.altair_chart(chart, width="stretch", height=charts.screen_height(chart), key="bars")
for p in result.patterns:
    if p.confidence == "low":
        st.caption(f"{p.id}: {tr('confidence.none' if p.risk is None else 'confidence.low')}")

st.header(tr("results.advice"))
advice = advise(result, c)
if not advice.items:
    st.success(tr("results.all_low"))
for item in advice.items:
    pattern = c.pattern_index[item.pattern]
    with st.container(border=True, key=f"advice_{item.pattern}"):
        st.subheader(tr("results.advice_rank", rank=item.rank, title=f"{item.pattern} {tx(pattern.title)}",
                        risk=f"{item.risk:.0f}"))
        st.write(tx(pattern.summary))
        st.markdown(f"**{tr('results.hint')}**: {tx(pattern.hint)}")
        a, b = st.columns(2)
        a.markdown(f"**{tr('results.steps')}**\n\n" + "\n".join(
            f"- {s} {tx(c.step_index[s].title)}" for s in item.steps))
        b.markdown(f"**{tr('results.kpis')}**\n\n" + "\n".join(
            f"- {tx(c.kpi_index[k].name)}" for k in item.kpis))
if advice.steps:
    st.subheader(tr("results.start_with"))
    st.markdown("\n".join(f"{i}. **{s}** {tx(c.step_index[s].title)} — {tx(c.step_index[s].summary)}"
                          for i, s in enumerate(advice.steps, start=1)))
    st.page_link("pages/plan.py", label=tr("plan.open"))

st.header(tr("results.changes"))
diff = history.changes(past, chosen)
if diff is None:
    st.info(tr("results.no_previous"))
else:
    st.dataframe(
        [{tr("results.col_pattern"): f"{d.id} {tx(c.pattern_index[d.id].title)}",
          tr("results.col_before"): d.before, tr("results.col_after"): d.after,
          tr("results.col_delta"): d.delta} for d in diff],
        hide_index=True, key="changes",
    )
st.page_link("pages/diagnose.py", label=tr("results.diagnose_again"))
