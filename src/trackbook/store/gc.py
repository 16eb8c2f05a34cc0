"""Permanent removal of soft-deleted runs and experiments ("garbage collection")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from trackbook.errors import InvalidParameter
from trackbook.models import DELETED, RunInfo
from trackbook.store.engine import Database
from trackbook.store.experiments import now_ms, parse_experiment_id
from trackbook.store.schema import experiments, runs

_CHUNK = 500


@dataclass
class Purged:
    runs: list[RunInfo] = field(default_factory=list)
    experiments: list[str] = field(default_factory=list)
    #: The artifact locations of those experiments (their runs' and models' folders
    #: usually lie below them).
    experiment_locations: list[str] = field(default_factory=list)


def select(
    db: Database,
    *,
    older_than_ms: int = 0,
    run_ids: Sequence[str] = (),
    experiment_ids: Sequence[str] = (),
) -> Purged:
    """What :func:`purge` would remove, without removing it.

    Only what was deleted at least ``older_than_ms`` ago is chosen. ``run_ids`` /
    ``experiment_ids`` narrow the selection; naming one that is not deleted is an error.
    Every run of a chosen experiment is chosen with it.
    """
    cutoff = now_ms() - older_than_ms
    eids = [parse_experiment_id(e, f"experiment_ids[{i}]") for i, e in enumerate(experiment_ids)]
    with db.read() as conn:
        _require_deleted_runs(conn, run_ids)
        _require_deleted_experiments(conn, eids)
        exp_query = sa.select(experiments.c.experiment_id, experiments.c.artifact_location).where(
            experiments.c.lifecycle_stage == DELETED,
            experiments.c.last_update_time <= cutoff,
        )
        if eids:
            exp_query = exp_query.where(experiments.c.experiment_id.in_(eids))
        exp_rows = conn.execute(exp_query).all()
        doomed_experiments = [r.experiment_id for r in exp_rows]
        conditions = []
        if not eids or run_ids:
            by_run = sa.and_(runs.c.lifecycle_stage == DELETED, runs.c.deleted_time <= cutoff)
            if run_ids:
                by_run = sa.and_(by_run, runs.c.run_uuid.in_(list(run_ids)))
            conditions.append(by_run)
        if doomed_experiments:
            conditions.append(runs.c.experiment_id.in_(doomed_experiments))
        rows = list(conn.execute(sa.select(runs).where(sa.or_(*conditions)))) if conditions else []
    return Purged(
        [_info(r) for r in rows],
        [str(e) for e in doomed_experiments],
        [r.artifact_location for r in exp_rows],
    )


def purge(
    db: Database,
    *,
    older_than_ms: int = 0,
    run_ids: Sequence[str] = (),
    experiment_ids: Sequence[str] = (),
    before_delete: Callable[[str], None] | None = None,
) -> Purged:
    """Delete for good what :func:`select` chooses, and return it.

    ``before_delete`` is called with the artifact location of each run, then of each
    experiment, before its rows go (the CLI deletes the files there): if it raises, that
    run or experiment and what follows stay for a retry.
    """
    doomed = select(db, older_than_ms=older_than_ms, run_ids=run_ids, experiment_ids=experiment_ids)
    result = Purged()
    for start in range(0, len(doomed.runs), _CHUNK):
        chunk = doomed.runs[start : start + _CHUNK]
        for run in chunk:
            if before_delete is not None:
                before_delete(run.artifact_uri)
        with db.write() as conn:
            conn.execute(runs.delete().where(runs.c.run_uuid.in_([r.run_id for r in chunk])))
        result.runs.extend(chunk)
    if doomed.experiments:
        if before_delete is not None:
            for location in doomed.experiment_locations:
                before_delete(location)
        with db.write() as conn:
            conn.execute(
                experiments.delete().where(
                    experiments.c.experiment_id.in_([int(e) for e in doomed.experiments])
                )
            )
        result.experiments = doomed.experiments
        result.experiment_locations = doomed.experiment_locations
    return result


def _info(row: sa.Row[Any]) -> RunInfo:
    return RunInfo(
        run_id=row.run_uuid,
        run_name=row.name,
        experiment_id=str(row.experiment_id),
        user_id=row.user_id,
        status=row.status,
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=row.lifecycle_stage,
    )


def _require_deleted_runs(conn: sa.Connection, run_ids: Sequence[str]) -> None:
    if not run_ids:
        return
    found = dict(
        conn.execute(
            sa.select(runs.c.run_uuid, runs.c.lifecycle_stage).where(
                runs.c.run_uuid.in_(list(run_ids))
            )
        ).all()
    )
    for i, rid in enumerate(run_ids):
        if rid not in found:
            raise InvalidParameter(f"run_ids[{i}]: run '{rid}' not found")
        if found[rid] != DELETED:
            raise InvalidParameter(
                f"run_ids[{i}]: run '{rid}' is not deleted; delete it before removing it for good"
            )


def _require_deleted_experiments(conn: sa.Connection, eids: Sequence[int]) -> None:
    if not eids:
        return
    found = dict(
        conn.execute(
            sa.select(experiments.c.experiment_id, experiments.c.lifecycle_stage).where(
                experiments.c.experiment_id.in_(list(eids))
            )
        ).all()
    )
    for i, eid in enumerate(eids):
        if eid not in found:
            raise InvalidParameter(f"experiment_ids[{i}]: experiment {eid} not found")
        if found[eid] != DELETED:
            raise InvalidParameter(
                f"experiment_ids[{i}]: experiment {eid} is not deleted; delete it first"
            )
