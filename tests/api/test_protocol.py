"""The wire contract: the error shape, both URL prefixes, and protobuf-JSON leniency."""

from __future__ import annotations

import math

import pytest
from starlette.testclient import TestClient

from tests.api.conftest import API, Ids, make_ids, run_data
from trackbook.errors import (
    BadRequest,
    EndpointNotFound,
    InternalError,
    InvalidParameter,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    ResourceExhausted,
    TrackbookError,
    Unauthenticated,
)
from trackbook.web.api import ENDPOINTS, PREFIXES


def test_the_error_shape_is_pinned(shared_api: TestClient) -> None:
    r = shared_api.get(API + "experiments/get", params={"experiment_id": "987654321"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "experiment_id: no experiment with id '987654321'",
    }


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (InvalidParameter, "INVALID_PARAMETER_VALUE", 400),
        (BadRequest, "BAD_REQUEST", 400),
        (ResourceAlreadyExists, "RESOURCE_ALREADY_EXISTS", 400),
        (Unauthenticated, "UNAUTHENTICATED", 401),
        (PermissionDenied, "PERMISSION_DENIED", 403),
        (ResourceDoesNotExist, "RESOURCE_DOES_NOT_EXIST", 404),
        (EndpointNotFound, "ENDPOINT_NOT_FOUND", 404),
        (ResourceExhausted, "RESOURCE_EXHAUSTED", 429),
        (InternalError, "INTERNAL_ERROR", 500),
    ],
)
def test_each_error_class_maps_to_its_code_and_status(
    cls: type[TrackbookError], code: str, status: int
) -> None:
    err = cls("field: what went wrong")
    assert (err.error_code, err.http_status) == (code, status)
    assert err.to_json() == {"error_code": code, "message": "field: what went wrong"}


def test_an_unexpected_error_is_a_json_500_without_details(tmp_path: object) -> None:
    from trackbook.config import Settings
    from trackbook.web.app import create_app

    app = create_app(
        Settings(backend_store_uri="sqlite:///", artifacts_destination=str(tmp_path)),
    )

    async def boom(_request: object) -> None:
        raise RuntimeError("secret detail")

    app.add_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"error_code": "INTERNAL_ERROR", "message": "internal error: RuntimeError"}


@pytest.mark.parametrize(("path", "methods"), [(e.path, e.methods) for e in ENDPOINTS])
def test_every_endpoint_answers_under_both_prefixes(
    shared_api: TestClient, path: str, methods: tuple[str, ...]
) -> None:
    # An empty request is some error or an answer; either way the same under both
    # prefixes, and never "no such endpoint".
    answers = []
    for prefix in PREFIXES:
        r = shared_api.request(methods[0], prefix + path)
        assert r.status_code != 404 or r.json()["error_code"] != "ENDPOINT_NOT_FOUND", prefix
        assert r.status_code < 500, r.text
        answers.append((r.status_code, r.json().get("error_code")))
    assert answers[0] == answers[1]


def test_both_prefixes_read_the_same_data(shared_api: TestClient, ids: Ids) -> None:
    a, b = (
        shared_api.get(prefix + "runs/get", params={"run_id": ids["run"]}).json()
        for prefix in PREFIXES
    )
    assert a == b
    assert a["run"]["info"]["run_id"] == ids["run"]


