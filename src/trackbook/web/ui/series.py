"""Downsampled metric series for charts: never more points than a chart can draw.

For each run the server picks at most ``points`` points of one metric in a step
range, reading only what it must:

* **exact** when the run has few points in the range (they are all read): the
  range is cut into buckets and each bucket keeps its first, last, smallest and
  largest point (M4 downsampling), so the drawn line is the same as the full
  one at the chart's resolution;
* **sampled** otherwise: ``points`` steps spread evenly over the range are looked
  up through the (run, key, step) index, one index seek each, never a scan of
  the run's whole history. 100 runs of 100,000 steps cost 100 times ``points`` seeks.

Every point carries ``lo``/``hi``, the extremes of its bucket, for a min/max band
around a smoothed line. For sampled series the extremes are those of the samples
(the answer says ``exact: false``); zooming in asks again for the narrower range,
which becomes exact once few enough points are in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from trackbook.store.engine import Database
from trackbook.store.metrics import decode
from trackbook.store.schema import metrics, runs

MAX_RUNS = 100
MAX_POINTS_PER_RUN = 1000
MIN_POINTS_PER_RUN = 50
#: Default budget of points across all runs of one chart.
TOTAL_POINTS = 10_000
#: Rows a request may read in full (exact mode) across all runs.
SCAN_BUDGET = 60_000
#: Consecutive samples that share one min/max band bucket in sampled mode.
SAMPLES_PER_BUCKET = 4
_UNION_CHUNK = 400  # SQLite allows 500 terms in one compound SELECT


@dataclass(slots=True)
class Point:
    step: int
    timestamp: int
    value: float


@dataclass(slots=True)
class Series:
    run_id: str
    exact: bool = True
    points: list[Point] = field(default_factory=list)
    lo: list[float | None] = field(default_factory=list)
    hi: list[float | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "exact": self.exact,
            "step": [p.step for p in self.points],
            "time": [p.timestamp for p in self.points],
            "value": [p.value if math.isfinite(p.value) else None for p in self.points],
            "lo": self.lo,
            "hi": self.hi,
        }


def points_per_run(run_count: int, requested: int | None) -> int:
    if requested:
        return max(2, min(requested, MAX_POINTS_PER_RUN))
    share = TOTAL_POINTS // max(run_count, 1)
    return max(MIN_POINTS_PER_RUN, min(share, MAX_POINTS_PER_RUN))


def load(
    db: Database,
    run_ids: Sequence[str],
    key: str,
    *,
    points: int,
    start_step: int | None = None,
    end_step: int | None = None,
    scan_budget: int = SCAN_BUDGET,
) -> list[Series]:
    scan_share = max(points * 4, scan_budget // max(len(run_ids), 1))
    out: dict[str, Series] = {rid: Series(rid) for rid in run_ids}
    with db.read() as conn:
        spans = _spans(conn, run_ids, key, start_step, end_step)
        sampled: dict[str, list[int]] = {}
        for run_id, (lo, hi) in spans.items():
            if hi - lo + 1 <= scan_share:
                _read_all(conn, out[run_id], key, lo, hi, points, scan_share)
            else:
                sampled[run_id] = _boundaries(lo, hi, points)
        found = _points_at_steps(conn, key, sampled)
        for run_id, bounds in sampled.items():
            hits = found.get(run_id, {})
            missing = [b for b in bounds if b not in hits]
            if missing:  # sparse steps: look for the next step after each missed boundary
                hits.update(_points_after(conn, run_id, key, missing, spans[run_id][1]))
            _fill_sampled(out[run_id], [hits[s] for s in sorted(hits)])
    return [out[rid] for rid in run_ids]


def _spans(
    conn: sa.Connection,
    run_ids: Sequence[str],
    key: str,
    start_step: int | None,
    end_step: int | None,
) -> dict[str, tuple[int, int]]:
    """First and last step of each run in the range: two index seeks per run, one query."""
    m = metrics.alias("points")

    def edge(func: Any) -> Any:
        q = sa.select(func(m.c.step)).where(m.c.run_uuid == runs.c.run_uuid, m.c.key == key)
        if start_step is not None:
            q = q.where(m.c.step >= start_step)
        if end_step is not None:
            q = q.where(m.c.step <= end_step)
        return q.scalar_subquery()

    stmt = sa.select(runs.c.run_uuid, edge(sa.func.min), edge(sa.func.max)).where(
        runs.c.run_uuid.in_(list(run_ids))
    )
    return {
        run_id: (lo, hi)
        for run_id, lo, hi in conn.execute(stmt).all()
        if lo is not None and hi is not None
    }


def _read_all(
    conn: sa.Connection,
    series: Series,
    key: str,
    lo: int,
    hi: int,
    points: int,
    scan_share: int,
) -> None:
    m = metrics.c
    rows = conn.execute(
        sa.select(m.step, m.timestamp, m.value, m.kind)
        .where(m.run_uuid == series.run_id, m.key == key, m.step.between(lo, hi))
        .order_by(m.step, m.timestamp)
        .limit(scan_share + 1)
    ).all()
    if len(rows) > scan_share:  # many points per step: keep what was read
        series.exact = False
        rows = rows[:scan_share]
    read = [Point(step, ts, decode(value, kind)) for step, ts, value, kind in rows]
    _m4(series, read, lo, hi, points)


def _fill_sampled(series: Series, samples: list[Point]) -> None:
    series.exact = False
    series.points = samples
    for start in range(0, len(samples), SAMPLES_PER_BUCKET):
        group = samples[start : start + SAMPLES_PER_BUCKET]
        low, high = _extremes(group)
        series.lo.extend([low] * len(group))
        series.hi.extend([high] * len(group))


def _extremes(points: Sequence[Point]) -> tuple[float | None, float | None]:
    finite = [p.value for p in points if math.isfinite(p.value)]
    if not finite:
        return None, None
    return min(finite), max(finite)


def _m4(series: Series, rows: list[Point], lo: int, hi: int, points: int) -> None:
    """Keep first, last, min and max of each bucket, in step order."""
    if len(rows) <= points:
        series.points = rows
        series.lo = [p.value if math.isfinite(p.value) else None for p in rows]
        series.hi = list(series.lo)
        return
    buckets = max(1, points // 4)
    span = hi - lo + 1
    groups: list[list[Point]] = [[] for _ in range(buckets)]
    for p in rows:
        groups[min((p.step - lo) * buckets // span, buckets - 1)].append(p)
    for group in groups:
        if not group:
            continue
        finite = [p for p in group if math.isfinite(p.value)]
        keep = {id(group[0]), id(group[-1])}
        if finite:
            keep.add(id(min(finite, key=lambda p: p.value)))
            keep.add(id(max(finite, key=lambda p: p.value)))
        ordered = [p for p in group if id(p) in keep]
        low, high = _extremes(finite)
        series.points.extend(ordered)
        series.lo.extend([low] * len(ordered))
        series.hi.extend([high] * len(ordered))


def _boundaries(lo: int, hi: int, count: int) -> list[int]:
    if count <= 1 or hi == lo:
        return [hi]
    return sorted({lo + (i * (hi - lo)) // (count - 1) for i in range(count)})


def _points_at_steps(
    conn: sa.Connection, key: str, wanted: dict[str, list[int]]
) -> dict[str, dict[int, Point]]:
    """The point at each wanted step of each run (the earliest when a step has several):
    one index seek per step, many runs per statement. The steps are integers we computed,
    rendered inline so that thousands of them do not become thousands of parameters."""
    m = metrics.c
    found: dict[str, dict[int, Point]] = {rid: {} for rid in wanted}
    items = list(wanted.items())
    for start in range(0, len(items), _UNION_CHUNK):
        parts = [
            sa.select(m.run_uuid, m.step, m.timestamp, m.value, m.kind).where(
                m.run_uuid == run_id,
                m.key == key,
                m.step.in_(sa.bindparam(f"steps_{k}", steps, expanding=True, literal_execute=True)),
            )
            for k, (run_id, steps) in enumerate(items[start : start + _UNION_CHUNK])
        ]
        stmt = parts[0] if len(parts) == 1 else sa.union_all(*parts)
        for run_id, step, ts, value, kind in conn.execute(stmt).all():
            hits = found[run_id]
            prior = hits.get(step)
            if prior is None or ts < prior.timestamp:
                hits[step] = Point(step, ts, decode(value, kind))
    return found


def _points_after(
    conn: sa.Connection, run_id: str, key: str, bounds: list[int], hi: int
) -> dict[int, Point]:
    """For each boundary, the first point at a later step (one seek each)."""
    inner = metrics.alias("later")
    next_steps: set[int] = set()
    for i in range(0, len(bounds), _UNION_CHUNK):
        chunk = bounds[i : i + _UNION_CHUNK]
        wanted = sa.union_all(*[sa.select(sa.literal(b).label("b")) for b in chunk]).subquery()
        first_after = (
            sa.select(sa.func.min(inner.c.step))
            .where(
                inner.c.run_uuid == run_id,
                inner.c.key == key,
                inner.c.step >= wanted.c.b,
                inner.c.step <= hi,
            )
            .scalar_subquery()
        )
        for _bound, step in conn.execute(sa.select(wanted.c.b, first_after)).all():
            if step is not None:
                next_steps.add(step)
    if not next_steps:
        return {}
    return _points_at_steps(conn, key, {run_id: sorted(next_steps)})[run_id]
