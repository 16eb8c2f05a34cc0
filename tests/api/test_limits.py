"""Limits and key rules: over one, the request fails whole, names the field, writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from tests.api.conftest import API, Ids, assert_error, make_ids, run_data
from trackbook import validation

BAD = "INVALID_PARAMETER_VALUE"


def metrics(n: int, key: str = "m") -> list[dict[str, Any]]:
    return [{"key": key, "value": float(i), "timestamp": 1000 + i, "step": i} for i in range(n)]


def params(n: int) -> list[dict[str, Any]]:
    return [{"key": f"p{i}", "value": str(i)} for i in range(n)]


def tags(n: int) -> list[dict[str, Any]]:
    return [{"key": f"t{i}", "value": str(i)} for i in range(n)]


# Each batch is valid except for the one thing the row is about, so "nothing written"
# means the valid metrics, params and tags beside it were not written either.
OVER_LIMIT_BATCHES: list[Any] = [
    pytest.param({"metrics": metrics(1001)}, "metrics", id="1001-metrics"),
    pytest.param({"metrics": metrics(5), "params": params(101)}, "params", id="101-params"),
    pytest.param({"metrics": metrics(5), "tags": tags(101)}, "tags", id="101-tags"),
    pytest.param(
        {"metrics": metrics(801), "params": params(100), "tags": tags(100)},
        "1001 entities",
        id="1001-entities",
    ),
    pytest.param(
        {"metrics": [*metrics(3), {"key": "k" * 251, "value": 1, "timestamp": 1}]},
        "metrics[3].key",
        id="metric-key-251",
    ),
    pytest.param(
        {"metrics": metrics(3), "params": [*params(2), {"key": "k" * 251, "value": "v"}]},
        "params[2].key",
        id="param-key-251",
    ),
    pytest.param(
        {"metrics": metrics(3), "tags": [*tags(2), {"key": "k" * 251, "value": "v"}]},
        "tags[2].key",
        id="tag-key-251",
    ),
    pytest.param(
        {"metrics": metrics(3), "params": [*params(2), {"key": "big", "value": "v" * 6001}]},
        "params[2].value",
        id="param-value-6001",
    ),
    pytest.param(
        {"metrics": metrics(3), "tags": [*tags(2), {"key": "big", "value": "v" * 8001}]},
        "tags[2].value",
        id="tag-value-8001",
    ),
    pytest.param(
        {"metrics": metrics(3), "tags": [{"key": "mlflow.runName", "value": "n" * 251}]},
        "tags[0].value",
        id="run-name-tag-251",
    ),
    pytest.param(
        {"metrics": metrics(3), "params": [{"key": "p", "value": "1"}, {"key": "p", "value": "2"}]},
        "params[1]",
        id="same-param-twice-differently",
    ),
    pytest.param(
        {"metrics": metrics(3), "params": params(3), "tags": [{"key": "t\x00", "value": "v"}]},
        "tags[0].key",
        id="nul-in-key",
    ),
]


@pytest.mark.parametrize(("batch", "field"), OVER_LIMIT_BATCHES)
def test_over_limit_batches_fail_whole(
    shared_api: TestClient, batch: dict[str, Any], field: str
) -> None:
    ids = make_ids(shared_api)
    before = run_data(shared_api, ids["run"])
    r = shared_api.post(API + "runs/log-batch", json={"run_id": ids["run"], **batch})
    assert_error(r, 400, BAD, field)
    assert run_data(shared_api, ids["run"]) == before
    history = shared_api.get(
        API + "metrics/get-history", params={"run_id": ids["run"], "metric_key": "m"}
    )
    assert history.json().get("metrics", []) == []


def test_batches_at_the_limits_are_accepted(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    for batch in (
        {"metrics": metrics(1000)},
        {"metrics": metrics(800, key="n"), "params": params(100), "tags": tags(100)},
        {
            "params": [{"key": "k" * 250, "value": "v" * 6000}],
            "tags": [{"key": "t" * 250, "value": "v" * 8000}],
        },
    ):
        r = shared_api.post(API + "runs/log-batch", json={"run_id": ids["run"], **batch})
        assert r.status_code == 200, r.text
    data = run_data(shared_api, ids["run"])
    assert len(data["params"]) == 101
    assert {m["key"]: m["value"] for m in data["metrics"]} == {"m": 999.0, "n": 799.0}


def test_a_param_conflict_with_a_stored_value_writes_nothing(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    run = ids["run"]
    ok = shared_api.post(
        API + "runs/log-parameter", json={"run_id": run, "key": "lr", "value": "1"}
    )
    assert ok.status_code == 200
    before = run_data(shared_api, run)
    r = shared_api.post(
        API + "runs/log-batch",
        json={
            "run_id": run,
            "metrics": metrics(10),
            "params": [{"key": "new", "value": "x"}, {"key": "lr", "value": "2"}],
            "tags": tags(3),
        },
    )
    assert_error(r, 400, BAD, "lr")
    assert run_data(shared_api, run) == before


def test_a_log_batch_body_over_1_mb_is_refused_and_writes_nothing(shared_api: TestClient) -> None:
    ids = make_ids(shared_api)
    # 100 params of 6,000 characters and 100 tags of 8,000 are each within their limits,
    # but together the body is over the 1 MB a log-batch may be.
    body = {
        "run_id": ids["run"],
        "params": [{"key": f"p{i}", "value": "v" * 6000} for i in range(100)],
        "tags": [{"key": f"t{i}", "value": "v" * 8000} for i in range(100)],
        "metrics": metrics(5),
    }
    raw = orjson.dumps(body)
    assert len(raw) > validation.MAX_BATCH_REQUEST_BYTES
    r = shared_api.post(
        API + "runs/log-batch", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(r, 400, BAD, "request body")
    assert str(validation.MAX_BATCH_REQUEST_BYTES) in r.json()["message"]
    data = run_data(shared_api, ids["run"])
    assert (data["params"], data["metrics"]) == ([], [])


def test_a_body_over_the_server_limit_is_refused_everywhere(shared_api: TestClient) -> None:
    limit = 16 * 1024 * 1024  # Settings.max_request_bytes
    raw = b'{"name": "' + b"x" * limit + b'"}'
    r = shared_api.post(
        API + "experiments/create", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(r, 413, "BAD_REQUEST", "request body")


# -- keys -----------------------------------------------------------------------------------

BAD_KEYS = ["../x", "/abs", "a?b", "a/../b", "a/./b", ".", "..", "x/", "a//b", "a\\b", "a*", "é?"]


def _metric(key: str) -> dict[str, Any]:
    return {"key": key, "value": 1.0, "timestamp": 1}


KEYED: list[tuple[str, str, Callable[[Ids, str], dict[str, Any]], str]] = [
    ("metric", "runs/log-metric", lambda i, k: {"run_id": i["run"], **_metric(k)}, "key"),
    (
        "param",
        "runs/log-parameter",
        lambda i, k: {"run_id": i["run"], "key": k, "value": "v"},
        "key",
    ),
    ("tag", "runs/set-tag", lambda i, k: {"run_id": i["run"], "key": k, "value": "v"}, "key"),
    (
        "batch-metric",
        "runs/log-batch",
        lambda i, k: {"run_id": i["run"], "metrics": [_metric("ok"), _metric(k)]},
        "metrics[1].key",
    ),
    (
        "batch-param",
        "runs/log-batch",
        lambda i, k: {"run_id": i["run"], "params": [{"key": k, "value": "v"}]},
        "params[0].key",
    ),
    (
        "batch-tag",
        "runs/log-batch",
        lambda i, k: {"run_id": i["run"], "tags": [{"key": k, "value": "v"}]},
        "tags[0].key",
    ),
    (
        "run-create-tag",
        "runs/create",
        lambda i, k: {"experiment_id": i["exp"], "tags": [{"key": k, "value": "v"}]},
        "tags[0].key",
    ),
    (
        "experiment-tag",
        "experiments/set-experiment-tag",
        lambda i, k: {"experiment_id": i["exp"], "key": k, "value": "v"},
        "key",
    ),
    (
        "experiment-create-tag",
        "experiments/create",
        lambda i, k: {"name": f"with-{k}", "tags": [{"key": k, "value": "v"}]},
        "tags[0].key",
    ),
]


@pytest.mark.parametrize("key", [*BAD_KEYS, "k" * 251, ""], ids=repr)
@pytest.mark.parametrize(
    ("path", "make", "field"), [k[1:] for k in KEYED], ids=[k[0] for k in KEYED]
)
def test_bad_keys(
    shared_api: TestClient,
    ids: Ids,
    path: str,
    make: Callable[[Ids, str], dict[str, Any]],
    field: str,
    key: str,
) -> None:
    r = shared_api.post(API + path, json=make(ids, key))
    assert_error(r, 400, BAD, field)


@pytest.mark.parametrize("key", ["loss", "a/b", "val loss", "train.acc", "k:1", "a-b_c", "ü"])
def test_good_keys(shared_api: TestClient, ids: Ids, key: str) -> None:
    r = shared_api.post(API + "runs/log-metric", json={"run_id": ids["run"], **_metric(key)})
    assert r.status_code == 200, r.text


# -- lengths of single values ---------------------------------------------------------------

LENGTHS = [
    pytest.param("experiments/create", {"name": "n" * 501}, "name", id="experiment-name-501"),
    pytest.param(
        "experiments/create",
        {"name": "long-location", "artifact_location": "/" + "a" * 2000},
        "artifact_location",
        id="artifact-location",
    ),
    pytest.param(
        "experiments/create",
        {"name": "big-tag", "tags": [{"key": "k", "value": "v" * 20_001}]},
        "tags[0].value",
        id="experiment-create-tag-20001",
    ),
    pytest.param(
        "experiments/set-experiment-tag",
        {"experiment_id": "{exp}", "key": "k", "value": "v" * 20_001},
        "value",
        id="experiment-tag-20001",
    ),
    pytest.param(
        "experiments/update",
        {"experiment_id": "{exp}", "new_name": "n" * 501},
        "new_name",
        id="rename-501",
    ),
    pytest.param(
        "runs/create", {"experiment_id": "{exp}", "run_name": "r" * 251}, "run_name", id="run-name"
    ),
    pytest.param(
        "runs/create", {"experiment_id": "{exp}", "user_id": "u" * 257}, "user_id", id="user-id"
    ),
    pytest.param(
        "runs/create",
        {"experiment_id": "{exp}", "tags": [{"key": "mlflow.user", "value": "u" * 257}]},
        "tags[0].value",
        id="user-tag",
    ),
    pytest.param(
        "runs/update", {"run_id": "{run}", "run_name": "r" * 251}, "run_name", id="rename-run"
    ),
    pytest.param(
        "runs/log-parameter",
        {"run_id": "{run}", "key": "p", "value": "v" * 6001},
        "value",
        id="param-6001",
    ),
    pytest.param(
        "runs/set-tag", {"run_id": "{run}", "key": "t", "value": "v" * 8001}, "value", id="tag-8001"
    ),
    pytest.param(
        "runs/log-inputs",
        {
            "run_id": "{run}",
            "datasets": [
                {
                    "dataset": {
                        "name": "d",
                        "digest": "x" * 37,
                        "source_type": "local",
                        "source": "{}",
                    }
                }
            ],
        },
        "datasets[0].dataset.digest",
        id="dataset-digest-37",
    ),
    pytest.param(
        "runs/log-inputs",
        {
            "run_id": "{run}",
            "datasets": [
                {
                    "dataset": {"name": "d", "digest": "x", "source_type": "local", "source": "s"},
                    "tags": [{"key": "k" * 256, "value": "v"}],
                }
            ],
        },
        "datasets[0].tags[0].key",
        id="input-tag-key-256",
    ),
    pytest.param(
        "runs/log-model", {"run_id": "{run}", "model_json": "[1, 2]"}, "model_json", id="model-list"
    ),
    pytest.param(
        "runs/log-model", {"run_id": "{run}", "model_json": "{nope"}, "model_json", id="model-json"
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), LENGTHS)
def test_values_over_their_limits(
    shared_api: TestClient, ids: Ids, path: str, body: dict[str, Any], field: str
) -> None:
    from tests.api.conftest import fill

    r = shared_api.post(API + path, json=fill(body, ids))
    assert_error(r, 400, BAD, field)


def test_the_single_value_calls_name_their_own_fields(shared_api: TestClient, ids: Ids) -> None:
    # log-metric, log-parameter and set-tag share the batch code; the message must still
    # say "key", not "metrics[0].key".
    r = shared_api.post(API + "runs/log-metric", json={"run_id": ids["run"], **_metric("../x")})
    assert_error(r, 400, BAD, "key")
    assert not r.json()["message"].startswith("metrics[")
