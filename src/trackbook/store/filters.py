"""Compile a search AST (``trackbook.search``) into SQLAlchemy expressions.

Values are always bound parameters. Each metric, param or tag condition is an
``EXISTS`` over an indexed table keyed by (run, key), so a filter never
multiplies rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from trackbook.errors import InvalidParameter
from trackbook.search.ast import And, Comparison, Key, Node, Or, OrderBy
from trackbook.store.schema import (
    datasets,
    experiment_tags,
    experiments,
    input_tags,
    inputs,
    latest_metrics,
    params,
    runs,
    tags,
)

_RUN_COLUMNS = {
    "run_id": runs.c.run_uuid,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "user_id": runs.c.user_id,
    "artifact_uri": runs.c.artifact_uri,
    "lifecycle_stage": runs.c.lifecycle_stage,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
}

_EXPERIMENT_COLUMNS = {
    "name": experiments.c.name,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
    "experiment_id": experiments.c.experiment_id,
}

_KEYED_TABLES = {"metric": latest_metrics, "param": params, "tag": tags}


def _compare(column: Any, op: str, value: Any) -> sa.ColumnElement[bool]:
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == "LIKE":
        return column.like(value)
    if op == "ILIKE":
        return column.ilike(value)
    if op == "IN":
        return column.in_(list(value))
    if op == "NOT IN":
        return column.not_in(list(value))
    raise InvalidParameter(f"filter: unsupported operator {op!r}")


def _integral(value: Any) -> Any:
    """Times and ids are integers; a whole float literal compares as one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return tuple(_integral(v) for v in value)
    return value


def run_condition(node: Node) -> sa.ColumnElement[bool]:
    if isinstance(node, And):
        return sa.and_(*(run_condition(p) for p in node.parts))
    if isinstance(node, Or):
        return sa.or_(*(run_condition(p) for p in node.parts))
    return _run_comparison(node)


def _run_comparison(cmp: Comparison) -> sa.ColumnElement[bool]:
    key = cmp.key
    if key.kind == "attribute":
        column = _RUN_COLUMNS[key.name]
        if cmp.op == "IS NULL":
            return column.is_(None)
        if cmp.op == "IS NOT NULL":
            return column.is_not(None)
        value = _integral(cmp.value) if key.name in ("start_time", "end_time") else cmp.value
        return _compare(column, cmp.op, value)
    if key.kind == "dataset":
        return _dataset_condition(cmp)
    table = _KEYED_TABLES[key.kind]
    match = sa.select(sa.literal(1)).where(
        table.c.run_uuid == runs.c.run_uuid, table.c.key == key.name
    )
    if cmp.op == "IS NULL":
        return ~sa.exists(match)
    if cmp.op == "IS NOT NULL":
        return sa.exists(match)
    return sa.exists(match.where(_compare(table.c.value, cmp.op, cmp.value)))


def _dataset_condition(cmp: Comparison) -> sa.ColumnElement[bool]:
    match = (
        sa.select(sa.literal(1))
        .select_from(inputs.join(datasets, inputs.c.dataset_uuid == datasets.c.dataset_uuid))
        .where(inputs.c.run_uuid == runs.c.run_uuid)
    )
    if cmp.key.name == "context":
        match = match.join(
            input_tags,
            sa.and_(
                input_tags.c.run_uuid == inputs.c.run_uuid,
                input_tags.c.dataset_uuid == inputs.c.dataset_uuid,
                input_tags.c.key == "mlflow.data.context",
            ),
        )
        column: Any = input_tags.c.value
    else:
        column = datasets.c[cmp.key.name]
    if cmp.op == "IS NULL":
        return ~sa.exists(match)
    if cmp.op == "IS NOT NULL":
        return sa.exists(match)
    return sa.exists(match.where(_compare(column, cmp.op, cmp.value)))


def run_order(order_by: list[OrderBy]) -> tuple[Any, list[Any]]:
    """The FROM clause (runs plus one outer join per keyed sort) and the ORDER BY terms.

    Runs without the sort key come last in either direction; ties are broken by
    start_time DESC, then run id.
    """
    source: Any = runs
    terms: list[Any] = []
    for i, ob in enumerate(order_by):
        key = ob.key
        if key.kind == "attribute":
            column: Any = _RUN_COLUMNS[key.name]
        elif key.kind in _KEYED_TABLES:
            alias = _KEYED_TABLES[key.kind].alias(f"order_{i}")
            source = source.outerjoin(
                alias, sa.and_(alias.c.run_uuid == runs.c.run_uuid, alias.c.key == key.name)
            )
            column = alias.c.value
        else:
            raise InvalidParameter(f"order_by[{i}]: cannot order runs by dataset fields")
        terms.append(sa.case((column.is_(None), 1), else_=0))
        terms.append(column.asc() if ob.ascending else column.desc())
    terms.extend([runs.c.start_time.desc(), runs.c.run_uuid.asc()])
    return source, terms


def experiment_condition(node: Node) -> sa.ColumnElement[bool]:
    if isinstance(node, And):
        return sa.and_(*(experiment_condition(p) for p in node.parts))
    if isinstance(node, Or):
        return sa.or_(*(experiment_condition(p) for p in node.parts))
    key = node.key
    if key.kind == "tag":
        match = sa.select(sa.literal(1)).where(
            experiment_tags.c.experiment_id == experiments.c.experiment_id,
            experiment_tags.c.key == key.name,
        )
        if node.op == "IS NULL":
            return ~sa.exists(match)
        if node.op == "IS NOT NULL":
            return sa.exists(match)
        return sa.exists(match.where(_compare(experiment_tags.c.value, node.op, node.value)))
    column = _EXPERIMENT_COLUMNS[key.name]
    if node.op == "IS NULL":
        return column.is_(None)
    if node.op == "IS NOT NULL":
        return column.is_not(None)
    value = node.value if key.name == "name" else _integral(node.value)
    return _compare(column, node.op, value)


def experiment_order(order_by: list[OrderBy]) -> list[Any]:
    """Newest first by default; experiment id DESC breaks ties unless already ordered on."""
    if not order_by:
        return [experiments.c.creation_time.desc(), experiments.c.experiment_id.asc()]
    terms: list[Any] = []
    for i, ob in enumerate(order_by):
        if ob.key.kind != "attribute":
            raise InvalidParameter(
                f"order_by[{i}]: experiments can be ordered by name, creation_time,"
                " last_update_time or experiment_id"
            )
        column = _EXPERIMENT_COLUMNS[ob.key.name]
        terms.append(column.asc() if ob.ascending else column.desc())
    if not any(ob.key.name == "experiment_id" for ob in order_by):
        terms.append(experiments.c.experiment_id.desc())
    return terms


__all__ = ["Key", "experiment_condition", "experiment_order", "run_condition", "run_order"]
