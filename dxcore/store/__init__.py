"""Storage: SQLModel tables, the engine factory and repository functions.

This package is the only code that talks to the database.
"""

from dxcore.store.engine import database_url, get_engine, migrate  # noqa: F401
