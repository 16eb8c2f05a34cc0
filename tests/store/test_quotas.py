"""Quotas: a clear RESOURCE_EXHAUSTED naming the limit, and nothing partial written."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from trackbook.config import Settings
from trackbook.errors import ResourceExhausted
from trackbook.models import Metric, Param, RunTag
from trackbook.store import Store


@pytest.fixture
def limited(store_uri: str, settings: Settings) -> Iterator[Store]:
    s = Store.open(
        dataclasses.replace(
            settings,
            backend_store_uri=store_uri,
            max_runs_per_experiment=2,
            max_params_per_run=3,
            max_tags_per_run=4,  # mlflow.runName is one of them
            max_metric_steps_per_run=5,
        )
    )
    yield s
    s.close()


def _experiment(store: Store) -> str:
    return store.experiments.create(f"quota-{uuid.uuid4().hex[:8]}")


def test_runs_per_experiment(limited: Store) -> None:
    eid = _experiment(limited)
    limited.runs.create(eid)
    limited.runs.create(eid)
    with pytest.raises(ResourceExhausted, match="max_runs_per_experiment"):
        limited.runs.create(eid)
    assert len(limited.runs.search([eid], run_view_type="ALL").items) == 2


def test_params_tags_and_steps_per_run(limited: Store) -> None:
    run_id = limited.runs.create(_experiment(limited)).info.run_id
    limited.runs.log_batch(run_id, params=[Param("a", "1"), Param("b", "2")])
    with pytest.raises(ResourceExhausted, match="max_params_per_run"):
        limited.runs.log_batch(
            run_id,
            params=[Param("c", "3"), Param("d", "4")],
            metrics=[Metric("m", 1.0, 1, 0)],
        )
    run = limited.runs.get(run_id)
    assert sorted(p.key for p in run.params) == ["a", "b"]
    assert run.metrics == []  # the failed request wrote nothing
    limited.runs.log_batch(run_id, params=[Param("a", "1"), Param("c", "3")])  # re-log is free

    tags = [RunTag("x", "1"), RunTag("y", "1"), RunTag("w", "1"), RunTag("x", "2")]
    limited.runs.log_batch(run_id, tags=tags)
    with pytest.raises(ResourceExhausted, match="max_tags_per_run"):
        limited.runs.set_tag(run_id, RunTag("z", "1"))
    limited.runs.set_tag(run_id, RunTag("y", "overwrite is fine"))

    limited.runs.log_batch(run_id, metrics=[Metric("m", float(i), i, i) for i in range(4)])
    with pytest.raises(ResourceExhausted, match="max_metric_steps_per_run"):
        limited.runs.log_batch(run_id, metrics=[Metric("m", 9.0, 9, 9), Metric("m", 8.0, 8, 8)])
    limited.runs.log_metric(run_id, Metric("m", 4.0, 4, 4))
    assert len(limited.metric_history(run_id, "m").items) == 5
