"""The runs table's data: every run matching a filter, as compact columns.

One request gives the browser the whole result (up to ``MAX_ROWS`` runs), so
scrolling, selecting, folding nested runs and exporting never wait on the
server. The answer is column-oriented, and columns with few distinct values
(user, status, source…) are dictionary-encoded: 10,000 runs stay a few hundred
kilobytes. Three queries: the runs in order, then the values of the picked
columns of those runs, one query per kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from trackbook.models import ACTIVE, DELETED
from trackbook.search import parse_run_filter
from trackbook.store import filters
from trackbook.store.engine import Database
from trackbook.store.metrics import FINITE, decode
from trackbook.store.schema import latest_metrics, params, runs, tags
from trackbook.web.api.serialize import json_double
from trackbook.web.ui.columns import KeyedColumn, Sort

MAX_ROWS = 50_000
SOURCE_TAG = "mlflow.source.name"
PARENT_TAG = "mlflow.parentRunId"
STAGES = ("active", "deleted", "all")

_TABLES = {"metric": latest_metrics, "param": params, "tag": tags}
#: Fixed columns that always have a value (no "missing values last" term needed).
_NOT_NULL = frozenset({"name", "experiment", "user", "status", "start"})


def stage_filter(stage: str) -> sa.ColumnElement[bool] | None:
    if stage == "active":
        return runs.c.lifecycle_stage == ACTIVE
    if stage == "deleted":
        return runs.c.lifecycle_stage == DELETED
    return None


def run_conditions(
    experiment_ids: Sequence[str], filter_string: str | None, stage: str
) -> list[sa.ColumnElement[bool]]:
    """The WHERE terms selecting the runs of a view (parse errors name the ``filter``)."""
    conds: list[sa.ColumnElement[bool]] = [
        runs.c.experiment_id.in_([int(e) for e in experiment_ids])
    ]
    stage_cond = stage_filter(stage)
    if stage_cond is not None:
        conds.append(stage_cond)
    node = parse_run_filter(filter_string)
    if node is not None:
        conds.append(filters.run_condition(node))
    return conds


def _sort_terms(sort: Sort, source: Any, source_tag: Any) -> tuple[Any, list[Any]]:
    """FROM clause and ORDER BY terms; runs without a value come last either way."""
    if sort.keyed is not None:
        table = _TABLES[sort.keyed.kind].alias("sort_value")
        source = source.outerjoin(
            table, sa.and_(table.c.run_uuid == runs.c.run_uuid, table.c.key == sort.keyed.key)
        )
        column: Any = table.c.value
    elif sort.column == "duration":
        column = runs.c.end_time - runs.c.start_time
    elif sort.column == "source":
        column = source_tag.c.value
    else:
        column = {
            "name": runs.c.name,
            "experiment": runs.c.experiment_id,
            "user": runs.c.user_id,
            "status": runs.c.status,
            "start": runs.c.start_time,
            "end": runs.c.end_time,
        }[sort.column or "start"]
    terms: list[Any] = []
    if sort.column not in _NOT_NULL:
        terms.append(sa.case((column.is_(None), 1), else_=0))
    terms.append(column.asc() if sort.ascending else column.desc())
    if sort.column != "start":
        terms.append(runs.c.start_time.desc())
    terms.append(runs.c.run_uuid.asc())
    return source, terms


def load(
    db: Database,
    experiment_ids: Sequence[str],
    *,
    filter_string: str | None,
    stage: str,
    sort: Sort,
    columns: Sequence[KeyedColumn],
    limit: int = MAX_ROWS,
) -> dict[str, Any]:
    conds = run_conditions(experiment_ids, filter_string, stage)
    src = tags.alias("source_tag")
    parent = tags.alias("parent_tag")
    source: Any = runs.outerjoin(
        src, sa.and_(src.c.run_uuid == runs.c.run_uuid, src.c.key == SOURCE_TAG)
    ).outerjoin(parent, sa.and_(parent.c.run_uuid == runs.c.run_uuid, parent.c.key == PARENT_TAG))
    source, order = _sort_terms(sort, source, src)
    stmt = (
        sa.select(
            runs.c.run_uuid,
            runs.c.name,
            runs.c.experiment_id,
            runs.c.user_id,
            runs.c.status,
            runs.c.start_time,
            runs.c.end_time,
            runs.c.lifecycle_stage,
            src.c.value.label("source"),
            parent.c.value.label("parent"),
        )
        .select_from(source)
        .where(*conds)
        .order_by(*order)
        .limit(limit + 1)
    )
    with db.read() as conn:
        rows = conn.execute(stmt).all()
        truncated = len(rows) > limit
        rows = rows[:limit]
        index = {r.run_uuid: i for i, r in enumerate(rows)}
        values = _picked_values(conn, conds, columns, index) if rows else {}
    return {
        "count": len(rows),
        "truncated": truncated,
        "limit": limit,
        "sort": str(sort),
        "runs": {
            "run_id": [r.run_uuid for r in rows],
            "name": [r.name for r in rows],
            "experiment_id": encode_strings([str(r.experiment_id) for r in rows]),
            "user": encode_strings([r.user_id for r in rows]),
            "status": encode_strings([r.status for r in rows]),
            "start": [r.start_time for r in rows],
            "end": [r.end_time for r in rows],
            "stage": encode_strings([r.lifecycle_stage for r in rows]),
            "source": encode_strings([r.source for r in rows]),
            "parent": [r.parent for r in rows],
        },
        "columns": {c.name: values.get(c.name, [None] * len(rows)) for c in columns},
    }


def _picked_values(
    conn: sa.Connection,
    conds: list[sa.ColumnElement[bool]],
    columns: Sequence[KeyedColumn],
    index: dict[str, int],
) -> dict[str, Any]:
    """Values of the picked columns for the runs in ``index``: one query per kind."""
    n = len(index)
    matching = sa.select(runs.c.run_uuid).where(*conds)
    out: dict[str, Any] = {}
    for kind, table in _TABLES.items():
        keys = [c.key for c in columns if c.kind == kind]
        if not keys:
            continue
        cells: dict[str, list[Any]] = {k: [None] * n for k in keys}
        selected = [table.c.run_uuid, table.c.key, table.c.value]
        if kind == "metric":
            selected.append(table.c.kind)
        stmt = sa.select(*selected).where(table.c.key.in_(keys), table.c.run_uuid.in_(matching))
        if kind == "metric":
            for run_id, key, value, value_kind in conn.execute(stmt).all():
                i = index.get(run_id)
                if i is not None:
                    cells[key][i] = (
                        value if value_kind == FINITE else json_double(decode(value, value_kind))
                    )
        else:
            for run_id, key, value in conn.execute(stmt).all():
                i = index.get(run_id)
                if i is not None:
                    cells[key][i] = value
        prefix = {"metric": "metrics", "param": "params", "tag": "tags"}[kind]
        for key, cell in cells.items():
            out[f"{prefix}.{key}"] = cell if kind == "metric" else encode_strings(cell)
    return out


def encode_strings(values: list[Any]) -> dict[str, list[Any]] | list[Any]:
    """A dictionary encoding ``{"dict": distinct, "codes": [...]}`` when values repeat."""
    distinct: dict[Any, int] = {}
    codes = []
    for v in values:
        code = distinct.get(v)
        if code is None:
            code = distinct[v] = len(distinct)
        codes.append(code)
    if len(distinct) * 2 > len(values):
        return values
    return {"dict": list(distinct), "codes": codes}
