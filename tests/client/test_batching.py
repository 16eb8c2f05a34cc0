"""The batching logger against a real local store: limits, back-pressure, isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackbook.client.batching import BatchingLogger, split_batches
from trackbook.client.local import LocalBackend
from trackbook.errors import InvalidParameter
from trackbook.models import Param, RunTag


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    made = LocalBackend.open(str(tmp_path / "data"))
    yield made  # type: ignore[misc]
    made.close()


def new_run(backend: LocalBackend) -> str:
    return backend.create_run("0", user_id="u", run_name=None, start_time=None, tags=[]).info.run_id


@pytest.mark.parametrize(
    ("metrics", "params", "tags", "expected"),
    [
        (0, 0, 0, []),
        (1, 0, 0, [(1, 0, 0)]),
        (1000, 0, 0, [(1000, 0, 0)]),
        (1001, 0, 0, [(1000, 0, 0), (1, 0, 0)]),
        (2500, 0, 0, [(1000, 0, 0), (1000, 0, 0), (500, 0, 0)]),
        (0, 100, 0, [(0, 100, 0)]),
        (0, 101, 0, [(0, 100, 0), (0, 1, 0)]),
        (0, 0, 250, [(0, 0, 100), (0, 0, 100), (0, 0, 50)]),
        (5, 3, 2, [(0, 3, 0), (0, 0, 2), (5, 0, 0)]),
    ],
)
def test_batches_respect_the_count_limits(
    metrics: int, params: int, tags: int, expected: list[tuple[int, int, int]]
) -> None:
    batches = split_batches(
        [(f"m{i}", 0.0, 0, i) for i in range(metrics)],
        [Param(f"p{i}", "v") for i in range(params)],
        [RunTag(f"t{i}", "v") for i in range(tags)],
    )
    assert [(len(m), len(p), len(t)) for m, p, t in batches] == expected


def test_a_tiny_queue_blocks_the_caller_instead_of_dropping(backend: LocalBackend) -> None:
    run_id = new_run(backend)
    logger = BatchingLogger(backend, queue_size=50)
    for step in range(3000):
        logger.log_metric(run_id, "m", float(step), 1000, step)
        assert logger.pending <= 50 + 1  # the bound holds (plus the entry just added)
    logger.close()
    history = backend.metric_history(run_id, "m", max_results=None, page_token=None)
    assert [p.step for p in history.items] == list(range(3000))


def test_one_refused_param_does_not_take_the_others_down(backend: LocalBackend) -> None:
    run_id = new_run(backend)
    backend.log_batch(run_id, metrics=[], params=[Param("lr", "0.1")], tags=[])
    logger = BatchingLogger(backend)
    logger.log_param(run_id, "a", "1")
    logger.log_param(run_id, "lr", "0.5")  # changes a write-once param: refused
    logger.log_param(run_id, "b", "2")
    logger.set_tag(run_id, "t", "x")
    logger.log_metric(run_id, "m", 1.0, 1000, 0)
    with pytest.raises(InvalidParameter, match="lr"):
        logger.flush()
    logger.flush()  # raised once, then cleared
    logger.close()
    got = backend.get_run(run_id)
    assert {p.key: p.value for p in got.params} == {"lr": "0.1", "a": "1", "b": "2"}
    assert {t.key: t.value for t in got.tags}["t"] == "x"
    assert [m.key for m in got.metrics] == ["m"]


def test_entries_of_several_runs_reach_their_runs(backend: LocalBackend) -> None:
    runs = [new_run(backend) for _ in range(3)]
    logger = BatchingLogger(backend)
    for step in range(1500):
        for i, run_id in enumerate(runs):
            logger.log_metric(run_id, "m", float(i), 1000 + step, step)
    logger.close()
    for i, run_id in enumerate(runs):
        points = backend.metric_history(run_id, "m", max_results=None, page_token=None).items
        assert len(points) == 1500 and {p.value for p in points} == {float(i)}
