"""PostgreSQL's statistics of the run tables follow a store that is filling up."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from trackbook.store import Store
from trackbook.store import statistics as planner_statistics


def test_the_schedule_grows_fourfold_and_only_postgresql_analyzes(store: Store) -> None:
    stats = store.runs.statistics
    if store.db.dialect != "postgresql":
        assert stats.runs_created(10_000) is None  # SQLite and MySQL need nothing
        return
    eid = store.experiments.create(f"stats-{uuid.uuid4().hex[:8]}")
    stats._next = 3  # a small threshold for the test; the schedule is the module's
    store.runs.create(eid)
    assert stats.runs_created(0) is None  # 1 of 3: not yet
    store.runs.create(eid)
    store.runs.create(eid)  # the third starts one ANALYZE and moves the threshold
    assert stats._next == 3 * planner_statistics.GROWTH
    assert stats.runs_created(0) is None


def test_analyze_updates_what_the_planner_knows(store: Store) -> None:
    if store.db.dialect != "postgresql":
        pytest.skip("only PostgreSQL plans from statistics that lag behind the tables")
    eid = store.experiments.create(f"stats-{uuid.uuid4().hex[:8]}")
    for _ in range(5):
        store.runs.create(eid)
    worker = store.runs.statistics.runs_created(planner_statistics.FIRST_ANALYZE_AT)
    assert worker is not None
    worker.join(timeout=30)
    with store.db.read() as conn:
        analyzed = conn.execute(
            sa.text(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'runs'"
            )
        ).scalar_one()
        estimate = conn.execute(
            sa.text("SELECT reltuples FROM pg_class WHERE relname = 'runs'")
        ).scalar_one()
    assert analyzed
    assert estimate >= 5
