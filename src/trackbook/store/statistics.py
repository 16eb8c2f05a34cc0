"""Keeping PostgreSQL's table statistics in step with a store that is filling up.

PostgreSQL plans every search from its statistics of the run tables, which autovacuum
refreshes at the earliest about a minute after the tables change (and never where
autovacuum is off). A store that has just been filled — a sweep logging thousands of
runs, an import — is then planned as if its tables were empty: a filtered, sorted
search of 5,000 fresh runs took 1.1 s instead of 5 ms (a nested loop that re-read the
experiment's runs for every candidate). So the store analyzes the run tables itself,
in the background, when the number of runs this process has created reaches 100, 400,
1,600, … (four times the last each time): a handful of ANALYZEs over a store's life,
early while the tables grow fastest. SQLite keeps no such statistics, and MySQL's
InnoDB recomputes them itself after 10% of a table changes.
"""

from __future__ import annotations

import logging
import threading

from trackbook.store.engine import Database

log = logging.getLogger(__name__)

FIRST_ANALYZE_AT = 100
GROWTH = 4
TABLES = ("runs", "params", "tags", "latest_metrics", "metrics")


class PlannerStatistics:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.enabled = db.dialect == "postgresql"
        self._created = 0
        self._next = FIRST_ANALYZE_AT
        self._lock = threading.Lock()

    def runs_created(self, count: int = 1) -> threading.Thread | None:
        """Note new runs; returns the background ANALYZE it started, if it started one."""
        if not self.enabled:
            return None
        with self._lock:
            self._created += count
            if self._created < self._next:
                return None
            while self._next <= self._created:
                self._next *= GROWTH
        worker = threading.Thread(target=self.analyze, name="trackbook-analyze", daemon=True)
        worker.start()
        return worker

    def analyze(self) -> None:
        try:
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE " + ", ".join(TABLES))
        except Exception:  # only a planning aid: a failure must not reach a log call
            log.warning("ANALYZE of the run tables failed", exc_info=True)
