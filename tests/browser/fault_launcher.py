"""``python tests/browser/fault_launcher.py run app.py …``: Streamlit in a server process where
the home page's summary fails with an error whose text holds a path, as a bug would.
Only the error test uses it (the app has no switch for this)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from streamlit.web import cli  # noqa: E402

from dxcore import history  # noqa: E402


def broken(*args, **kwargs):
    raise RuntimeError("secret detail in /srv/app/dxcore/history.py line 42")


history.standing = broken
sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(cli.main())
