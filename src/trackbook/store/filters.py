"""Compile a search AST (``trackbook.search``) into SQLAlchemy expressions and orderings.

Values are always bound parameters. A metric, param or tag condition tests the
one row of that (run, key) in ``latest_metrics``, ``params`` or ``tags``
through their primary keys, so a filter never multiplies rows and ``!=`` /
``NOT IN`` only match runs that have the key (as in MLflow).

Metric semantics: the latest value of each key is compared. NaN is stored as
NULL there, so it satisfies no comparison except ``!=`` (which it always
satisfies), as in IEEE arithmetic and in MLflow.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from trackbook.errors import InvalidParameter
from trackbook.search.ast import And, Comparison, Node, Op, OrderBy, Value
from trackbook.store.paging import Ordering, Phase, SortKind, SortTerm
from trackbook.store.schema import (
    VALUE_INDEX_LENGTH,
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

#: ``latest_metrics.kind`` of a NaN (see store/metrics.py).
_NAN_KIND = 1
_MAX_DOUBLE = sys.float_info.max
DATASET_CONTEXT_TAG = "mlflow.data.context"

RUN_COLUMNS: dict[str, Any] = {
    "run_id": runs.c.run_uuid,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "user_id": runs.c.user_id,
    "artifact_uri": runs.c.artifact_uri,
    "lifecycle_stage": runs.c.lifecycle_stage,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
}
_INTEGER_RUN_COLUMNS = {"start_time", "end_time"}

EXPERIMENT_COLUMNS: dict[str, Any] = {
    "name": experiments.c.name,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
    "experiment_id": experiments.c.experiment_id,
}

_KEYED_TABLES = {"metric": latest_metrics, "param": params, "tag": tags}


# -- comparisons ---------------------------------------------------------------------------


def compare(column: Any, op: Op | str, value: Any) -> sa.ColumnElement[bool]:
    """``column <op> value`` for every operator but IS [NOT] NULL."""
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
        return column.like(like_pattern(value), escape="\\")
    if op == "ILIKE":
        return column.ilike(like_pattern(value), escape="\\")
    if op == "IN":
        return column.in_(list(value))
    if op == "NOT IN":
        return column.not_in(list(value))
    raise InvalidParameter(f"filter: unsupported operator {op!r}")


def like_pattern(pattern: str) -> str:
    """Backslash escapes ``%``, ``_`` and itself; a dangling one at the end means itself
    (PostgreSQL would reject the pattern otherwise)."""
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return pattern + "\\" if trailing % 2 else pattern


def _null_test(column: Any, op: Op) -> sa.ColumnElement[bool]:
    return column.is_(None) if op == "IS NULL" else column.is_not(None)


def _whole(value: Value) -> Value:
    """Times are integers; a whole float literal compares as one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return tuple(_whole(v) for v in value)  # type: ignore[misc]
    return value


def _clamped(value: Any) -> Any:
    """Infinite literals (``1e999``) as the stored stand-in for infinity (see metrics.py)."""
    if isinstance(value, float) and abs(value) > _MAX_DOUBLE:
        return _MAX_DOUBLE if value > 0 else -_MAX_DOUBLE
    return value


# -- runs ------------------------------------------------------------------------------------


def run_condition(node: Node, *, run_id: Any = None) -> sa.ColumnElement[bool]:
    """The WHERE condition of a runs filter.

    ``run_id`` is the column metric, param, tag and dataset conditions are correlated
    with: ``runs.run_uuid`` by default, or the run id of a sort key's row when a search
    walks that row's index, so that the database tests a candidate before it reads the
    candidate's run.
    """
    return _RunConditions(runs.c.run_uuid if run_id is None else run_id).node(node)[1]


# How expensive a condition is per candidate run, cheapest first. The parts of an AND are
# emitted in this order because SQLite tests them in the order written: a column test
# costs nothing, a membership test in a list built once (an IN subquery) little, a
# correlated EXISTS a lookup per run.
_COLUMN, _LIST, _LOOKUP, _COMPOUND = range(4)


