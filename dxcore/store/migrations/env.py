"""Alembic environment: run with the connection handed over by dxcore.store.engine.migrate,
or, from the alembic command line, with the URL from DX_DATABASE_URL."""

from alembic import context
from sqlmodel import SQLModel

import dxcore.store  # noqa: F401  (registers every models*.py table)
from dxcore.store.engine import database_url, make_engine

config = context.config
target_metadata = SQLModel.metadata


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with make_engine(database_url()).begin() as conn:
        run(conn)
