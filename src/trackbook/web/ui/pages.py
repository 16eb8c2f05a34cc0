"""The UI's HTML pages: each parses its URL, makes its store calls and renders a template.

What a page shows is fully described by its URL, so links reproduce views.
The interactive parts (runs table, charts, artifact browser) are ES modules
that read the same URL and call the JSON endpoints in ``json_api``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from trackbook.errors import InvalidParameter, ResourceDoesNotExist, TrackbookError
from trackbook.models import Experiment, Run
from trackbook.store import Store
from trackbook.web.ui import compare_view, experiment_list, query, run_summary
from trackbook.web.ui.templating import Pages

GetStore = Callable[[Request], Store]
MAX_COMPARE_RUNS = 100

SYSTEM_TAG_PREFIX = "mlflow."
NOTE_TAG = "mlflow.note.content"
PARENT_TAG = "mlflow.parentRunId"


class PageViews:
    def __init__(self, get_store: GetStore, pages: Pages) -> None:
        self.get_store = get_store
        self.pages = pages

    async def _render(
        self, request: Request, build: Callable[[Store], tuple[str, dict[str, Any]]]
    ) -> Response:
        try:
            name, context = await run_in_threadpool(build, self.get_store(request))
        except TrackbookError as err:
            return self.pages.render(
                "error.html",
                status_code=err.http_status,
                title="Error",
                error_code=err.error_code,
                message=err.message,
            )
        return self.pages.render(name, **context)

    # -- experiments list ------------------------------------------------------
    async def experiments(self, request: Request) -> Response:
        params = request.query_params

        def build(store: Store) -> tuple[str, dict[str, Any]]:
            sort = params.get("sort") or experiment_list.DEFAULT_SORT
            if sort not in experiment_list.SORTS:
                sort = experiment_list.DEFAULT_SORT
            page = query.integer(params, "page", default=1, minimum=1) or 1
            text = params.get("q", "")
            show_deleted = params.get("deleted") == "1"
            listing = experiment_list.search(
                store.db,
                text=text,
                show_deleted=show_deleted,
                sort=sort,
                offset=(page - 1) * experiment_list.PAGE_SIZE,
            )
            return "experiments.html", {
                "title": "Experiments",
                "listing": listing,
                "q": text,
                "show_deleted": show_deleted,
                "sort": sort,
                "page": page,
                "pages": max(1, -(-listing.total // listing.limit)),
            }

        return await self._render(request, build)

    # -- one or more experiments: runs table and charts --------------------------
    async def experiment(self, request: Request) -> Response:
        raw_ids = request.path_params["ids"]

        def build(store: Store) -> tuple[str, dict[str, Any]]:
            ids = query.experiment_ids("experiment_ids", raw_ids)
            if not ids:
                raise InvalidParameter("experiment_ids: no experiment id in the address")
            found = [store.experiments.get(i) for i in ids]
            return "experiment.html", {
                "title": ", ".join(e.name for e in found),
                "experiments": found,
                "descriptions": {e.experiment_id: _tag(e, NOTE_TAG) for e in found},
                "config": {
                    "experiments": [
                        {
                            "id": e.experiment_id,
                            "name": e.name,
                            "deleted": e.lifecycle_stage == "deleted",
                        }
                        for e in found
                    ]
                },
            }

        return await self._render(request, build)

    # -- one run ---------------------------------------------------------------
    async def run(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]

        def build(store: Store) -> tuple[str, dict[str, Any]]:
            run = store.runs.get(run_id)
            experiment = store.experiments.get(run.info.experiment_id)
            tags = {t.key: t.value for t in run.tags}
            parent = None
            if tags.get(PARENT_TAG):
                try:
                    parent = store.runs.get(tags[PARENT_TAG])
                except ResourceDoesNotExist:
                    parent = None
            summaries = run_summary.metric_summaries(store.db, run)
            return "run.html", {
                "title": run.info.run_name or run.info.run_id,
                "run": run,
                "experiment": experiment,
                "tags": tags,
                "user_tags": sorted(
                    (t for t in run.tags if not t.key.startswith(SYSTEM_TAG_PREFIX)),
                    key=lambda t: t.key,
                ),
                "system_tags": sorted(
                    (t for t in run.tags if t.key.startswith(SYSTEM_TAG_PREFIX)),
                    key=lambda t: t.key,
                ),
                "params": sorted(run.params, key=lambda p: p.key),
                "metrics": summaries,
                "models": run_summary.logged_models(run),
                "parent": parent,
                "config": {
                    "run_id": run.info.run_id,
                    "experiment_id": run.info.experiment_id,
                    "artifact_uri": run.info.artifact_uri,
                    "charted_metrics": [s.key for s in summaries if s.count > 1],
                },
            }

        return await self._render(request, build)

    # -- compare runs ------------------------------------------------------------
    async def compare(self, request: Request) -> Response:
        params = request.query_params

        def build(store: Store) -> tuple[str, dict[str, Any]]:
            ids = query.run_ids("runs", params.get("runs"), maximum=MAX_COMPARE_RUNS)
            if len(ids) < 1:
                raise InvalidParameter("runs: choose at least one run to compare")
            found: list[Run] = [store.runs.get(i) for i in ids]
            experiments: dict[str, Experiment] = {}
            for r in found:
                eid = r.info.experiment_id
                if eid not in experiments:
                    experiments[eid] = store.experiments.get(eid)
            table = compare_view.build(found)
            return "compare.html", {
                "title": f"Compare {len(found)} runs",
                "runs": found,
                "experiments": experiments,
                "table": table,
                "config": compare_view.plot_data(found),
            }

        return await self._render(request, build)


def _tag(e: Experiment, key: str) -> str:
    return next((t.value for t in e.tags if t.key == key), "")


async def experiments_redirect(_request: Request) -> Response:
    return RedirectResponse("/", status_code=308)
