"""プロジェクター表示: what the room sees, one screen at a time, and nothing else.

The workshop named in the URL (``?workshop=CODE``), full screen: no sidebar, menu or
control.  The facilitator moves the screens from the facilitator's view (or with the
keyboard of this computer); this view follows within a few seconds (see ``ui.present``).
"""

import streamlit as st

from ui.common import tr
from ui.gate import through_app
from ui.present import presenter_look, projector, workshop_to_show

through_app()

presenter_look()
code = workshop_to_show()
if code is None:
    st.title(tr("workshop.present.title"))
    st.info(tr("workshop.admin.none"))
    st.page_link("pages/workshop.py", label=tr("workshop.present.back"))
    st.stop()
projector(code)
