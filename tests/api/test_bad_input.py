"""Every client mistake is a 4xx MLflow JSON error whose message names the field.

Tables of (request -> status, error_code, field). ``"{run}"`` and ``"{exp}"`` stand for
a run and an experiment made for each test. GET requests send the body as a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.conftest import API, Ids, assert_error, call, fill
from trackbook.web.api import ENDPOINTS

BAD = "INVALID_PARAMETER_VALUE"
MISSING = "RESOURCE_DOES_NOT_EXIST"
NO_RUN = "0" * 32
NO_EXP = "987654321"

POST_PATHS = sorted(e.path for e in ENDPOINTS if "POST" in e.methods)
METRIC = {"run_id": "{run}", "key": "m", "value": 1.0, "timestamp": 1, "step": 0}
DATASET = {"name": "d", "digest": "abc", "source_type": "local", "source": "{}"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: Any
    status: int
    code: str
    field: str


def _case(method: str, path: str, body: Any, status: int, code: str, field: str, id: str) -> Any:
    return pytest.param(Case(method, path, body, status, code, field), id=id)


def _check(api: TestClient, ids: Ids, case: Case) -> None:
    r = call(api, case.method, case.path, fill(case.body, ids))
    assert_error(r, case.status, case.code, case.field)


# -- the body itself -----------------------------------------------------------------------


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"name": "x",}', b"\xff\xfe", b'{"a": NaN'], ids=repr
)
def test_malformed_json(shared_api: TestClient, path: str, raw: bytes) -> None:
    r = shared_api.post(API + path, content=raw, headers={"content-type": "application/json"})
    assert_error(r, 400, "BAD_REQUEST", "request body")


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("raw", [b"[]", b"[{}]", b"1", b'"text"', b"null", b"true"], ids=repr)
def test_body_not_an_object(shared_api: TestClient, path: str, raw: bytes) -> None:
    r = shared_api.post(API + path, content=raw, headers={"content-type": "application/json"})
    assert_error(r, 400, "BAD_REQUEST", "request body")


# -- wrong types -----------------------------------------------------------------------------

WRONG_TYPES = [
    _case("POST", "experiments/create", {"name": 5}, 400, BAD, "name", "name-int"),
    _case("POST", "experiments/create", {"name": ["a"]}, 400, BAD, "name", "name-list"),
    _case("POST", "experiments/create", {"name": True}, 400, BAD, "name", "name-bool"),
    _case(
        "POST",
        "experiments/create",
        {"name": "x", "artifact_location": 5},
        400,
        BAD,
        "artifact_location",
        "location-int",
    ),
    _case("POST", "experiments/create", {"name": "x", "tags": "t"}, 400, BAD, "tags", "tags-str"),
    _case("POST", "experiments/create", {"name": "x", "tags": [1]}, 400, BAD, "tags[0]", "tag-int"),
    _case(
        "POST",
        "experiments/create",
        {"name": "x", "tags": [{"key": 1, "value": "v"}]},
        400,
        BAD,
        "tags[0].key",
        "tag-key-int",
    ),
    _case(
        "POST",
        "experiments/create",
        {"name": "x", "tags": [{"key": "k", "value": ["v"]}]},
        400,
        BAD,
        "tags[0].value",
        "tag-value-list",
    ),
    _case("POST", "experiments/search", {"max_results": "ten"}, 400, BAD, "max_results", "max-str"),
    _case("POST", "experiments/search", {"max_results": True}, 400, BAD, "max_results", "max-bool"),
    _case("POST", "experiments/search", {"max_results": 1.5}, 400, BAD, "max_results", "max-float"),
    _case("POST", "experiments/search", {"max_results": [5]}, 400, BAD, "max_results", "max-list"),
    _case("POST", "experiments/search", {"filter": 5}, 400, BAD, "filter", "filter-int"),
    _case("POST", "experiments/search", {"filter": ["a"]}, 400, BAD, "filter", "filter-list"),
    _case("POST", "experiments/search", {"order_by": 5}, 400, BAD, "order_by", "order-int"),
    _case("POST", "experiments/search", {"order_by": [5]}, 400, BAD, "order_by[0]", "order-item"),
    _case("POST", "experiments/search", {"page_token": 5}, 400, BAD, "page_token", "token-int"),
    _case("POST", "experiments/search", {"view_type": True}, 400, BAD, "view_type", "view-bool"),
    _case("POST", "experiments/search", {"view_type": []}, 400, BAD, "view_type", "view-list"),
    _case("POST", "runs/create", {"experiment_id": True}, 400, BAD, "experiment_id", "eid-bool"),
    _case("POST", "runs/create", {"experiment_id": ["1"]}, 400, BAD, "experiment_id", "eid-list"),
    _case("POST", "runs/create", {"start_time": "yesterday"}, 400, BAD, "start_time", "start-str"),
    _case("POST", "runs/create", {"start_time": True}, 400, BAD, "start_time", "start-bool"),
    _case("POST", "runs/create", {"user_id": 5}, 400, BAD, "user_id", "user-int"),
    _case("POST", "runs/create", {"run_name": {}}, 400, BAD, "run_name", "name-object"),
    _case(
        "POST",
        "runs/create",
        {"tags": [{"key": "a", "value": 5}]},
        400,
        BAD,
        "tags[0].value",
        "tag-value-int",
    ),
    _case("POST", "runs/update", {"run_id": "{run}", "end_time": "x"}, 400, BAD, "end_time", "end"),
    _case("POST", "runs/update", {"run_id": "{run}", "run_name": 5}, 400, BAD, "run_name", "name"),
    _case("POST", "runs/update", {"run_id": "{run}", "status": True}, 400, BAD, "status", "status"),
    _case("POST", "runs/update", {"run_id": 5}, 400, BAD, "run_id", "run-id-int"),
    _case("POST", "runs/log-metric", {**METRIC, "value": "abc"}, 400, BAD, "value", "value-str"),
    _case("POST", "runs/log-metric", {**METRIC, "value": True}, 400, BAD, "value", "value-bool"),
    _case("POST", "runs/log-metric", {**METRIC, "value": [1]}, 400, BAD, "value", "value-list"),
    _case("POST", "runs/log-metric", {**METRIC, "value": {}}, 400, BAD, "value", "value-object"),
    _case("POST", "runs/log-metric", {**METRIC, "timestamp": "abc"}, 400, BAD, "timestamp", "ts"),
    _case("POST", "runs/log-metric", {**METRIC, "timestamp": 1.5}, 400, BAD, "timestamp", "ts-f"),
    _case("POST", "runs/log-metric", {**METRIC, "timestamp": [1]}, 400, BAD, "timestamp", "ts-l"),
    _case("POST", "runs/log-metric", {**METRIC, "timestamp": True}, 400, BAD, "timestamp", "ts-b"),
    _case(
        "POST",
        "runs/log-metric",
        {**METRIC, "timestamp": 2**63},
        400,
        BAD,
        "timestamp",
        "ts-over-int64",
    ),
    _case("POST", "runs/log-metric", {**METRIC, "step": "x"}, 400, BAD, "step", "step-str"),
    _case("POST", "runs/log-metric", {**METRIC, "step": True}, 400, BAD, "step", "step-bool"),
    _case("POST", "runs/log-metric", {**METRIC, "step": "+-5"}, 400, BAD, "step", "step-signs"),
    _case("POST", "runs/log-metric", {**METRIC, "step": "²"}, 400, BAD, "step", "step-superscript"),
    _case("POST", "runs/log-metric", {**METRIC, "key": ["m"]}, 400, BAD, "key", "key-list"),
    _case("POST", "runs/log-metric", {**METRIC, "key": 5}, 400, BAD, "key", "key-int"),
    _case("POST", "runs/log-metric", {**METRIC, "run_id": 5}, 400, BAD, "run_id", "run-int"),
    _case("POST", "runs/log-metric", {**METRIC, "run_id": ["x"]}, 400, BAD, "run_id", "run-list"),
    _case(
        "POST",
        "runs/log-parameter",
        {"run_id": "{run}", "key": "p", "value": 5},
        400,
        BAD,
        "value",
        "param-value-int",
    ),
    _case(
        "POST",
        "runs/log-parameter",
        {"run_id": "{run}", "key": "p", "value": ["a"]},
        400,
        BAD,
        "value",
        "param-value-list",
    ),
    _case(
        "POST",
        "runs/set-tag",
        {"run_id": "{run}", "key": "t", "value": {}},
        400,
        BAD,
        "value",
        "tag-value-object",
    ),
    _case(
        "POST",
        "runs/set-tag",
        {"run_id": "{run}", "key": False, "value": "v"},
        400,
        BAD,
        "key",
        "tag-key-bool",
    ),
    _case("POST", "runs/log-batch", {"run_id": "{run}", "metrics": {}}, 400, BAD, "metrics", "m"),
    _case("POST", "runs/log-batch", {"run_id": "{run}", "metrics": "x"}, 400, BAD, "metrics", "ms"),
    _case(
        "POST", "runs/log-batch", {"run_id": "{run}", "metrics": [1]}, 400, BAD, "metrics[0]", "mi"
    ),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "metrics": [{"key": "m", "value": True, "timestamp": 1}]},
        400,
        BAD,
        "metrics[0].value",
        "metric-value-bool",
    ),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "params": [{"key": "a", "value": "1"}, {"key": 5, "value": "v"}]},
        400,
        BAD,
        "params[1].key",
        "param-key-int",
    ),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": []}]},
        400,
        BAD,
        "tags[1].value",
        "tag-value-list",
    ),
    _case(
        "POST", "runs/log-inputs", {"run_id": "{run}", "datasets": {}}, 400, BAD, "datasets", "d"
    ),
    _case(
        "POST",
        "runs/log-inputs",
        {"run_id": "{run}", "datasets": [{"dataset": "x"}]},
        400,
        BAD,
        "datasets[0].dataset",
        "dataset-str",
    ),
    _case(
        "POST",
        "runs/log-inputs",
        {"run_id": "{run}", "datasets": [{"dataset": {**DATASET, "name": 5}}]},
        400,
        BAD,
        "datasets[0].dataset.name",
        "dataset-name-int",
    ),
    _case(
        "POST",
        "runs/log-inputs",
        {
            "run_id": "{run}",
            "datasets": [{"dataset": DATASET, "tags": [{"key": "k", "value": 5}]}],
        },
        400,
        BAD,
        "datasets[0].tags[0].value",
        "input-tag-int",
    ),
    _case(
        "POST",
        "runs/log-model",
        {"run_id": "{run}", "model_json": {"a": 1}},
        400,
        BAD,
        "model_json",
        "model-object",
    ),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": [True]},
        400,
        BAD,
        "experiment_ids[0]",
        "eids-bool",
    ),
    _case("POST", "runs/search", {"experiment_ids": [{}]}, 400, BAD, "experiment_ids[0]", "eids-o"),
    _case("POST", "runs/search", {"max_results": "many"}, 400, BAD, "max_results", "max-str"),
    _case(
        "GET",
        "metrics/get-history",
        {"run_id": "{run}", "metric_key": "m", "max_results": "x"},
        400,
        BAD,
        "max_results",
        "history-max-str",
    ),
    _case(
        "GET",
        "metrics/get-history-bulk-interval",
        {"run_ids": "{run}", "metric_key": "m", "start_step": "x", "end_step": 5},
        400,
        BAD,
        "start_step",
        "bulk-start-str",
    ),
]


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_wrong_types(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


# -- missing required fields -------------------------------------------------------------

MISSING_FIELDS = [
    _case("POST", "experiments/create", {}, 400, BAD, "name", "create-name"),
    _case("POST", "experiments/create", {"name": ""}, 400, BAD, "name", "create-empty-name"),
    _case("POST", "experiments/create", {"name": "   "}, 400, BAD, "name", "create-blank-name"),
    _case(
        "POST",
        "experiments/create",
        {"name": "x", "tags": [{"value": "v"}]},
        400,
        BAD,
        "tags[0].key",
        "create-tag-key",
    ),
    _case("GET", "experiments/get", {}, 400, BAD, "experiment_id", "get"),
    _case("GET", "experiments/get", {"experiment_id": ""}, 400, BAD, "experiment_id", "get-empty"),
    _case("GET", "experiments/get-by-name", {}, 400, BAD, "experiment_name", "get-by-name"),
    _case("POST", "experiments/update", {}, 400, BAD, "experiment_id", "update"),
    _case("POST", "experiments/delete", {}, 400, BAD, "experiment_id", "delete"),
    _case("POST", "experiments/restore", {}, 400, BAD, "experiment_id", "restore"),
    _case(
        "POST",
        "experiments/set-experiment-tag",
        {"experiment_id": "{exp}", "value": "v"},
        400,
        BAD,
        "key",
        "set-tag-key",
    ),
    _case(
        "POST", "experiments/set-experiment-tag", {"key": "k"}, 400, BAD, "experiment_id", "set-id"
    ),
    _case(
        "POST",
        "experiments/delete-experiment-tag",
        {"experiment_id": "{exp}"},
        400,
        BAD,
        "key",
        "delete-tag-key",
    ),
    _case("GET", "runs/get", {}, 400, BAD, "run_id", "runs-get"),
    _case("GET", "runs/get", {"run_id": ""}, 400, BAD, "run_id", "runs-get-empty"),
    _case("POST", "runs/update", {"status": "FINISHED"}, 400, BAD, "run_id", "runs-update"),
    _case("POST", "runs/delete", {}, 400, BAD, "run_id", "runs-delete"),
    _case("POST", "runs/restore", {}, 400, BAD, "run_id", "runs-restore"),
    _case(
        "POST",
        "runs/log-metric",
        {k: v for k, v in METRIC.items() if k != "key"},
        400,
        BAD,
        "key",
        "metric-key",
    ),
    _case(
        "POST",
        "runs/log-metric",
        {k: v for k, v in METRIC.items() if k != "value"},
        400,
        BAD,
        "value",
        "metric-value",
    ),
    _case(
        "POST",
        "runs/log-metric",
        {k: v for k, v in METRIC.items() if k != "run_id"},
        400,
        BAD,
        "run_id",
        "metric-run",
    ),
    _case("POST", "runs/log-parameter", {"run_id": "{run}", "value": "v"}, 400, BAD, "key", "pk"),
    _case("POST", "runs/log-parameter", {"run_id": "{run}", "key": "p"}, 400, BAD, "value", "pv"),
    _case("POST", "runs/log-parameter", {"key": "p", "value": "v"}, 400, BAD, "run_id", "p-run"),
    _case("POST", "runs/set-tag", {"run_id": "{run}", "value": "v"}, 400, BAD, "key", "tag-key"),
    _case("POST", "runs/delete-tag", {"run_id": "{run}"}, 400, BAD, "key", "delete-tag-key"),
    _case("POST", "runs/log-batch", {"metrics": []}, 400, BAD, "run_id", "batch-run"),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "metrics": [{"key": "m", "timestamp": 1}]},
        400,
        BAD,
        "metrics[0].value",
        "batch-metric-value",
    ),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "params": [{"key": "p"}]},
        400,
        BAD,
        "params[0].value",
        "batch-param-value",
    ),
    _case(
        "POST",
        "runs/log-batch",
        {"run_id": "{run}", "tags": [{"value": "v"}]},
        400,
        BAD,
        "tags[0].key",
        "batch-tag-key",
    ),
    _case("POST", "runs/log-inputs", {"datasets": []}, 400, BAD, "run_id", "inputs-run"),
    _case(
        "POST",
        "runs/log-inputs",
        {"run_id": "{run}", "datasets": [{"tags": []}]},
        400,
        BAD,
        "datasets[0].dataset",
        "inputs-dataset",
    ),
    _case(
        "POST",
        "runs/log-inputs",
        {"run_id": "{run}", "datasets": [{"dataset": {**DATASET, "digest": ""}}]},
        400,
        BAD,
        "datasets[0].dataset.digest",
        "inputs-digest",
    ),
    _case(
        "POST",
        "runs/log-inputs",
        {"run_id": "{run}", "datasets": [{"dataset": {"name": "d", "digest": "x", "source": "s"}}]},
        400,
        BAD,
        "datasets[0].dataset.source_type",
        "inputs-source-type",
    ),
    _case("POST", "runs/log-model", {"run_id": "{run}"}, 400, BAD, "model_json", "model-json"),
    _case("POST", "runs/log-model", {"model_json": "{}"}, 400, BAD, "run_id", "model-run"),
    _case("GET", "metrics/get-history", {"run_id": "{run}"}, 400, BAD, "metric_key", "history-key"),
    _case("GET", "metrics/get-history", {"metric_key": "m"}, 400, BAD, "run_id", "history-run"),
    _case(
        "GET",
        "metrics/get-history-bulk-interval",
        {"metric_key": "m"},
        400,
        BAD,
        "run_ids",
        "bulk-runs",
    ),
    _case(
        "GET",
        "metrics/get-history-bulk-interval",
        {"run_ids": "{run}"},
        400,
        BAD,
        "metric_key",
        "bulk-key",
    ),
]


@pytest.mark.parametrize("case", MISSING_FIELDS)
def test_missing_required_fields(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


# -- unknown and invalid ids ------------------------------------------------------------------

UNKNOWN_IDS = [
    _case("GET", "experiments/get", {"experiment_id": NO_EXP}, 404, MISSING, "experiment_id", "g"),
    _case(
        "GET",
        "experiments/get-by-name",
        {"experiment_name": "nobody"},
        404,
        MISSING,
        "experiment_name",
        "get-by-name",
    ),
    _case(
        "POST",
        "experiments/update",
        {"experiment_id": NO_EXP, "new_name": "x"},
        404,
        MISSING,
        "experiment_id",
        "update",
    ),
    _case(
        "POST",
        "experiments/update",
        {"experiment_id": NO_EXP},
        404,
        MISSING,
        "experiment_id",
        "update-no-name",
    ),
    _case(
        "POST", "experiments/delete", {"experiment_id": NO_EXP}, 404, MISSING, "experiment_id", "d"
    ),
    _case(
        "POST", "experiments/restore", {"experiment_id": NO_EXP}, 404, MISSING, "experiment_id", "r"
    ),
    _case(
        "POST",
        "experiments/set-experiment-tag",
        {"experiment_id": NO_EXP, "key": "k", "value": "v"},
        404,
        MISSING,
        "experiment_id",
        "set-tag",
    ),
    _case(
        "POST",
        "experiments/delete-experiment-tag",
        {"experiment_id": NO_EXP, "key": "k"},
        404,
        MISSING,
        "experiment_id",
        "delete-tag",
    ),
    _case(
        "POST",
        "experiments/delete-experiment-tag",
        {"experiment_id": "{exp}", "key": "never-set"},
        404,
        MISSING,
        "key",
        "delete-tag-unknown-key",
    ),
    _case(
        "POST", "runs/create", {"experiment_id": NO_EXP}, 404, MISSING, "experiment_id", "create"
    ),
    _case("GET", "runs/get", {"run_id": NO_RUN}, 404, MISSING, "run_id", "runs-get"),
    _case("POST", "runs/update", {"run_id": NO_RUN}, 404, MISSING, "run_id", "runs-update"),
    _case("POST", "runs/delete", {"run_id": NO_RUN}, 404, MISSING, "run_id", "runs-delete"),
    _case("POST", "runs/restore", {"run_id": NO_RUN}, 404, MISSING, "run_id", "runs-restore"),
    _case("POST", "runs/log-metric", {**METRIC, "run_id": NO_RUN}, 404, MISSING, "run_id", "m"),
    _case(
        "POST",
        "runs/log-parameter",
        {"run_id": NO_RUN, "key": "p", "value": "v"},
        404,
        MISSING,
        "run_id",
        "log-param",
    ),
    _case(
        "POST",
        "runs/set-tag",
        {"run_id": NO_RUN, "key": "t", "value": "v"},
        404,
        MISSING,
        "run_id",
        "set-tag",
    ),
    _case(
        "POST", "runs/delete-tag", {"run_id": NO_RUN, "key": "t"}, 404, MISSING, "run_id", "del-tag"
    ),
    _case(
        "POST",
        "runs/delete-tag",
        {"run_id": "{run}", "key": "never-set"},
        404,
        MISSING,
        "key",
        "delete-tag-unknown-key",
    ),
    _case("POST", "runs/log-batch", {"run_id": NO_RUN}, 404, MISSING, "run_id", "log-batch"),
    _case("POST", "runs/log-inputs", {"run_id": NO_RUN}, 404, MISSING, "run_id", "log-inputs"),
    _case(
        "POST",
        "runs/log-model",
        {"run_id": NO_RUN, "model_json": "{}"},
        404,
        MISSING,
        "run_id",
        "log-model",
    ),
    _case(
        "GET",
        "metrics/get-history",
        {"run_id": NO_RUN, "metric_key": "m"},
        404,
        MISSING,
        "run_id",
        "history",
    ),
]


@pytest.mark.parametrize("case", UNKNOWN_IDS)
def test_unknown_ids(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


INVALID_IDS = [
    _case("GET", "experiments/get", {"experiment_id": "abc"}, 400, BAD, "experiment_id", "letters"),
    _case("GET", "experiments/get", {"experiment_id": "1.5"}, 400, BAD, "experiment_id", "float"),
    _case("GET", "experiments/get", {"experiment_id": "-1"}, 400, BAD, "experiment_id", "negative"),
    _case("GET", "experiments/get", {"experiment_id": " "}, 400, BAD, "experiment_id", "blank"),
    _case(
        "GET",
        "experiments/get",
        {"experiment_id": "99999999999999999999999"},
        400,
        BAD,
        "experiment_id",
        "over-int64",
    ),
    _case("GET", "experiments/get", {"experiment_id": "²"}, 400, BAD, "experiment_id", "superscr"),
    _case(
        "POST",
        "experiments/delete",
        {"experiment_id": "1; DROP TABLE runs"},
        400,
        BAD,
        "experiment_id",
        "injection",
    ),
    _case("POST", "runs/create", {"experiment_id": "abc"}, 400, BAD, "experiment_id", "create"),
    _case(
        "POST",
        "runs/create",
        {"experiment_id": str(2**64)},
        400,
        BAD,
        "experiment_id",
        "create-over-int64",
    ),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": ["0", "abc"]},
        400,
        BAD,
        "experiment_ids[1]",
        "search",
    ),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": [str(2**64)]},
        400,
        BAD,
        "experiment_ids[0]",
        "search-over-int64",
    ),
    _case("GET", "runs/get", {"run_id": "../x"}, 400, BAD, "run_id", "run-dotdot"),
    _case("GET", "runs/get", {"run_id": "a" * 300}, 400, BAD, "run_id", "run-long"),
    _case("GET", "runs/get", {"run_id": "a b"}, 400, BAD, "run_id", "run-space"),
    _case("POST", "runs/log-metric", {**METRIC, "run_id": "x/y"}, 400, BAD, "run_id", "metric"),
    _case(
        "GET",
        "metrics/get-history-bulk-interval",
        {"run_ids": ["{run}", "../x"], "metric_key": "m"},
        400,
        BAD,
        "run_ids[1]",
        "bulk",
    ),
]


@pytest.mark.parametrize("case", INVALID_IDS)
def test_invalid_ids(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


# -- enums, page sizes, page tokens ----------------------------------------------------------

INVALID_ENUMS = [
    _case("POST", "experiments/search", {"view_type": "SOME"}, 400, BAD, "view_type", "name"),
    _case("POST", "experiments/search", {"view_type": 0}, 400, BAD, "view_type", "zero"),
    _case("POST", "experiments/search", {"view_type": 4}, 400, BAD, "view_type", "four"),
    _case("GET", "experiments/search", {"view_type": "-1"}, 400, BAD, "view_type", "query"),
    _case("GET", "experiments/list", {"view_type": "NONE"}, 400, BAD, "view_type", "list"),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": ["0"], "run_view_type": "DELETED"},
        400,
        BAD,
        "run_view_type",
        "runs",
    ),
    _case("POST", "runs/update", {"run_id": "{run}", "status": "DONE"}, 400, BAD, "status", "st"),
    _case("POST", "runs/update", {"run_id": "{run}", "status": 6}, 400, BAD, "status", "st-six"),
    _case("POST", "runs/update", {"run_id": "{run}", "status": 0}, 400, BAD, "status", "st-zero"),
]


@pytest.mark.parametrize("case", INVALID_ENUMS)
def test_invalid_enums(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


HISTORY = {"run_id": "{run}", "metric_key": "m"}
PAGE_SIZES = [
    _case("POST", "experiments/search", {"max_results": 3001}, 400, BAD, "max_results", "exp"),
    _case("GET", "experiments/search", {"max_results": "3001"}, 400, BAD, "max_results", "exp-q"),
    _case("POST", "experiments/search", {"max_results": -1}, 400, BAD, "max_results", "exp-neg"),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": ["0"], "max_results": 50_001},
        400,
        BAD,
        "max_results",
        "runs",
    ),
    _case(
        "POST",
        "runs/search",
        {"experiment_ids": ["0"], "max_results": -5},
        400,
        BAD,
        "max_results",
        "runs-neg",
    ),
    _case(
        "GET",
        "metrics/get-history",
        {**HISTORY, "max_results": "25001"},
        400,
        BAD,
        "max_results",
        "history",
    ),
    _case(
        "GET",
        "metrics/get-history",
        {**HISTORY, "max_results": "-1"},
        400,
        BAD,
        "max_results",
        "history-neg",
    ),
    _case(
        "GET",
        "metrics/get-history-bulk-interval",
        {"run_ids": "{run}", "metric_key": "m", "max_results": "10001"},
        400,
        BAD,
        "max_results",
        "bulk",
    ),
    _case("GET", "experiments/list", {"max_results": "-1"}, 400, BAD, "max_results", "list-neg"),
]


@pytest.mark.parametrize("case", PAGE_SIZES)
def test_page_sizes_above_the_maximum(shared_api: TestClient, ids: Ids, case: Case) -> None:
    _check(shared_api, ids, case)


def test_list_caps_a_large_page_size_instead_of_refusing(api: TestClient) -> None:
    # Seed 004: experiments/list caps max_results at 1,000.
    r = api.get(API + "experiments/list", params={"max_results": 5000})
    assert r.status_code == 200, r.text
    assert [e["name"] for e in r.json()["experiments"]] == ["Default"]


TOKENS = ["zzz", "!!!", "a", "W10", "bnVsbA", "eyJvZmZzZXQiOiAtMX0", "é"]
PAGED = [
    ("POST", "experiments/search", {}),
    ("GET", "experiments/list", {}),
    ("POST", "runs/search", {"experiment_ids": ["0"]}),
    ("GET", "metrics/get-history", HISTORY),
]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize(("method", "path", "body"), PAGED, ids=[p[1] for p in PAGED])
def test_bad_page_tokens(
    shared_api: TestClient, ids: Ids, method: str, path: str, body: dict[str, Any], token: str
) -> None:
    _check(
        shared_api, ids, Case(method, path, {**body, "page_token": token}, 400, BAD, "page_token")
    )


# -- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/2.0/mlflow/nope",
        "/api/2.0/mlflow/runs/get/extra",
        "/ajax-api/2.0/mlflow/experiments/nope",
        "/api/2.1/mlflow/runs/get",
        "/nope",
    ],
)
def test_unknown_endpoint(shared_api: TestClient, path: str) -> None:
    for method in ("GET", "POST"):
        r = shared_api.request(method, path, json={})
        assert_error(r, 404, "ENDPOINT_NOT_FOUND", path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "runs/create"),
        ("GET", "runs/log-batch"),
        ("POST", "experiments/get"),
        ("POST", "experiments/list"),
        ("DELETE", "runs/get"),
        ("PUT", "experiments/update"),
    ],
)
def test_wrong_method(shared_api: TestClient, method: str, path: str) -> None:
    r = shared_api.request(method, API + path)
    assert_error(r, 405, "BAD_REQUEST", path)
    assert method in r.json()["message"]
    assert r.headers["allow"]
