"""Metric points: writing them (with the latest-value table) and reading histories."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import Metric, Page
from trackbook.store import paging
from trackbook.store.engine import Database, Prepared
from trackbook.store.schema import latest_metrics, metrics, runs

FINITE, NAN, POS_INF, NEG_INF = 0, 1, 2, 3
_MAX = sys.float_info.max

DEFAULT_HISTORY_PAGE = 25_000
MAX_HISTORY_PAGE = 25_000
MAX_BULK_RUNS = 100
DEFAULT_BULK_POINTS = 320
MAX_BULK_POINTS = 10_000


def encode(value: float) -> tuple[float, int]:
    """The (stored value, kind) pair for a double; see the ``metrics`` table."""
    if value - value == 0.0:  # finite: the common case, checked first and cheaply
        return value, FINITE
    if value != value:
        return 0.0, NAN
    return (_MAX, POS_INF) if value > 0 else (-_MAX, NEG_INF)


def decode(value: float | None, kind: int) -> float:
    if kind == FINITE:
        return value  # type: ignore[return-value]
    if kind == NAN:
        return math.nan
    return math.inf if kind == POS_INF else -math.inf


def _rank(timestamp: int, value: float) -> tuple[int, float]:
    """Order of "latest": newest timestamp, then largest value; NaN ranks lowest."""
    return (timestamp, -math.inf if value != value else value)


def latest_rows(run_id: str, points: Iterable[Metric]) -> list[dict[str, Any]]:
    """Rows for ``latest_metrics``, where NaN is stored as NULL."""
    rows = []
    for p in points:
        stored, kind = encode(p.value)
        rows.append(
            {
                "run_uuid": run_id,
                "key": p.key,
                "step": p.step,
                "timestamp": p.timestamp,
                "value": None if kind == NAN else stored,
                "kind": kind,
            }
        )
    return rows


_POINT_COLUMNS = ("run_uuid", "key", "step", "timestamp", "kind", "value")
_insert_sql_cache: dict[str, str] = {}


def _insert_points_sql(conn: sa.Connection) -> str:
    """A driver-level INSERT that skips exact duplicates (a retried request)."""
    dialect = conn.dialect
    sql = _insert_sql_cache.get(dialect.name)
    if sql is None:
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(c) for c in _POINT_COLUMNS)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        values = ", ".join([mark] * len(_POINT_COLUMNS))
        if dialect.name == "sqlite":
            sql = f"INSERT OR IGNORE INTO metrics ({columns}) VALUES ({values})"
        elif dialect.name == "mysql":
            sql = f"INSERT IGNORE INTO metrics ({columns}) VALUES ({values})"
        else:
            sql = f"INSERT INTO metrics ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING"
        _insert_sql_cache[dialect.name] = sql
    return sql


def latest_per_key(points: Iterable[Metric]) -> dict[str, Metric]:
    best: dict[str, Metric] = {}
    for p in points:
        cur = best.get(p.key)
        if cur is None or _rank(p.timestamp, p.value) > _rank(cur.timestamp, cur.value):
            best[p.key] = p
    return best


def insert_points(db: Database, conn: sa.Connection, run_id: str, points: Sequence[Metric]) -> None:
    """Append points and fold them into ``latest_metrics``, inside the caller's transaction."""
    if not points:
        return
    rows = []
    for p in points:
        stored, kind = encode(p.value)
        rows.append((run_id, p.key, p.step, p.timestamp, kind, stored))
    # Driver-level executemany: SQLAlchemy's per-row parameter processing would cost
    # more than the database's own work at a thousand points per request.
    conn.exec_driver_sql(_insert_points_sql(conn), rows)
    _upsert_latest(db, conn, run_id, latest_rows(run_id, latest_per_key(points).values()))


def _upsert_latest(
    db: Database, conn: sa.Connection, run_id: str, rows: list[dict[str, Any]]
) -> None:
    if db.is_mysql:
        _upsert_latest_mysql(conn, run_id, rows)
        return
    _UPSERT_LATEST.execute_many(conn, rows)


