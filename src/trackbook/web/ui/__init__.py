"""The web UI: server-rendered pages, small ES modules, and the JSON endpoints they use.

``routes(get_store)`` gives the pages (``/``, ``/experiments/<ids>``,
``/runs/<id>``, ``/compare``), the UI's JSON endpoints (``/ui/api/*``), its
static files (``/ui/static/*``) and plotly.js from the installed ``plotly``
package (``/ui/vendor/plotly.min.js``).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route, request_response

from trackbook.store import Store
from trackbook.web.ui.assets import (
    PlotlyBundle,
    RevalidatedStaticFiles,
    plotly_bundle_path,
    plotly_version,
)
from trackbook.web.ui.json_api import UIApi
from trackbook.web.ui.pages import PageViews, experiments_redirect
from trackbook.web.ui.templating import STATIC, Pages

PLOTLY_PATH = "/ui/vendor/plotly.min.js"


def routes(get_store: Callable[[Request], Store]) -> list[BaseRoute]:
    plotly = PlotlyBundle(plotly_bundle_path())
    pages = Pages(on_render=plotly.prepare)
    pages.env.globals["plotly_url"] = f"{PLOTLY_PATH}?v={plotly_version()}"
    views = PageViews(get_store, pages)
    api = UIApi(get_store)

    def gzipped(handler: Callable[..., object]) -> GZipMiddleware:
        return GZipMiddleware(request_response(handler), minimum_size=1024, compresslevel=5)  # type: ignore[arg-type]

    return [
        Route("/", views.experiments, methods=["GET"]),
        Route("/experiments", experiments_redirect, methods=["GET"]),
        Route("/experiments/{ids}", views.experiment, methods=["GET"]),
        Route("/runs/{run_id}", views.run, methods=["GET"]),
        Route("/compare", views.compare, methods=["GET"]),
        Route("/ui/api/runs", gzipped(api.runs), methods=["GET"]),
        Route("/ui/api/keys", gzipped(api.keys), methods=["GET"]),
        Route("/ui/api/series", gzipped(api.series), methods=["GET"]),
        Route(PLOTLY_PATH, plotly.serve, methods=["GET"]),
        Mount(
            "/ui/static",
            app=GZipMiddleware(
                RevalidatedStaticFiles(directory=STATIC), minimum_size=1024, compresslevel=5
            ),
            name="ui-static",
        ),
    ]