def test_int64_fields_may_be_strings_and_doubles_may_be_spelled(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    body = {"run_id": ids["run"], "key": "m", "timestamp": "1700000000000", "step": "7"}
    for value in ("1.5", "NaN", "Infinity", "-Infinity", 2):
        r = shared_api.post(
            API + "runs/log-metric", json={**body, "key": f"m{value}", "value": value}
        )
        assert r.status_code == 200, r.text
    metrics = {m["key"]: m for m in run_data(shared_api, ids["run"])["metrics"]}
    assert metrics["m1.5"]["value"] == 1.5
    assert metrics["m1.5"]["timestamp"] == 1_700_000_000_000
    assert metrics["m1.5"]["step"] == 7
    # Non-finite doubles go back out in protobuf-JSON's spelling.
    assert (metrics["mNaN"]["value"], metrics["mInfinity"]["value"]) == ("NaN", "Infinity")
    assert metrics["m-Infinity"]["value"] == "-Infinity"
    assert metrics["m2"]["value"] == 2.0

    r = shared_api.post(
        API + "runs/create", json={"experiment_id": int(ids["exp"]), "start_time": "12345"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["run"]["info"]["start_time"] == 12345
    r = shared_api.post(API + "experiments/search", json={"max_results": "2"})
    assert r.status_code == 200, r.text


def test_a_missing_timestamp_means_now_and_a_missing_step_means_zero(
    shared_api: TestClient,
) -> None:
    ids = make_ids(shared_api)
    r = shared_api.post(
        API + "runs/log-metric", json={"run_id": ids["run"], "key": "m", "value": 1}
    )
    assert r.status_code == 200, r.text
    (point,) = run_data(shared_api, ids["run"])["metrics"]
    assert point["step"] == 0
    assert point["timestamp"] > 1_600_000_000_000


@pytest.mark.parametrize(
    ("view_type", "expected"),
    [
        ("ACTIVE_ONLY", {"alive"}),
        ("deleted_only", {"dead"}),
        ("ALL", {"alive", "dead"}),
        (1, {"alive"}),
        (2, {"dead"}),
        (3, {"alive", "dead"}),
        ("3", {"alive", "dead"}),
        (None, {"alive"}),
    ],
)
def test_enums_as_names_or_numbers(api: TestClient, view_type: object, expected: set[str]) -> None:
    for name in ("alive", "dead"):
        api.post(API + "experiments/create", json={"name": name})
    dead = api.get(API + "experiments/get-by-name", params={"experiment_name": "dead"}).json()
    api.post(
        API + "experiments/delete", json={"experiment_id": dead["experiment"]["experiment_id"]}
    )
    body = {} if view_type is None else {"view_type": view_type}
    r = api.post(API + "experiments/search", json=body)
    assert r.status_code == 200, r.text
    assert {e["name"] for e in r.json()["experiments"]} - {"Default"} == expected
    query = {} if view_type is None else {"view_type": str(view_type)}
    r = api.get(API + "experiments/search", params=query)
    assert {e["name"] for e in r.json()["experiments"]} - {"Default"} == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [("FINISHED", "FINISHED"), ("killed", "KILLED"), (4, "FAILED"), ("2", "SCHEDULED")],
)
def test_run_status_as_name_or_number(
    shared_api: TestClient, status: object, expected: str
) -> None:
    ids = make_ids(shared_api)
    r = shared_api.post(API + "runs/update", json={"run_id": ids["run"], "status": status})
    assert r.status_code == 200, r.text
    assert r.json()["run_info"]["status"] == expected


def test_run_uuid_stands_in_for_run_id(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    run = ids["run"]
    for path, body in [
        ("runs/log-metric", {"key": "m", "value": 1.0, "timestamp": 1}),
        ("runs/log-parameter", {"key": "p", "value": "v"}),
        ("runs/set-tag", {"key": "t", "value": "v"}),
        ("runs/log-batch", {"metrics": [{"key": "b", "value": 2.0, "timestamp": 2}]}),
        ("runs/update", {"status": "FINISHED"}),
    ]:
        r = shared_api.post(API + path, json={"run_uuid": run, **body})
        assert r.status_code == 200, (path, r.text)
    got = shared_api.get(API + "runs/get", params={"run_uuid": run}).json()["run"]
    assert got["info"]["status"] == "FINISHED"
    assert {m["key"] for m in got["data"]["metrics"]} == {"m", "b"}
    history = shared_api.get(
        API + "metrics/get-history", params={"run_uuid": run, "metric_key": "m"}
    )
    assert [p["value"] for p in history.json()["metrics"]] == [1.0]
    # The mlflow client sends both, equal.
    r = shared_api.get(API + "runs/get", params={"run_id": run, "run_uuid": run})
    assert r.status_code == 200


def test_query_strings_repeat_list_fields(shared_api: TestClient) -> None:
    a, b = make_ids(shared_api), make_ids(shared_api)
    r = shared_api.get(
        API + "runs/search", params=[("experiment_ids", a["exp"]), ("experiment_ids", b["exp"])]
    )
    assert r.status_code == 200, r.text
    assert {x["info"]["run_id"] for x in r.json()["runs"]} == {a["run"], b["run"]}
    r = shared_api.get(
        API + "metrics/get-history-bulk-interval",
        params=[("run_ids", a["run"]), ("run_ids", b["run"]), ("metric_key", "m")],
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"metrics": []}


def test_unknown_fields_are_ignored(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    r = shared_api.post(
        API + "runs/log-metric",
        json={"run_id": ids["run"], "key": "m", "value": 1.0, "timestamp": 1, "model_id": "x"},
    )
    assert r.status_code == 200, r.text
    assert not math.isnan(run_data(shared_api, ids["run"])["metrics"][0]["value"])


@pytest.mark.parametrize("body", [{}, {"experiment_id": ""}, {"experiment_id": None}])
def test_a_run_without_an_experiment_goes_to_default(shared_api: TestClient, body: dict) -> None:
    r = shared_api.post(API + "runs/create", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["run"]["info"]["experiment_id"] == "0"
