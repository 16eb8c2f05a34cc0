"""Helpers for the in-process HTTP tests: a known experiment and run, and one way to call."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from trackbook.config import Settings
from trackbook.web.app import create_app

API = "/api/2.0/mlflow/"


class Ids(dict):  # type: ignore[type-arg]
    """``{"exp": <experiment id>, "run": <run id>}`` of objects made for one test."""


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One in-process app for a whole module: for the tables of failing requests, which
    write nothing (a fresh app per row would spend most of the time migrating SQLite)."""
    tmp = tmp_path_factory.mktemp("shared-api")
    settings = Settings(
        backend_store_uri=f"sqlite:///{tmp / 'trackbook.db'}",
        artifacts_destination=str(tmp / "artifacts"),
    )
    with TestClient(create_app(settings), base_url="http://trackbook.test") as client:
        yield client


@pytest.fixture(scope="module")
def ids(shared_api: TestClient) -> Ids:
    """An experiment and a run in ``shared_api``."""
    return make_ids(shared_api)


def make_ids(api: TestClient) -> Ids:
    made = Ids()
    r = api.post(API + "experiments/create", json={"name": f"known-{uuid.uuid4().hex}"})
    assert r.status_code == 200, r.text
    made["exp"] = r.json()["experiment_id"]
    r = api.post(API + "runs/create", json={"experiment_id": made["exp"], "run_name": "known"})
    assert r.status_code == 200, r.text
    made["run"] = r.json()["run"]["info"]["run_id"]
    return made


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Replace ``"{run}"`` and ``"{exp}"`` anywhere in a request body or query."""
    if isinstance(value, str):
        return ids.get(value[1:-1], value) if value[:1] == "{" and value[-1:] == "}" else value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def call(api: TestClient, method: str, path: str, body: Any = None) -> httpx.Response:
    """POST/PATCH send ``body`` as JSON; GET sends it as a query string."""
    url = path if path.startswith("/") else API + path
    if method == "GET":
        return api.get(url, params=body or {})
    return api.request(method, url, json=body if body is not None else {})


def assert_error(r: httpx.Response, status: int, code: str, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    payload = r.json()
    assert set(payload) == {"error_code", "message"}, payload
    assert payload["error_code"] == code, payload
    assert field in payload["message"], f"{field!r} not named in {payload['message']!r}"


def run_data(api: TestClient, run_id: str) -> dict[str, Any]:
    r = api.get(API + "runs/get", params={"run_id": run_id})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["run"]["data"]
    return data