class _RunConditions:
    def __init__(self, run_id: Any) -> None:
        self.run_id = run_id

    def node(self, node: Node) -> tuple[int, sa.ColumnElement[bool]]:
        if isinstance(node, Comparison):
            return self.comparison(node)
        parts = sorted((self.node(p) for p in node.parts), key=lambda part: part[0])
        if isinstance(node, And):
            return max(c for c, _ in parts), sa.and_(*(e for _, e in parts))
        return _COMPOUND, sa.or_(*(e for _, e in parts))

    def comparison(self, cmp: Comparison) -> tuple[int, sa.ColumnElement[bool]]:
        key, op = cmp.key, cmp.op
        if key.kind == "attribute":
            column = RUN_COLUMNS[key.name]
            if op in ("IS NULL", "IS NOT NULL"):
                return _COLUMN, _null_test(column, op)
            value = _whole(cmp.value) if key.name in _INTEGER_RUN_COLUMNS else cmp.value
            return _COLUMN, compare(column, op, value)
        if key.kind == "dataset":
            return _LOOKUP, _dataset_condition(cmp, self.run_id)
        table = _KEYED_TABLES[key.kind]
        if key.kind != "metric" and op in ("=", "IN"):
            # An equality on a param or tag usually picks few runs: the (key, value) index
            # lists them once, and each candidate run is then a membership test.
            matching = sa.select(table.c.run_uuid).where(
                table.c.key == key.name, compare(table.c.value, op, cmp.value)
            )
            values = cmp.value if isinstance(cmp.value, tuple) else (cmp.value,)
            if all(len(str(v).encode()) <= VALUE_INDEX_LENGTH for v in values):
                # True of every matching row; it lets the database use the index of short
                # values (a partial index must be implied by the query's conditions).
                matching = matching.where(
                    sa.func.length(table.c.value) <= sa.literal_column(str(VALUE_INDEX_LENGTH))
                )
            return _LIST, self.run_id.in_(matching)
        match = sa.select(sa.literal(1)).where(
            table.c.run_uuid == self.run_id, table.c.key == key.name
        )
        if op == "IS NULL":
            return _LOOKUP, ~sa.exists(match)
        if op == "IS NOT NULL":
            return _LOOKUP, sa.exists(match)
        if key.kind == "metric":
            value_test = compare(table.c.value, op, _clamped(cmp.value))
            if op == "!=":
                value_test = sa.or_(value_test, table.c.kind == _NAN_KIND)
        else:
            value_test = compare(table.c.value, op, cmp.value)
        return _LOOKUP, sa.exists(match.where(value_test))


def _dataset_condition(cmp: Comparison, run_id: Any) -> sa.ColumnElement[bool]:
    match = (
        sa.select(sa.literal(1))
        .select_from(inputs.join(datasets, inputs.c.dataset_uuid == datasets.c.dataset_uuid))
        .where(inputs.c.run_uuid == run_id)
    )
    column: Any
    if cmp.key.name == "context":
        match = match.join(
            input_tags,
            sa.and_(
                input_tags.c.run_uuid == inputs.c.run_uuid,
                input_tags.c.dataset_uuid == inputs.c.dataset_uuid,
                input_tags.c.key == DATASET_CONTEXT_TAG,
            ),
        )
        column = input_tags.c.value
    else:
        column = datasets.c[cmp.key.name]
    if cmp.op == "IS NULL":
        return ~sa.exists(match)
    if cmp.op == "IS NOT NULL":
        return sa.exists(match)
    return sa.exists(match.where(compare(column, cmp.op, cmp.value)))


