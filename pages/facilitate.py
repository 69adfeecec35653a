"""進行役の画面: the facilitator's laptop drives the projector.

Choose the workshop, open its clean projector view in a new window, move the room's
screen forward and back, reveal the results, record the room's answers in consensus mode.
"""

import streamlit as st

from ui.common import org_page, tr
from ui.facilitate import consensus_switch, controls, facilitator_look, projector_url
from ui.gate import through_app
from ui.workshop import choose_workshop

through_app()

org = org_page("projector.facilitate.title")
facilitator_look()
st.caption(tr("projector.facilitate.intro"))
summary = choose_workshop(org.id)
if summary is None:
    st.info(tr("workshop.admin.none"))
    st.page_link("pages/workshop.py", label=tr("workshop.present.back"))
    st.stop()
w = summary.workshop
st.link_button(tr("projector.facilitate.open_projector"), projector_url(w.code), type="primary")
st.caption(tr("projector.facilitate.keys_help"))
controls(w.code)
consensus_switch(w)
