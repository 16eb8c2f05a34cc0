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
        migrations.upgrade(db, "0001")  # a non-empty file: every migration is replayed
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


def _structure(db: Database) -> dict[str, object]:
    """Every table's columns, indexes (with their partial-index WHERE) and foreign keys,
    as SQLite itself reports them."""
    out: dict[str, object] = {}
    with db.engine.connect() as conn:
        names = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in names:
            columns = sorted(
                (r[1], r[2].upper(), r[3], r[4], r[5])
                for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')
            )
            indexes = []
            for r in conn.exec_driver_sql(f'PRAGMA index_list("{table}")'):
                cols = [c[2] for c in conn.exec_driver_sql(f'PRAGMA index_info("{r[1]}")')]
                where = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (r[1],)
                ).scalar()
                partial = where.split(" WHERE ", 1)[1] if where and " WHERE " in where else None
                name = r[1] if not r[1].startswith("sqlite_autoindex") else "auto"
                indexes.append((name, r[2], tuple(cols), r[4], partial))
            fks = sorted(
                (r[2], r[3], r[4], r[6])
                for r in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
            )
            rowid = conn.exec_driver_sql(
                "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?", (table,)
            ).scalar()
            out[table] = (columns, sorted(indexes, key=str), fks, rowid)
    return out


def test_a_new_sqlite_store_is_created_as_the_migrations_would_leave_it(tmp_path: Path) -> None:
    """A new SQLite file gets the newest schema straight from the metadata (start-up
    without Alembic); it must equal what replaying every migration builds."""
    created = Database(f"sqlite:///{tmp_path / 'created.db'}")
    migrated = Database(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        migrations.upgrade(created)
        migrations.upgrade(migrated, "0001")  # not empty any more: the migrations run
        migrations.upgrade(migrated)
        assert migrations.current_revision(created) == migrations.newest_revision()
        assert migrations.current_revision(migrated) == migrations.newest_revision()
        assert _structure(created) == _structure(migrated)
        migrations.upgrade(created)  # and it is up to date for the next start
    finally:
        created.dispose()
        migrated.dispose()