def run_ordering(order_by: Sequence[OrderBy]) -> Ordering:
    """Runs ordered as asked, then by start_time DESC and run id (MLflow's tie-break).

    A metric, param or tag sort joins that key's row. Runs without the key come after
    all runs with it, in either direction; a NaN metric comes after every number and
    before the runs without the metric. ``end_time`` NULLs come last too.
    """
    terms: list[SortTerm] = []
    joins: list[tuple[Any, Any]] = []  # (alias, ON clause) of each keyed sort
    phases: list[tuple[Any, bool]] = []  # (condition, inner join?) per bucket of the first
    ordered: set[str] = set()
    for i, ob in enumerate(order_by):
        key = ob.key
        if key.kind == "attribute":
            column = RUN_COLUMNS[key.name]
            ordered.add(key.name)
            if key.name == "end_time":
                terms.append(SortTerm(sa.case((column.is_(None), 1), else_=0), True, "int"))
                if i == 0:
                    phases = [(column.is_not(None), False), (column.is_(None), False)]
            kind: SortKind = "int" if key.name in _INTEGER_RUN_COLUMNS else "str"
            terms.append(SortTerm(column, ob.ascending, kind, nullable=key.name == "end_time"))
            continue
        if key.kind not in _KEYED_TABLES:
            raise InvalidParameter(f"order_by[{i}]: runs cannot be ordered by {key}")
        row = _KEYED_TABLES[key.kind].alias(f"order_{i}")
        joins.append((row, sa.and_(row.c.run_uuid == runs.c.run_uuid, row.c.key == key.name)))
        missing = row.c.run_uuid.is_(None)
        if key.kind == "metric":
            bucket = sa.case((row.c.kind == _NAN_KIND, 1), (missing, 2), else_=0)
            terms.append(SortTerm(bucket, True, "int"))
            terms.append(SortTerm(row.c.value, ob.ascending, "float", nullable=True))
            if i == 0:
                nan = row.c.kind == _NAN_KIND
                phases = [(row.c.value.is_not(None), True), (nan, True), (missing, False)]
        else:
            terms.append(SortTerm(sa.case((missing, 1), else_=0), True, "int"))
            terms.append(SortTerm(row.c.value, ob.ascending, "str", nullable=True))
            if i == 0:
                phases = [(sa.true(), True), (missing, False)]
    if "start_time" not in ordered:
        terms.append(SortTerm(runs.c.start_time, False, "int"))
    if "run_id" not in ordered:
        terms.append(SortTerm(runs.c.run_uuid, True, "str"))
    first_run_id = joins[0][0].c.run_uuid if joins else None
    return Ordering(
        _joined(joins, first_inner=False),
        terms,
        [
            Phase(_joined(joins, first_inner=inner), cond, first_run_id if inner else None)
            for cond, inner in phases
        ],
    )


def _joined(joins: list[tuple[Any, Any]], *, first_inner: bool) -> Any:
    """Runs with the rows of the keyed sorts: outer joins (a run may lack the key), except
    an inner join for the first one within a bucket of runs that have it."""
    source: Any = runs
    for i, (row, on) in enumerate(joins):
        source = source.join(row, on) if i == 0 and first_inner else source.outerjoin(row, on)
    return source


# -- experiments ----------------------------------------------------------------------------


def experiment_condition(node: Node) -> sa.ColumnElement[bool]:
    if isinstance(node, And):
        return sa.and_(*(experiment_condition(p) for p in node.parts))
    if not isinstance(node, Comparison):
        return sa.or_(*(experiment_condition(p) for p in node.parts))
    key, op = node.key, node.op
    if key.kind == "tag":
        match = sa.select(sa.literal(1)).where(
            experiment_tags.c.experiment_id == experiments.c.experiment_id,
            experiment_tags.c.key == key.name,
        )
        if op == "IS NULL":
            return ~sa.exists(match)
        if op == "IS NOT NULL":
            return sa.exists(match)
        return sa.exists(match.where(compare(experiment_tags.c.value, op, node.value)))
    column = EXPERIMENT_COLUMNS[key.name]
    if op in ("IS NULL", "IS NOT NULL"):
        return _null_test(column, op)
    value = node.value if key.name == "name" else _whole(node.value)
    return compare(column, op, value)


def experiment_ordering(order_by: Sequence[OrderBy]) -> Ordering:
    """Newest first by default (then id ASC, as MLflow); otherwise as asked, then id DESC."""
    if not order_by:
        return Ordering(
            experiments,
            [
                SortTerm(experiments.c.creation_time, False, "int"),
                SortTerm(experiments.c.experiment_id, True, "int"),
            ],
        )
    terms = []
    for i, ob in enumerate(order_by):
        if ob.key.kind != "attribute":
            raise InvalidParameter(f"order_by[{i}]: experiments cannot be ordered by {ob.key}")
        kind: SortKind = "str" if ob.key.name == "name" else "int"
        terms.append(SortTerm(EXPERIMENT_COLUMNS[ob.key.name], ob.ascending, kind))
    if not any(ob.key.name == "experiment_id" for ob in order_by):
        terms.append(SortTerm(experiments.c.experiment_id, False, "int"))
    return Ordering(experiments, terms)


__all__ = [
    "EXPERIMENT_COLUMNS",
    "RUN_COLUMNS",
    "Ordering",
    "compare",
    "experiment_condition",
    "experiment_ordering",
    "like_pattern",
    "run_condition",
    "run_ordering",
]
