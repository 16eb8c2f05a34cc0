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
from trackbook.store.schema import metrics

MAX_RUNS = 100
MAX_POINTS_PER_RUN = 1000
MIN_POINTS_PER_RUN = 50
#: Default budget of points across all runs of one chart.
TOTAL_POINTS = 16_000
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
) -> list[Series]:
    scan_share = max(points * 4, SCAN_BUDGET // max(len(run_ids), 1))
    out = []
    with db.read() as conn:
        for run_id in run_ids:
            out.append(_one_run(conn, run_id, key, points, scan_share, start_step, end_step))
    return out


def _one_run(
    conn: sa.Connection,
    run_id: str,
    key: str,
    points: int,
    scan_share: int,
    start_step: int | None,
    end_step: int | None,
) -> Series:
    m = metrics.c
    where = [m.run_uuid == run_id, m.key == key]
    if start_step is not None:
        where.append(m.step >= start_step)
    if end_step is not None:
        where.append(m.step <= end_step)
    # Two index seeks; a single query with both min() and max() would scan.
    lo = conn.execute(sa.select(sa.func.min(m.step)).where(*where)).scalar()
    hi = conn.execute(sa.select(sa.func.max(m.step)).where(*where)).scalar()
    series = Series(run_id)
    if lo is None or hi is None:
        return series
    if hi - lo + 1 <= scan_share:
        rows = conn.execute(
            sa.select(m.step, m.timestamp, m.value, m.kind)
            .where(*where)
            .order_by(m.step, m.timestamp)
            .limit(scan_share + 1)
        ).all()
        if len(rows) > scan_share:  # many points per step: keep what was read
            series.exact = False
            rows = rows[:scan_share]
        read = [Point(r.step, r.timestamp, decode(r.value, r.kind)) for r in rows]
        _m4(series, read, lo, hi, points)
        return series
    series.exact = False
    samples = _sample(conn, run_id, key, _boundaries(lo, hi, points), hi)
    series.points = samples
    for start in range(0, len(samples), SAMPLES_PER_BUCKET):
        low, high = _extremes(samples[start : start + SAMPLES_PER_BUCKET])
        count = len(samples[start : start + SAMPLES_PER_BUCKET])
        series.lo.extend([low] * count)
        series.hi.extend([high] * count)
    return series


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
        keep = {id(group[0]): group[0], id(group[-1]): group[-1]}
        if finite:
            smallest = min(finite, key=lambda p: p.value)
            largest = max(finite, key=lambda p: p.value)
            keep[id(smallest)] = smallest
            keep[id(largest)] = largest
        ordered = [p for p in group if id(p) in keep]
        low, high = _extremes(finite)
        series.points.extend(ordered)
        series.lo.extend([low] * len(ordered))
        series.hi.extend([high] * len(ordered))


def _boundaries(lo: int, hi: int, count: int) -> list[int]:
    if count <= 1 or hi == lo:
        return [hi]
    return sorted({lo + (i * (hi - lo)) // (count - 1) for i in range(count)})


def _sample(conn: sa.Connection, run_id: str, key: str, bounds: list[int], hi: int) -> list[Point]:
    """The first point at or after each boundary step (one index seek per boundary)."""
    m = metrics.c
    found: dict[int, Point] = {}

    def read_steps(steps: Sequence[int]) -> None:
        for r in conn.execute(
            sa.select(m.step, m.timestamp, m.value, m.kind)
            .where(m.run_uuid == run_id, m.key == key, m.step.in_(list(steps)))
            .order_by(m.step, m.timestamp)
        ):
            if r.step not in found:
                found[r.step] = Point(r.step, r.timestamp, decode(r.value, r.kind))

    # Dense steps (0, 1, 2…: the usual case) hit every boundary directly.
    read_steps(bounds)
    missing = [b for b in bounds if b not in found]
    next_steps: set[int] = set()
    inner = metrics.alias("later")
    for i in range(0, len(missing), _UNION_CHUNK):
        chunk = missing[i : i + _UNION_CHUNK]
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
        for _bound, step in conn.execute(sa.select(wanted.c.b, first_after)):
            if step is not None:
                next_steps.add(step)
    next_steps -= found.keys()
    if next_steps:
        read_steps(sorted(next_steps))
    return [found[s] for s in sorted(found)]
