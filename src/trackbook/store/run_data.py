"""A run's data — its latest metrics, params and tags — kept as one JSON document on its row.

A search page of 1,000 runs is otherwise ~18,000 child rows (five params, seven tags and
five metrics a run is typical), and reading them and building a Python object per row
is most of the page's time however the queries are written. With the document on the
run's row the page is 1,000 rows, and each run's data goes into the response as it is
stored (an ``orjson.Fragment``).

The document is kept exact, not eventually right: every transaction that changes a
run's params, tags or latest metrics locks the run's row first and rewrites the
document (:func:`refresh`) before it commits, so a reader never sees data the child
tables do not hold. Its shape is MLflow's ``RunData`` JSON, entries sorted by key. A
run whose data grows too large for that rewrite to stay cheap (:data:`MAX_BYTES`)
keeps NULL from then on, and readers build its document from the child tables
(:func:`encode_runs`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa

from trackbook.store import metrics as metric_points
from trackbook.store.engine import RowsForIds, driver_mark
from trackbook.store.schema import latest_metrics, params, tags

#: A document longer than this many characters (about 900 metrics, or a few long params)
#: is not kept: each change to the run would rewrite all of it, and such runs are rare
#: in a search page.
MAX_BYTES = 64 * 1024


PARAMS_OF_RUNS = RowsForIds(
    sa.select(params.c.run_uuid, params.c.key, params.c.value), params.c.run_uuid
)
TAGS_OF_RUNS = RowsForIds(sa.select(tags.c.run_uuid, tags.c.key, tags.c.value), tags.c.run_uuid)
METRICS_OF_RUNS = RowsForIds(
    sa.select(
        latest_metrics.c.run_uuid,
        latest_metrics.c.key,
        latest_metrics.c.value,
        latest_metrics.c.kind,
        latest_metrics.c.timestamp,
        latest_metrics.c.step,
    ),
    latest_metrics.c.run_uuid,
)


@dataclass
class Change:
    """What one transaction changed in a run's data, for :func:`refresh`."""

    params: list[tuple[str, str]] = field(default_factory=list)  # (key, value) written
    tags: list[tuple[str, str]] = field(default_factory=list)  # (key, value) written
    deleted_tags: list[str] = field(default_factory=list)
    metric_keys: list[str] = field(default_factory=list)  # keys that got points


def refresh(conn: sa.Connection, run_id: str, current: str | None, change: Change) -> None:
    """Bring the document of one run up to date inside the caller's transaction, after
    ``change``; ``current`` is the document the run's row held when the transaction
    locked it.

    The document is patched, not rebuilt: written params and tags are set in place, and
    only the latest values of the metric keys that got points are read again (the
    database decides which point is the latest). A run whose row holds no document stays
    without one: its data is too large to rewrite on every change, and readers build it
    from the child tables."""
    if current is None:
        return
    data = orjson.loads(current)
    _set_pairs(data["params"], change.params)
    _set_pairs(data["tags"], change.tags)
    if change.deleted_tags:
        gone = set(change.deleted_tags)
        data["tags"] = [e for e in data["tags"] if e["key"] not in gone]
    if change.metric_keys:
        fresh = _metrics(
            (run_id, *row) for row in _latest_of_keys(conn, run_id, change.metric_keys)
        )
        _set_entries(data["metrics"], fresh)
    store(conn, [(run_id, _storable(orjson.dumps(data).decode()))])


def _set_pairs(entries: list[dict[str, Any]], pairs: Sequence[tuple[str, str]]) -> None:
    if pairs:
        _set_entries(entries, [{"key": key, "value": value} for key, value in pairs])


def _set_entries(entries: list[dict[str, Any]], new: Sequence[dict[str, Any]]) -> None:
    """Put ``new`` entries into the key-sorted ``entries``, replacing those of equal key."""
    keys = [e["key"] for e in entries]
    for entry in new:
        at = bisect.bisect_left(keys, entry["key"])
        if at < len(keys) and keys[at] == entry["key"]:
            entries[at] = entry
        else:
            keys.insert(at, entry["key"])
            entries.insert(at, entry)


