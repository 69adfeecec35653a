"""dxcore is pure Python: it never imports streamlit, directly or through a dependency."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_dxcore_module_imports_streamlit():
    offenders = []
    for path in (ROOT / "dxcore").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_importing_all_of_dxcore_does_not_load_streamlit():
    code = (
        "import pkgutil, importlib, sys, dxcore\n"
        "for m in pkgutil.walk_packages(dxcore.__path__, 'dxcore.'):\n"
        "    if m.name not in ('dxcore.__main__',) and '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] == 'streamlit'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_pages_do_not_touch_the_database_directly():
    """Only dxcore.store talks SQL: pages and ui go through repository functions."""
    for path in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in text and "sqlmodel" not in text, path.name
