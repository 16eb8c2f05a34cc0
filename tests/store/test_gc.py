"""Permanent removal of soft-deleted runs and experiments on every backend."""

from __future__ import annotations

import uuid

import pytest

from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import Metric, Param
from trackbook.store import Store
from trackbook.store.gc import purge, select


def _run(store: Store, eid: str) -> str:
    run_id = store.runs.create(eid).info.run_id
    store.runs.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)], params=[Param("p", "v")])
    return run_id


def test_purges_deleted_runs_and_experiments(store: Store) -> None:
    eid = store.experiments.create(f"gc-{uuid.uuid4().hex[:8]}")
    kept, gone = _run(store, eid), _run(store, eid)
    store.runs.delete(gone)
    doomed_eid = store.experiments.create(f"gc-exp-{uuid.uuid4().hex[:8]}")
    doomed_run = _run(store, doomed_eid)
    store.experiments.delete(doomed_eid)

    chosen = select(store.db, experiment_ids=[doomed_eid], run_ids=[gone])
    assert sorted(r.run_id for r in chosen.runs) == sorted([gone, doomed_run])
    assert store.runs.get(gone).info.lifecycle_stage == "deleted"  # select changes nothing
    seen: list[str] = []
    result = purge(store.db, experiment_ids=[doomed_eid], run_ids=[gone], before_delete=seen.append)

    assert sorted(r.run_id for r in result.runs) == sorted([gone, doomed_run])
    assert result.experiments == [doomed_eid]
    assert sorted(seen[:2]) == sorted(r.artifact_uri for r in chosen.runs)
    assert seen[2:] == [f"mlflow-artifacts:/{doomed_eid}"]
    for run_id in (gone, doomed_run):
        with pytest.raises(ResourceDoesNotExist):
            store.runs.get(run_id)
    with pytest.raises(ResourceDoesNotExist):
        store.experiments.get(doomed_eid)
    assert store.runs.get(kept).params[0].value == "v"
    assert store.metric_history(kept, "m").items[0].value == 1.0


def test_refuses_live_runs_and_respects_age(store: Store) -> None:
    eid = store.experiments.create(f"gc-age-{uuid.uuid4().hex[:8]}")
    live = _run(store, eid)
    with pytest.raises(InvalidParameter, match="not deleted"):
        purge(store.db, run_ids=[live])
    store.runs.delete(live)
    assert purge(store.db, run_ids=[live], older_than_ms=3_600_000).runs == []
    assert store.runs.get(live).info.lifecycle_stage == "deleted"


def test_failed_artifact_deletion_keeps_the_run(store: Store) -> None:
    eid = store.experiments.create(f"gc-fail-{uuid.uuid4().hex[:8]}")
    run_id = _run(store, eid)
    store.runs.delete(run_id)

    def refuse(_location: str) -> None:
        raise OSError("artifact store unavailable")

    with pytest.raises(OSError):
        purge(store.db, run_ids=[run_id], before_delete=refuse)
    assert store.runs.get(run_id).info.lifecycle_stage == "deleted"
