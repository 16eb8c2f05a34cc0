"""``create_app``: the whole server as one ASGI application."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from trackbook import __version__
from trackbook.artifacts import ArtifactStore, open_artifact_store
from trackbook.config import Settings
from trackbook.errors import TrackbookError
from trackbook.store import Store
from trackbook.web import api, errors, ui
from trackbook.web.api import artifacts as artifact_api
from trackbook.web.api.routing import JSONResponse


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    artifacts: ArtifactStore | None = None,
) -> Starlette:
    """Build the server. Pass ``store`` to share one (tests, the local client); otherwise
    the store named by ``settings`` is opened when the app starts and closed when it stops.
    ``artifacts`` defaults to the store of ``settings.artifacts_destination``."""
    settings = settings or Settings.from_env()
    artifact_store = artifacts or open_artifact_store(settings)
    state: dict[str, Any] = {"store": store}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        owned = state["store"] is None
        if owned:
            state["store"] = Store.open(settings, migrate=settings.migrate_on_start)
        # What exists now (modules, the schema, compiled statements) lives as long as the
        # server: keep it out of the cycle collector's full passes, which otherwise scan
        # it all again every few requests (the usual tuning for long-running servers).
        # No collection first: it would add ~50 ms to start-up to free next to nothing.
        gc.freeze()
        try:
            yield
        finally:
            if owned:
                state["store"].close()
                state["store"] = None

    def get_store(_request: Request) -> Store:
        current = state["store"]
        if current is None:  # used without lifespan (e.g. a bare ASGI transport)
            current = state["store"] = Store.open(settings, migrate=settings.migrate_on_start)
        return current

    routes = [
        Route("/health", _health),
        Route("/version", _version),
        Route("/.well-known/databricks-config", _databricks_config),
        Route("/api/3.0/mlflow/server-info", _server_info),
        Route("/ajax-api/3.0/mlflow/server-info", _server_info),
        *api.routes(get_store, settings.max_request_bytes),
        *artifact_api.routes(get_store, lambda: artifact_store, settings),
        *ui.routes(get_store),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            TrackbookError: errors.on_trackbook_error,
            HTTPException: errors.on_http_exception,
            Exception: errors.on_unexpected,
        },
    )
    app.state.settings = settings
    return app


async def _health(_request: Request) -> Response:
    return PlainTextResponse("OK")


async def _version(_request: Request) -> Response:
    return PlainTextResponse(__version__)


async def _databricks_config(_request: Request) -> Response:
    # The Databricks SDK probes this before its first call; a plain 404 says
    # "not a Databricks workspace, use the host as given".
    return JSONResponse(
        {"error_code": "ENDPOINT_NOT_FOUND", "message": "not a Databricks workspace"},
        status_code=404,
    )


async def _server_info(_request: Request) -> Response:
    return JSONResponse(
        {
            "store_type": "SqlStore",
            "workspaces_enabled": False,
            "trace_archival_enabled": False,
            "multipart_uploads_enabled": artifact_api.MULTIPART_UPLOADS_ENABLED,
            "multipart_downloads_enabled": artifact_api.MULTIPART_DOWNLOADS_ENABLED,
        }
    )


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` worker processes: settings come from TRACKBOOK_*."""
    return create_app(Settings.from_env())
