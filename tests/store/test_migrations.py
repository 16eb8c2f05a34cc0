"""The migrations build exactly the schema that store/schema.py declares."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from trackbook.store import Database, migrations
from trackbook.store.schema import metadata


def test_file_names_carry_the_revision_ids() -> None:
    """Migration files are named ``<revision>_<what>.py``; start-up relies on it."""
    assert migrations.newest_revision() == migrations.head_revision()


def test_migrated_schema_matches_metadata(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert migrations.current_revision(db) is None
        migrations.upgrade(db)
        assert migrations.current_revision(db) == migrations.newest_revision()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        diff = [
            d
            for d in diff
            if not (d[0] == "remove_table" and d[1].name == migrations.VERSION_TABLE)
        ]
        assert diff == []
        migrations.upgrade(db)  # a second run is a no-op
    finally:
        db.dispose()
