"""JSON endpoints shaped for the UI (``/ui/api/*``), next to the MLflow API it also uses.

* ``runs``: the runs table of one or more experiments as compact columns (``limit``
  asks for the first rows only, which the page shows while the rest arrive);
* ``keys``: the metric, param and tag keys of those experiments' runs;
* ``series``: a metric of up to 100 runs, downsampled for a chart.

Errors have the API's shape (``{"error_code", "message"}``) so the page can show
the message, e.g. where a filter went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from trackbook.errors import InvalidParameter, TrackbookError
from trackbook.store import Store
from trackbook.web.api.routing import JSONResponse
from trackbook.web.errors import error_response
from trackbook.web.ui import columns, query, run_keys, runs_table, series

GetStore = Callable[[Request], Store]


class UIApi:
    def __init__(self, get_store: GetStore) -> None:
        self.get_store = get_store

    async def _answer(
        self, request: Request, build: Callable[[Store, QueryParams], dict[str, Any]]
    ) -> Response:
        try:
            result = await run_in_threadpool(build, self.get_store(request), request.query_params)
        except TrackbookError as err:
            return error_response(err)
        return JSONResponse(result, headers={"Cache-Control": "no-store"})

    async def runs(self, request: Request) -> Response:
        return await self._answer(request, _runs)

    async def keys(self, request: Request) -> Response:
        return await self._answer(request, _keys)

    async def series(self, request: Request) -> Response:
        return await self._answer(request, _series)


def _experiments(params: QueryParams) -> list[str]:
    ids = query.experiment_ids("experiment_ids", params.get("experiment_ids"))
    if not ids:
        raise InvalidParameter("experiment_ids: at least one experiment id is required")
    return ids


def _runs(store: Store, params: QueryParams) -> dict[str, Any]:
    return runs_table.load(
        store.db,
        _experiments(params),
        filter_string=params.get("filter") or None,
        stage=query.choice(params, "stage", runs_table.STAGES, "active"),
        sort=columns.parse_sort("order", params.get("order")),
        columns=columns.picked("columns", query.split_list(params.get("columns"))),
        limit=query.integer(
            params, "limit", default=runs_table.MAX_ROWS, minimum=1, maximum=runs_table.MAX_ROWS
        )
        or runs_table.MAX_ROWS,
    )


def _keys(store: Store, params: QueryParams) -> dict[str, Any]:
    return run_keys.distinct_keys(store.db, _experiments(params))


def _series(store: Store, params: QueryParams) -> dict[str, Any]:
    ids = query.run_ids("run_ids", params.get("run_ids"), maximum=series.MAX_RUNS)
    if not ids:
        raise InvalidParameter("run_ids: at least one run id is required")
    key = params.get("key") or ""
    if not key:
        raise InvalidParameter("key: the metric to chart is required")
    points = series.points_per_run(
        len(ids),
        query.integer(params, "points", minimum=2, maximum=series.MAX_POINTS_PER_RUN),
    )
    start = query.integer(params, "start_step")
    end = query.integer(params, "end_step")
    if start is not None and end is not None and start > end:
        raise InvalidParameter(f"start_step: {start} is after end_step {end}")
    loaded = series.load(store.db, ids, key, points=points, start_step=start, end_step=end)
    return {"key": key, "points": points, "series": [s.to_json() for s in loaded]}
