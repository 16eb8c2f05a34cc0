"""MLflow's tracking REST API, served under ``/api/2.0/mlflow/`` and ``/ajax-api/2.0/mlflow/``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from trackbook.store import Store
from trackbook.web.api import clients, experiments, logged_models, metrics, runs
from trackbook.web.api.routing import Endpoint, make_endpoint

PREFIXES = ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/")

ENDPOINTS: list[Endpoint] = [
    *experiments.ENDPOINTS,
    *runs.ENDPOINTS,
    *metrics.ENDPOINTS,
    *clients.ENDPOINTS,
    *logged_models.ENDPOINTS,
    *logged_models.PATH_ENDPOINTS,
]


def routes(get_store: Callable[[Request], Store], max_request_bytes: int) -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for endpoint in ENDPOINTS:
        handler = make_endpoint(endpoint, get_store, max_request_bytes)
        for prefix in PREFIXES:
            out.append(Route(prefix + endpoint.path, handler, methods=list(endpoint.methods)))
    return out
