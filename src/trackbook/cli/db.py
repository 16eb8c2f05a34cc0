"""``trackbook db``: schema migrations."""

from __future__ import annotations

import click

from trackbook.cli.options import store_options
from trackbook.config import Settings
from trackbook.store import Database, migrations


@click.group()
def db() -> None:
    """Manage the metadata store's schema."""


@db.command()
@store_options
def upgrade(backend_store_uri: str | None) -> None:
    """Bring the schema up to date (the server also does this when it starts)."""
    settings = Settings.from_env(backend_store_uri=backend_store_uri)
    database = Database(settings.backend_store_uri)
    try:
        before = migrations.current_revision(database)
        migrations.upgrade(database)
        after = migrations.current_revision(database)
    finally:
        database.dispose()
    if before == after:
        click.echo(f"schema is up to date (revision {after})")
    else:
        click.echo(f"schema upgraded from {before or 'empty'} to {after}")
