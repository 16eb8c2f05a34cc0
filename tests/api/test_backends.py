"""Client mistakes that only some databases would refuse, on every backend.

SQLite stores a NUL character or an over-long string happily; PostgreSQL and MariaDB
raise, which would surface as a 500. The API refuses them first, the same everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.conftest import API, assert_error, fill, make_ids, run_data
from trackbook.config import Settings
from trackbook.store import Store
from trackbook.web.app import create_app

BAD = "INVALID_PARAMETER_VALUE"


@pytest.fixture
def backend_api(store: Store, store_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(backend_store_uri=store_uri, artifacts_destination=str(tmp_path / "a"))
    with TestClient(create_app(settings, store=store), base_url="http://trackbook.test") as c:
        yield c


CASES: list[Any] = [
    pytest.param("experiments/create", {"name": "a\x00b"}, "name", id="nul-name"),
    pytest.param(
        "experiments/create",
        {"name": "{unique}", "artifact_location": "s3://b/" + "x" * 1000},
        "artifact_location",
        id="long-location",
    ),
    pytest.param(
        "experiments/create",
        {"name": "{unique}", "tags": [{"key": "k", "value": "a\x00"}]},
        "tags[0].value",
        id="nul-experiment-tag",
    ),
    pytest.param(
        "experiments/update",
        {"experiment_id": "{exp}", "new_name": "\x00"},
        "new_name",
        id="nul-rename",
    ),
    pytest.param(
        "runs/create", {"experiment_id": "{exp}", "user_id": "u" * 300}, "user_id", id="u"
    ),
    pytest.param(
        "runs/create",
        {"experiment_id": "{exp}", "tags": [{"key": "mlflow.user", "value": "u" * 300}]},
        "tags[0].value",
        id="long-user-tag",
    ),
    pytest.param("runs/create", {"experiment_id": "{exp}", "run_name": "\x00"}, "run_name", id="r"),
    pytest.param(
        "runs/set-tag", {"run_id": "{run}", "key": "t", "value": "\x00"}, "value", id="nul-tag"
    ),
    pytest.param(
        "runs/log-parameter",
        {"run_id": "{run}", "key": "p", "value": "x\x00"},
        "value",
        id="nul-param",
    ),
    pytest.param(
        "runs/log-inputs",
        {
            "run_id": "{run}",
            "datasets": [
                {"dataset": {"name": "\x00", "digest": "d", "source_type": "s", "source": "{}"}}
            ],
        },
        "datasets[0].dataset.name",
        id="nul-dataset",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), CASES)
def test_refused_alike_on_every_backend(
    backend_api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    ids = {**make_ids(backend_api), "unique": f"u-{uuid.uuid4().hex}"}
    r = backend_api.post(API + path, json=fill(body, ids))
    assert_error(r, 400, BAD, field)


@pytest.mark.parametrize(
    ("method", "path", "query", "field"),
    [
        ("GET", "runs/get", {"run_id": "abc\x00"}, "run_id"),
        ("GET", "experiments/get-by-name", {"experiment_name": "a\x00"}, "experiment_name"),
        ("GET", "metrics/get-history", {"run_id": "{run}", "metric_key": "\x00"}, "metric_key"),
    ],
)
def test_nul_in_a_query_string(
    backend_api: TestClient, method: str, path: str, query: dict[str, str], field: str
) -> None:
    ids = make_ids(backend_api)
    r = backend_api.request(method, API + path, params=fill(query, ids))
    assert_error(r, 400, BAD, field)


def test_keys_that_differ_only_by_trailing_spaces_stay_apart(backend_api: TestClient) -> None:
    """MySQL-family PAD SPACE collations would merge 'a' and 'a '; migration 0004 prevents it."""
    ids = make_ids(backend_api)
    run = ids["run"]
    for key, value in (("t", "1"), ("t ", "2")):
        r = backend_api.post(API + "runs/set-tag", json={"run_id": run, "key": key, "value": value})
        assert r.status_code == 200, r.text
    for key, value in (("p", "1"), ("p ", "2")):
        r = backend_api.post(
            API + "runs/log-parameter", json={"run_id": run, "key": key, "value": value}
        )
        assert r.status_code == 200, r.text
    data = run_data(backend_api, run)
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert (tags["t"], tags["t "]) == ("1", "2")
    assert {p["key"]: p["value"] for p in data["params"]} == {"p": "1", "p ": "2"}


def test_history_pages_in_step_order(backend_api: TestClient) -> None:
    ids = make_ids(backend_api)
    points = [{"key": "m", "value": float(s), "timestamp": 1000 - s, "step": s} for s in range(7)]
    points.append({"key": "m", "value": 0.5, "timestamp": 5000, "step": 0})  # same step again
    r = backend_api.post(API + "runs/log-batch", json={"run_id": ids["run"], "metrics": points})
    assert r.status_code == 200, r.text
    seen, token = [], None
    for _ in range(10):
        query = {"run_id": ids["run"], "metric_key": "m", "max_results": "3"}
        if token:
            query["page_token"] = token
        page = backend_api.get(API + "metrics/get-history", params=query).json()
        seen += [(p["step"], p["timestamp"]) for p in page["metrics"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert seen == [(0, 1000), (0, 5000)] + [(s, 1000 - s) for s in range(1, 7)]


def test_bulk_interval_samples_evenly_and_keeps_the_ends(backend_api: TestClient) -> None:
    a, b = make_ids(backend_api), make_ids(backend_api)
    for ids, steps in ((a, range(100)), (b, range(0, 10, 3))):
        points = [{"key": "m", "value": float(s), "timestamp": 1, "step": s} for s in steps]
        r = backend_api.post(API + "runs/log-batch", json={"run_id": ids["run"], "metrics": points})
        assert r.status_code == 200, r.text
    r = backend_api.get(
        API + "metrics/get-history-bulk-interval",
        params=[
            ("run_ids", a["run"]),
            ("run_ids", b["run"]),
            ("metric_key", "m"),
            ("max_results", "5"),
        ],
    )
    assert r.status_code == 200, r.text
    by_run: dict[str, list[int]] = {}
    for p in r.json()["metrics"]:
        by_run.setdefault(p["run_id"], []).append(p["step"])
    assert by_run[a["run"]][0] == 0
    assert by_run[a["run"]][-1] == 99
    assert len(by_run[a["run"]]) == 5
    assert by_run[b["run"]] == [0, 3, 6, 9]  # fewer steps than asked for: all of them
    r = backend_api.get(
        API + "metrics/get-history-bulk-interval",
        params={"run_ids": a["run"], "metric_key": "m", "start_step": "10", "end_step": "20"},
    )
    steps = [p["step"] for p in r.json()["metrics"]]
    assert steps == list(range(10, 21))
