"""Configurable resource limits, checked inside the write transaction they guard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from trackbook.config import Settings
from trackbook.errors import ResourceExhausted
from trackbook.store.schema import metrics, params, runs, tags


@dataclass(frozen=True)
class Quotas:
    """0 means "no limit" for each field; see the matching ``Settings`` fields."""

    max_runs_per_experiment: int = 0
    max_params_per_run: int = 0
    max_tags_per_run: int = 0
    max_metric_steps_per_run: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Quotas:
        return cls(
            max_runs_per_experiment=settings.max_runs_per_experiment,
            max_params_per_run=settings.max_params_per_run,
            max_tags_per_run=settings.max_tags_per_run,
            max_metric_steps_per_run=settings.max_metric_steps_per_run,
        )

    def check_new_run(self, conn: sa.Connection, experiment_id: int) -> None:
        limit = self.max_runs_per_experiment
        if not limit:
            return
        count = conn.execute(
            sa.select(sa.func.count())
            .select_from(runs)
            .where(runs.c.experiment_id == experiment_id)
        ).scalar_one()
        if count >= limit:
            raise ResourceExhausted(
                f"max_runs_per_experiment: experiment {experiment_id} already has {count} runs;"
                f" the limit is {limit}"
            )

    def check_params(self, conn: sa.Connection, run_id: str, new_keys: Iterable[str]) -> None:
        limit = self.max_params_per_run
        self._check_keyed(conn, params, "max_params_per_run", limit, run_id, new_keys)

    def check_tags(self, conn: sa.Connection, run_id: str, keys: Iterable[str]) -> None:
        self._check_keyed(conn, tags, "max_tags_per_run", self.max_tags_per_run, run_id, keys)

    def check_metric_steps(
        self, conn: sa.Connection, run_id: str, new_points: dict[str, int]
    ) -> None:
        """``new_points`` maps each metric key of the request to its number of points."""
        limit = self.max_metric_steps_per_run
        if not limit or not new_points:
            return
        existing: dict[str, int] = dict(
            conn.execute(
                sa.select(metrics.c.key, sa.func.count())
                .where(metrics.c.run_uuid == run_id, metrics.c.key.in_(list(new_points)))
                .group_by(metrics.c.key)
            ).all()
        )
        for key, added in new_points.items():
            total = existing.get(key, 0) + added
            if total > limit:
                raise ResourceExhausted(
                    f"max_metric_steps_per_run: metric {key!r} of run '{run_id}' would have"
                    f" {total} points; the limit is {limit}"
                )

    @staticmethod
    def _check_keyed(
        conn: sa.Connection,
        table: sa.Table,
        name: str,
        limit: int,
        run_id: str,
        keys: Iterable[str],
    ) -> None:
        if not limit:
            return
        wanted = set(keys)
        present = set(
            conn.execute(sa.select(table.c.key).where(table.c.run_uuid == run_id)).scalars()
        )
        total = len(present | wanted)
        if total > limit:
            raise ResourceExhausted(
                f"{name}: run '{run_id}' would have {total} {table.name}; the limit is {limit}"
            )
