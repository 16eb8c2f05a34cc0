"""Alembic migrations of the metadata store, run programmatically (no alembic.ini).

Alembic is imported only when the schema actually needs a change: a server that
starts on an up-to-date database reads one row and moves on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from trackbook.store.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

_HERE = Path(__file__).parent
VERSION_TABLE = "trackbook_alembic_version"


def newest_revision() -> str:
    """The head revision, read from the file names alone (``NNNN_what.py`` holds revision
    ``NNNN``); a test checks this convention against Alembic's own scan."""
    return max(p.name.split("_", 1)[0] for p in (_HERE / "versions").glob("[0-9]*_*.py"))


def _config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["database"] = db
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (the newest by default)."""
    if revision == "head":
        current = current_revision(db)
        if current == newest_revision():
            return
        if current is None and db.is_sqlite and _is_empty(db):
            _create_newest(db)
            return
    from alembic import command

    command.upgrade(_config(db), revision)


def _is_empty(db: Database) -> bool:
    with db.engine.connect() as conn:
        return not sa.inspect(conn).get_table_names()


def _create_newest(db: Database) -> None:
    """Create the newest schema in an empty SQLite file straight from ``schema.metadata``
    and record its revision, as the migrations would have left it (a test compares the
    two, table by table). Running every migration instead imports Alembic and replays
    each step: about a third of a new server's start-up. PostgreSQL and MySQL always
    migrate: some migrations do more there than the metadata says (statistics,
    collations)."""
    from trackbook.store.schema import metadata

    versions = sa.Table(
        VERSION_TABLE,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    with db.engine.begin() as conn:
        metadata.create_all(conn)
        versions.create(conn)
        conn.execute(versions.insert().values(version_num=newest_revision()))


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def head_revision() -> str | None:
    """The head according to Alembic's scan of ``versions/`` (slow; for tests and tools)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_HERE)).get_current_head()