def _upsert_latest_statement(dialect: str) -> sa.Insert:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(latest_metrics)
    new, cur = stmt.excluded, latest_metrics.c
    # The stored value of NaN is NULL and ranks lowest, so a NULL candidate only wins on
    # a strictly newer timestamp.
    newer = sa.or_(
        new.timestamp > cur.timestamp,
        sa.and_(
            new.timestamp == cur.timestamp,
            new.value.is_not(None),
            sa.or_(cur.value.is_(None), new.value > cur.value),
        ),
    )
    return stmt.on_conflict_do_update(
        index_elements=[cur.run_uuid, cur.key],
        set_={c: new[c] for c in ("step", "timestamp", "value", "kind")},
        where=newer,
    )


_UPSERT_LATEST = Prepared(_upsert_latest_statement)


def _upsert_latest_mysql(conn: sa.Connection, run_id: str, rows: list[dict[str, Any]]) -> None:
    # MySQL's ON DUPLICATE KEY UPDATE evaluates assignments left to right against
    # already-updated columns, so the comparison is done here on rows locked FOR UPDATE.
    keys = [r["key"] for r in rows]
    existing = {
        r.key: r
        for r in conn.execute(
            sa.select(latest_metrics)
            .where(latest_metrics.c.run_uuid == run_id, latest_metrics.c.key.in_(keys))
            .with_for_update()
        )
    }
    changed = []
    for row in rows:
        old = existing.get(row["key"])
        if old is not None:
            old_rank = _rank(old.timestamp, decode(old.value, old.kind))
            if _rank(row["timestamp"], decode(row["value"], row["kind"])) <= old_rank:
                continue
        changed.append(row)
    if not changed:
        return
    stmt = mysql.insert(latest_metrics)
    stmt = stmt.on_duplicate_key_update(
        {c: stmt.inserted[c] for c in ("step", "timestamp", "value", "kind")}
    )
    conn.execute(stmt, changed)


def _row_to_metric(row: Any, with_run: bool = False) -> Metric:
    return Metric(
        key=row.key,
        value=decode(row.value, row.kind),
        timestamp=row.timestamp,
        step=row.step,
        run_id=row.run_uuid if with_run else None,
    )


def _require_run(conn: sa.Connection, run_id: str) -> None:
    found = conn.execute(sa.select(runs.c.run_uuid).where(runs.c.run_uuid == run_id)).first()
    if found is None:
        raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")


#: How protobuf-JSON spells the non-finite doubles, by stored kind.
JSON_NON_FINITE = {NAN: "NaN", POS_INF: "Infinity", NEG_INF: "-Infinity"}


def _history_statement(first_page: bool) -> Callable[[str], Any]:
    def build(_dialect: str) -> Any:
        m = metrics.c
        stmt = sa.select(m.value, m.kind, m.timestamp, m.step).where(
            m.run_uuid == sa.bindparam("run_id"), m.key == sa.bindparam("key")
        )
        if not first_page:
            after = sa.tuple_(
                sa.bindparam("step"),
                sa.bindparam("timestamp"),
                sa.bindparam("kind"),
                sa.bindparam("value"),
            )
            stmt = stmt.where(sa.tuple_(m.step, m.timestamp, m.kind, m.value) > after)
        return stmt.order_by(m.step, m.timestamp, m.kind, m.value).limit(sa.bindparam("limit"))

    return build


_HISTORY_FIRST = Prepared(_history_statement(first_page=True))
_HISTORY_NEXT = Prepared(_history_statement(first_page=False))


def history(
    db: Database,
    run_id: str,
    key: str,
    *,
    max_results: int | None = None,
    page_token: str | None = None,
) -> Page[Metric]:
    """Every point of one metric of one run in (step, timestamp) order, a page at a time."""
    rows, token = _history_rows(db, run_id, key, max_results, page_token)
    return Page([Metric(key, decode(v, k), ts, step) for v, k, ts, step in rows], token)


