"""ホーム: where the municipality stands now, and the next thing to do."""

import streamlit as st

from dxcore import history
from dxcore.scoring import shown_change
from dxcore.store import repo, repo_plan
from ui.common import content, current_org, engine, flash, md, tr, tx
from ui.diagnosis_ui import entry_label, shown
from ui.gate import through_app
from ui.org_form import demo_button, register_form
from ui.plan_ui import overdue_panel

through_app()

st.title(tr("app.title"))
st.caption(tr("app.tagline"))
flash()

org = current_org()
if org is None:
    st.header(tr("welcome.title"))
    st.write(tr("welcome.body"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        register_form()
    with right:
        st.subheader(tr("welcome.or_demo"))
        st.write(tr("welcome.demo_explain"))
        demo_button()
    st.stop()

st.header(md(org.name))
past = history.entries(repo.list_diagnoses(engine(), org.id))
now = history.standing(past)
if now is None:
    st.info(tr("home.no_diagnosis"))
    st.page_link("pages/diagnose.py", label=tr("home.diagnose_now"))
else:
    latest, before = now.latest, now.previous
    c = content()
    current_plan = repo_plan.load_plan(engine(), org.id, c)  # the advice of the latest diagnosis, in plan order
    advice = current_plan.advice
    left, right, aside = st.columns([1, 2, 2], gap="large")
    with left:
        st.metric(tr("home.health"), shown(latest.result.overall),
                  delta=shown_change(before.result.overall, latest.result.overall) if before else None,
                  help=tr("home.health_help"), border=True)
        st.caption(tr("home.latest", label=entry_label(latest)))
        st.caption(tr("home.compared", label=entry_label(before)) if before else tr("home.not_compared"))
        st.caption(f"{tr('home.count')}: {len(past)}")
    with right:
        st.subheader(tr("home.top_risks"))
        if not advice.items:
            st.success(tr("results.all_low"))
        for item in advice.items:
            pattern = c.pattern_index[item.pattern]
            st.markdown(f"**{item.pattern} {tx(pattern.title)}** — {tr('chart.risk')} "
                        f"**{shown(item.risk)}**({tr('band.' + item.band)})")
        if advice.next_step:  # the first recommended step with unfinished items, never a finished one
            st.subheader(tr("home.next_action"))
            step = c.step_index[advice.next_step]
            st.write(tr("home.next_step", step=step.id, title=tx(step.title)))
            st.page_link("pages/plan.py", label=tr("plan.open"))
    with aside:
        overdue_panel(org.id, current_plan)
    links = st.columns(3)
    links[0].page_link("pages/results.py", label=tr("home.see_results"))
    links[1].page_link("pages/diagnose.py", label=tr("home.diagnose_again"))
    links[2].page_link("pages/history.py", label=tr("home.see_history"))

with st.expander(tr("sidebar.add_org")):
    register_form("org_form_more")
    if not any(o.is_demo for o in repo.list_orgs(engine())):
        demo_button()
