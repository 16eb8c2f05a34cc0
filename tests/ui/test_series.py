"""Server-side downsampling of metric series, on every backend (no browser here)."""

from __future__ import annotations

import math
import uuid

from trackbook.models import Metric
from trackbook.store import Store
from trackbook.web.ui import series


def _run(store: Store) -> str:
    eid = store.experiments.create(f"series-{uuid.uuid4().hex[:8]}")
    return store.runs.create(eid, user_id="u").info.run_id


def _log(store: Store, run_id: str, points: list[tuple[int, float]], key: str = "m") -> None:
    metrics = [Metric(key, value, timestamp=1000 + step, step=step) for step, value in points]
    for i in range(0, len(metrics), 1000):
        store.runs.log_batch(run_id, metrics=metrics[i : i + 1000])


def test_small_series_come_back_whole(store: Store) -> None:
    run_id = _run(store)
    _log(store, run_id, [(s, s * 0.5) for s in range(10)])
    (out,) = series.load(store.db, [run_id], "m", points=100)
    assert out.exact
    assert [p.step for p in out.points] == list(range(10))
    assert [p.value for p in out.points] == [s * 0.5 for s in range(10)]
    assert out.lo == out.hi == [s * 0.5 for s in range(10)]


def test_m4_keeps_first_last_and_extremes_of_each_bucket(store: Store) -> None:
    run_id = _run(store)
    values = [0.0] * 400
    values[37] = 9.0  # a spike inside the first bucket
    values[250] = -9.0  # a dip further on
    _log(store, run_id, list(enumerate(values)))
    (out,) = series.load(store.db, [run_id], "m", points=40)
    assert out.exact
    kept = {p.step: p.value for p in out.points}
    assert kept[37] == 9.0 and kept[250] == -9.0
    assert 0 in kept and 399 in kept
    assert len(out.points) <= 40
    spike = [p.step for p in out.points].index(37)
    assert out.hi[spike] == 9.0 and out.lo[spike] == 0.0


def test_long_series_are_sampled_by_index_seeks(store: Store) -> None:
    run_id = _run(store)
    _log(store, run_id, [(s, float(s)) for s in range(5000)])
    (out,) = series.load(store.db, [run_id], "m", points=50, scan_budget=100)
    assert not out.exact
    steps = [p.step for p in out.points]
    assert steps == series._boundaries(0, 4999, 50)
    assert steps[0] == 0 and steps[-1] == 4999 and len(steps) == 50
    assert all(p.value == float(p.step) for p in out.points)
    # Bands span groups of consecutive samples.
    assert out.lo[:4] == [0.0] * 4 and out.hi[:4] == [float(steps[3])] * 4


def test_sparse_steps_find_the_next_logged_step(store: Store) -> None:
    run_id = _run(store)
    _log(store, run_id, [(s * 97, float(s)) for s in range(2000)])  # steps 0, 97, 194…
    picked = series._boundaries(0, 1999 * 97, 30)
    with store.db.read() as conn:
        hits = series._points_at_steps(conn, "m", {run_id: picked})[run_id]
        after = series._points_after(
            conn, run_id, "m", [b for b in picked if b not in hits], 1999 * 97
        )
    steps = sorted({*hits, *after})
    assert steps[0] == 0 and steps[-1] == 1999 * 97
    assert all(s % 97 == 0 for s in steps)
    assert len(steps) >= 25


def test_step_range_and_many_runs(store: Store) -> None:
    runs = [_run(store) for _ in range(3)]
    for k, run_id in enumerate(runs):
        _log(store, run_id, [(s, float(s + k)) for s in range(100)])
    out = series.load(store.db, [*runs, "0" * 32], "m", points=1000, start_step=10, end_step=19)
    assert [s.run_id for s in out] == [*runs, "0" * 32]
    for k, one in enumerate(out[:3]):
        assert [p.step for p in one.points] == list(range(10, 20))
        assert one.points[0].value == 10.0 + k
    assert out[3].points == []  # an unknown run simply has no points


def test_non_finite_values_are_gaps(store: Store) -> None:
    run_id = _run(store)
    _log(store, run_id, [(0, 1.0), (1, math.nan), (2, math.inf), (3, 2.0)])
    (out,) = series.load(store.db, [run_id], "m", points=100)
    assert out.to_json()["value"] == [1.0, None, None, 2.0]


def test_points_per_run_share_a_budget() -> None:
    assert series.points_per_run(1, None) == series.MAX_POINTS_PER_RUN
    assert series.points_per_run(100, None) == series.TOTAL_POINTS // 100
    assert series.points_per_run(100, 5000) == series.MAX_POINTS_PER_RUN
