"""Storage: SQLModel tables, the engine factory and repository functions.

This package is the only code that talks to the database.  Tables live in
``models*.py`` modules (one per area of the app); all are registered here so that the
migrations and the schema check see every table.
"""

import importlib as _importlib
import pkgutil as _pkgutil

for _m in _pkgutil.iter_modules(__path__):
    if _m.name.startswith("models"):
        _importlib.import_module(f"{__name__}.{_m.name}")

from dxcore.store.engine import database_url, get_engine, migrate  # noqa: E402,F401
