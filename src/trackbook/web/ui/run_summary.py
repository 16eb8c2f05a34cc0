"""What the run page shows beyond the run itself: per-metric extremes and logged models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from trackbook.models import Run
from trackbook.store.engine import Database
from trackbook.store.metrics import FINITE, NEG_INF, POS_INF
from trackbook.store.schema import metrics

MODEL_HISTORY_TAG = "mlflow.log-model.history"


@dataclass(frozen=True, slots=True)
class MetricSummary:
    key: str
    latest: float
    latest_step: int
    latest_timestamp: int
    minimum: float | None
    maximum: float | None
    count: int


def metric_summaries(db: Database, run: Run) -> list[MetricSummary]:
    """Latest value (from the run) with min, max and point count of each metric.

    One grouped query over the run's points; infinities count as extremes, NaN does not.
    """
    m = metrics.c
    finite = m.kind == FINITE
    stmt = (
        sa.select(
            m.key,
            sa.func.count().label("n"),
            sa.func.min(sa.case((finite, m.value))).label("lo"),
            sa.func.max(sa.case((finite, m.value))).label("hi"),
            sa.func.max(sa.case((m.kind == POS_INF, 1), else_=0)).label("pos_inf"),
            sa.func.max(sa.case((m.kind == NEG_INF, 1), else_=0)).label("neg_inf"),
        )
        .where(m.run_uuid == run.info.run_id)
        .group_by(m.key)
    )
    with db.read() as conn:
        stats = {r.key: r for r in conn.execute(stmt)}
    out = []
    for latest in sorted(run.metrics, key=lambda x: x.key):
        s = stats.get(latest.key)
        lo = hi = None
        count = 1
        if s is not None:
            count = int(s.n)
            lo = -math.inf if s.neg_inf else s.lo
            hi = math.inf if s.pos_inf else s.hi
            if lo is None and s.pos_inf:
                lo = math.inf
            if hi is None and s.neg_inf:
                hi = -math.inf
        out.append(
            MetricSummary(
                key=latest.key,
                latest=latest.value,
                latest_step=latest.step,
                latest_timestamp=latest.timestamp,
                minimum=lo,
                maximum=hi,
                count=count,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ModelRecord:
    artifact_path: str
    flavors: list[str]
    created: str
    model_id: str


def logged_models(run: Run) -> list[ModelRecord]:
    """Models recorded by ``runs/log-model`` in the ``mlflow.log-model.history`` tag."""
    raw = next((t.value for t in run.tags if t.key == MODEL_HISTORY_TAG), None)
    if not raw:
        return []
    try:
        history = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(history, list):
        return []
    out = []
    for item in history:
        if not isinstance(item, dict):
            continue
        flavors: Any = item.get("flavors")
        out.append(
            ModelRecord(
                artifact_path=str(item.get("artifact_path", "")),
                flavors=sorted(flavors) if isinstance(flavors, dict) else [],
                created=str(item.get("utc_time_created", "")),
                model_id=str(item.get("model_id") or item.get("model_uuid") or ""),
            )
        )
    return out