def history_documents(
    db: Database,
    run_id: str,
    key: str,
    *,
    max_results: int | None = None,
    page_token: str | None = None,
) -> Page[dict[str, Any]]:
    """:func:`history` as MLflow's JSON ``Metric`` objects, built straight from the rows
    (a page is up to 25,000 points; a record object per point would double its cost)."""
    rows, token = _history_rows(db, run_id, key, max_results, page_token)
    finite = FINITE
    points = [
        {
            "key": key,
            "value": v if k == finite else JSON_NON_FINITE[k],
            "timestamp": ts,
            "step": step,
        }
        for v, k, ts, step in rows
    ]
    return Page(points, token)


def _history_rows(
    db: Database, run_id: str, key: str, max_results: int | None, page_token: str | None
) -> tuple[Sequence[Any], str | None]:
    """A page of (value, kind, timestamp, step) rows and the next page's token.

    Pages are keyset pages on the points' primary-key order, so each page starts with an
    index seek however deep into the history it is (an offset would re-read every point
    before it)."""
    limit = paging.page_size("max_results", max_results, DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE)
    after = _history_cursor(page_token)
    values: dict[str, Any] = {"run_id": run_id, "key": key, "limit": limit + 1}
    with db.read() as conn:
        if after is None:
            rows = _HISTORY_FIRST.execute(conn, values).all()
            if not rows:
                _require_run(conn, run_id)
        else:
            values.update(zip(("step", "timestamp", "kind", "value"), after, strict=True))
            rows = _HISTORY_NEXT.execute(conn, values).all()
    token = None
    if len(rows) > limit:
        rows = rows[:limit]
        value, kind, timestamp, step = tuple(rows[-1])
        token = paging.encode_token({"after": [step, timestamp, kind, value]})
    return rows, token


def _history_cursor(token: str | None) -> list[Any] | None:
    state = paging.decode_token(token)
    if state is None:
        return None
    after = state.get("after")
    if (
        not isinstance(after, list)
        or len(after) != 4
        or any(isinstance(v, bool) or not isinstance(v, int) for v in after[:3])
        or isinstance(after[3], bool)
        or not isinstance(after[3], (int, float))
    ):
        raise paging.bad_token()
    return [after[0], after[1], after[2], float(after[3])]


def bulk_interval(
    db: Database,
    run_ids: Sequence[str],
    key: str,
    *,
    start_step: int | None = None,
    end_step: int | None = None,
    max_results: int | None = None,
) -> list[Metric]:
    """Up to ``max_results`` points per run, spread evenly over the steps of each run.

    The first and last step of every run are always kept, so a chart's line spans its
    whole range however few points it gets.
    """
    if not run_ids:
        raise InvalidParameter("run_ids: at least one run id is required")
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidParameter(
            f"run_ids: {len(run_ids)} runs requested; the limit is {MAX_BULK_RUNS}"
        )
    if (start_step is None) != (end_step is None):
        raise InvalidParameter("start_step, end_step: give both or neither")
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidParameter(f"start_step: {start_step} is greater than end_step {end_step}")
    per_run = paging.page_size("max_results", max_results, DEFAULT_BULK_POINTS, MAX_BULK_POINTS)
    m = metrics.c
    out: list[Metric] = []
    with db.read() as conn:
        for run_id in dict.fromkeys(run_ids):
            steps_q = sa.select(m.step).where(m.run_uuid == run_id, m.key == key)
            if start_step is not None:
                steps_q = steps_q.where(m.step.between(start_step, end_step))
            steps = conn.execute(steps_q.distinct().order_by(m.step)).scalars().all()
            chosen = sample_evenly(steps, per_run)
            if not chosen:
                continue
            rows = conn.execute(
                sa.select(m.run_uuid, m.key, m.value, m.kind, m.timestamp, m.step)
                .where(m.run_uuid == run_id, m.key == key, m.step.in_(chosen))
                .order_by(m.step, m.timestamp)
            )
            out.extend(_row_to_metric(r, with_run=True) for r in rows)
    return out


def sample_evenly(steps: Sequence[int], count: int) -> list[int]:
    """``count`` of the sorted ``steps``, evenly spaced, always with the first and last."""
    n = len(steps)
    if n <= count:
        return list(steps)
    if count == 1:
        return [steps[-1]]
    picks = {round(i * (n - 1) / (count - 1)) for i in range(count)}
    return [steps[i] for i in sorted(picks)]
