"""Alembic environment: uses the connection of the Database passed in the config."""

from __future__ import annotations

from alembic import context

from trackbook.store.migrations import VERSION_TABLE
from trackbook.store.schema import metadata

database = context.config.attributes["database"]

with database.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=database.is_sqlite,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