def _latest_of_keys(conn: sa.Connection, run_id: str, keys: Sequence[str]) -> Sequence[Any]:
    return rows_of_keys(
        conn, "latest_metrics", ("value", "kind", "timestamp", "step"), run_id, keys
    )


def rows_of_keys(
    conn: sa.Connection, table: str, columns: Sequence[str], run_id: str, keys: Sequence[str]
) -> Sequence[Any]:
    """``key`` and ``columns`` of the rows of one run's ``keys`` in a (run_uuid, key)
    table, through the driver (this runs inside every log call)."""
    quote = conn.dialect.identifier_preparer.quote
    mark = driver_mark(conn)
    key = quote("key")
    selected = ", ".join([key, *(quote(c) for c in columns)])
    sql = (
        f"SELECT {selected} FROM {table}"
        f" WHERE run_uuid = {mark} AND {key} IN ({', '.join([mark] * len(keys))})"
    )
    return conn.exec_driver_sql(sql, (run_id, *keys)).all()


def store(conn: sa.Connection, documents: Iterable[tuple[str, str | None]]) -> None:
    """Write documents (None: too large to keep) onto their runs' rows."""
    mark = driver_mark(conn)
    conn.exec_driver_sql(
        f"UPDATE runs SET data_json = {mark} WHERE run_uuid = {mark}",
        [(document, run_id) for run_id, document in documents],
    )


def encode(
    metric_rows: Iterable[Sequence[Any]],
    param_rows: Iterable[Sequence[Any]],
    tag_rows: Iterable[Sequence[Any]],
) -> str:
    """The document of one run from its rows (run id first, as :data:`METRICS_OF_RUNS`,
    :data:`PARAMS_OF_RUNS` and :data:`TAGS_OF_RUNS` return them)."""
    data = {
        "metrics": _metrics(metric_rows),
        "params": _pairs(param_rows),
        "tags": _pairs(tag_rows),
    }
    return orjson.dumps(data).decode()


def encode_runs(conn: sa.Connection, run_ids: Sequence[str]) -> dict[str, str]:
    """Documents for runs built from their child tables (for runs whose row keeps none,
    and for refreshing), one query per entity type. Unknown ids get an empty document."""
    grouped: dict[str, tuple[list[Any], list[Any], list[Any]]] = {
        rid: ([], [], []) for rid in run_ids
    }
    for index, query in enumerate((METRICS_OF_RUNS, PARAMS_OF_RUNS, TAGS_OF_RUNS)):
        current, rows = "", None
        for row in query.rows(conn, run_ids):
            if row[0] != current:
                current, rows = row[0], grouped[row[0]][index]
            rows.append(row)  # type: ignore[union-attr]
    return {rid: encode(*lists) for rid, lists in grouped.items()}


def backfill(conn: sa.Connection, chunk: int = 500) -> int:
    """Write the document of every run that has none yet (used by the migration that
    added the column); returns how many runs were read."""
    done = 0
    after = ""
    while True:
        ids = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT run_uuid FROM runs WHERE run_uuid > :after ORDER BY run_uuid LIMIT :n"
                ),
                {"after": after, "n": chunk},
            )
        ]
        if not ids:
            return done
        documents = encode_runs(conn, ids)
        store(conn, [(rid, _storable(doc)) for rid, doc in documents.items()])
        done += len(ids)
        after = ids[-1]


def _storable(document: str | None) -> str | None:
    return None if document is None or len(document) > MAX_BYTES else document


def _metrics(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    out = []
    finite = metric_points.FINITE
    for _rid, key, value, kind, timestamp, step in sorted(rows, key=_by_key):
        stored = value if kind == finite else metric_points.JSON_NON_FINITE[kind]
        out.append({"key": key, "value": stored, "timestamp": timestamp, "step": step})
    return out


def _pairs(rows: Iterable[Sequence[Any]]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for _rid, key, value in sorted(rows, key=_by_key)]


def _by_key(row: Sequence[Any]) -> str:
    return row[1]
