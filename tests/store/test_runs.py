"""Run semantics on every backend: write-once params, latest metrics, atomic batches."""

from __future__ import annotations

import math

import pytest

from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import Metric, Param, RunTag
from trackbook.store import Store


def _new_run(store: Store, name: str) -> str:
    import uuid

    eid = store.experiments.create(f"{name}-{uuid.uuid4().hex[:8]}")
    return store.runs.create(eid, user_id="alice").info.run_id


def test_params_are_write_once(store: Store) -> None:
    run_id = _new_run(store, "params")
    store.runs.log_param(run_id, Param("lr", "0.1"))
    store.runs.log_param(run_id, Param("lr", "0.1"))  # same value again is fine
    with pytest.raises(InvalidParameter, match="lr"):
        store.runs.log_param(run_id, Param("lr", "0.2"))
    assert [(p.key, p.value) for p in store.runs.get(run_id).params] == [("lr", "0.1")]


def test_latest_metric_is_newest_timestamp_then_largest_value(store: Store) -> None:
    run_id = _new_run(store, "latest")
    store.runs.log_batch(
        run_id,
        metrics=[
            Metric("m", 5.0, timestamp=100, step=9),
            Metric("m", 1.0, timestamp=200, step=0),
            Metric("m", 3.0, timestamp=200, step=1),
        ],
    )
    assert {m.key: m.value for m in store.runs.get(run_id).metrics} == {"m": 3.0}
    # An older point logged later does not replace the latest.
    store.runs.log_metric(run_id, Metric("m", 99.0, timestamp=150, step=50))
    assert {m.key: m.value for m in store.runs.get(run_id).metrics} == {"m": 3.0}
    store.runs.log_metric(run_id, Metric("m", -1.0, timestamp=300, step=2))
    assert {m.key: m.value for m in store.runs.get(run_id).metrics} == {"m": -1.0}
    history = store.metric_history(run_id, "m").items
    assert [(p.step, p.value) for p in history] == [
        (0, 1.0),
        (1, 3.0),
        (2, -1.0),
        (9, 5.0),
        (50, 99.0),
    ]


def test_non_finite_values_round_trip(store: Store) -> None:
    run_id = _new_run(store, "nan")
    store.runs.log_batch(
        run_id,
        metrics=[
            Metric("nan", math.nan, 1, 0),
            Metric("pinf", math.inf, 1, 0),
            Metric("ninf", -math.inf, 1, 0),
            Metric("big", 1.5e300, 1, 0),
        ],
    )
    latest = {m.key: m.value for m in store.runs.get(run_id).metrics}
    assert math.isnan(latest["nan"])
    assert latest["pinf"] == math.inf
    assert latest["ninf"] == -math.inf
    assert latest["big"] == 1.5e300
    assert math.isnan(store.metric_history(run_id, "nan").items[0].value)


def test_failed_batch_writes_nothing(store: Store) -> None:
    run_id = _new_run(store, "atomic")
    store.runs.log_param(run_id, Param("fixed", "a"))
    with pytest.raises(InvalidParameter, match="fixed"):
        store.runs.log_batch(
            run_id,
            metrics=[Metric("written", 1.0, 1, 0)],
            params=[Param("new", "x"), Param("fixed", "b")],
            tags=[RunTag("t", "v")],
        )
    run = store.runs.get(run_id)
    assert [p.key for p in run.params] == ["fixed"]
    assert run.metrics == []
    assert "t" not in {t.key for t in run.tags}


@pytest.mark.parametrize(
    ("metrics", "params", "tags", "field"),
    [
        (1001, 0, 0, "metrics"),
        (0, 101, 0, "params"),
        (0, 0, 101, "tags"),
        (1000, 0, 1, "metrics, params, tags"),
    ],
)
def test_batch_limits(store: Store, metrics: int, params: int, tags: int, field: str) -> None:
    run_id = _new_run(store, "limits")
    with pytest.raises(InvalidParameter, match=field):
        store.runs.log_batch(
            run_id,
            metrics=[Metric(f"m{i}", 1.0, 1, 0) for i in range(metrics)],
            params=[Param(f"p{i}", "v") for i in range(params)],
            tags=[RunTag(f"t{i}", "v") for i in range(tags)],
        )
    assert store.runs.get(run_id).metrics == []


def test_deleted_run_rejects_writes_until_restored(store: Store) -> None:
    run_id = _new_run(store, "deleted")
    store.runs.delete(run_id)
    assert store.runs.get(run_id).info.lifecycle_stage == "deleted"
    with pytest.raises(InvalidParameter, match="deleted"):
        store.runs.set_tag(run_id, RunTag("a", "b"))
    store.runs.restore(run_id)
    store.runs.set_tag(run_id, RunTag("a", "b"))
    assert ("a", "b") in {(t.key, t.value) for t in store.runs.get(run_id).tags}


def test_unknown_run(store: Store) -> None:
    with pytest.raises(ResourceDoesNotExist, match="nope"):
        store.runs.get("nope")
    with pytest.raises(ResourceDoesNotExist):
        store.runs.log_metric("nope", Metric("m", 1.0, 1, 0))


def test_run_name_tag_and_update(store: Store) -> None:
    import uuid

    eid = store.experiments.create(f"names-{uuid.uuid4().hex[:8]}")
    run = store.runs.create(eid, run_name="first")
    assert run.info.run_name == "first"
    store.runs.update(run.info.run_id, status="FINISHED", end_time=123, run_name="second")
    got = store.runs.get(run.info.run_id)
    assert got.info.run_name == "second"
    assert got.info.status == "FINISHED"
    assert got.info.end_time == 123
    assert {t.key: t.value for t in got.tags}["mlflow.runName"] == "second"
    generated = store.runs.create(eid)
    assert generated.info.run_name.count("-") == 2


def test_exact_duplicate_point_is_kept_once(store: Store) -> None:
    """A retried request must not double a point; a new value at the same step is kept."""
    run_id = _new_run(store, "dupes")
    point = Metric("loss", 0.5, timestamp=10, step=1)
    store.runs.log_batch(run_id, metrics=[point, Metric("loss", 0.5, 10, 1)])
    store.runs.log_metric(run_id, Metric("loss", 0.5, 10, 1))
    store.runs.log_metric(run_id, Metric("loss", 0.25, 10, 1))
    store.runs.log_metric(run_id, Metric("loss", math.nan, 10, 1))
    store.runs.log_metric(run_id, Metric("loss", math.nan, 10, 1))
    values = [p.value for p in store.metric_history(run_id, "loss").items]
    assert len(values) == 3
    assert values[:2] == [0.25, 0.5]
    assert math.isnan(values[2])
