"""AppTest as a running server behaves after its first request.

AppTest starts every run as a fresh server would: with a ``pages/`` folder next to app.py,
Streamlit's old multipage mode runs the page file without app.py, until app.py's
``st.navigation`` switches that mode off for the process.  A real server is in that state
for its very first request only; ui.gate sends such a run back through app.py, and the
browser tests check that on a fresh server.  Here every run goes through app.py, as every
later request to a real server does, so that the page tests see the gate and the sidebar,
and a click is not spent on the detour.
"""

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test


class _AfterFirstRequest(PagesManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False  # what app.py's st.navigation sets


@pytest.fixture(autouse=True, scope="session")
def _app_runs_through_app_py():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app_test, "PagesManager", _AfterFirstRequest)
        yield
