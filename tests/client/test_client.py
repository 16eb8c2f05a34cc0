"""``Client``: the lower-level calls, in local mode, and local data read by a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import trackbook
from tests.conftest import start_server
from trackbook.errors import InvalidParameter, ResourceAlreadyExists, ResourceDoesNotExist
from trackbook.models import Metric, Param, RunTag


@pytest.fixture
def client(data_dir: Path) -> Iterator[trackbook.Client]:
    with trackbook.Client(data_dir) as made:
        yield made


def test_experiment_lifecycle(client: trackbook.Client) -> None:
    experiment_id = client.create_experiment("exp", tags={"team": "a"})
    with pytest.raises(ResourceAlreadyExists):
        client.create_experiment("exp")
    client.rename_experiment(experiment_id, "renamed")
    client.set_experiment_tag(experiment_id, "stage", "dev")
    client.delete_experiment_tag(experiment_id, "team")
    got = client.get_experiment(experiment_id)
    assert (got.name, got.tags) == ("renamed", {"stage": "dev"})
    assert client.get_experiment_by_name("exp") is None
    client.delete_experiment(experiment_id)
    names = [e.name for e in client.search_experiments()]
    assert names == ["Default"]
    deleted = client.search_experiments(view_type=trackbook.ViewType.DELETED_ONLY)
    assert [e.name for e in deleted] == ["renamed"]
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    page = client.search_experiments(max_results=1, order_by=["name ASC"])
    assert [e.name for e in page] == ["Default"] and page.token
    nxt = client.search_experiments(max_results=1, order_by=["name ASC"], page_token=page.token)
    assert [e.name for e in nxt] == ["renamed"] and nxt.token is None


def test_run_lifecycle_and_batches(client: trackbook.Client) -> None:
    run = client.create_run("0", run_name="low-level", tags={"k": "v"})
    run_id = run.info.run_id
    assert run.info.status == "RUNNING" and run.data.tags["k"] == "v"
    assert run.data.tags["mlflow.user"] == run.info.user_id  # context tags here too
    client.log_batch(
        run_id,
        metrics=[Metric("m", float(i), 1000 + i, i) for i in range(2500)],
        params=[Param(f"p{i}", str(i)) for i in range(150)],
        tags=[RunTag("t", "1")],
    )
    client.log_metric(run_id, "single", 3, step=2, synchronous=True)
    client.set_tag(run_id, "t", "2")
    client.update_run(run_id, name="renamed")
    client.set_terminated(run_id, "FAILED")
    got = client.get_run(run_id)
    assert (got.info.status, got.info.run_name) == ("FAILED", "renamed")
    assert len(got.data.params) == 150 and got.data.tags["t"] == "2"
    assert got.data.metrics == {"m": 2499.0, "single": 3.0}
    assert len(client.get_metric_history(run_id, "m")) == 2500
    client.delete_run(run_id)
    with pytest.raises(InvalidParameter, match="deleted"):
        client.log_param(run_id, "late", "x", synchronous=True)
    assert client.search_runs(["0"]) == []
    assert [r.info.run_id for r in client.search_runs(["0"], run_view_type="DELETED_ONLY")] == [
        run_id
    ]
    client.restore_run(run_id)
    assert [r.info.run_id for r in client.search_runs(["0"])] == [run_id]
    with pytest.raises(ResourceDoesNotExist):
        client.get_run("f" * 32)


def test_what_a_script_logs_locally_is_what_the_server_serves(tmp_path: Path) -> None:
    data = tmp_path / "data"
    trackbook.set_tracking_uri(data)
    trackbook.set_experiment("offline")
    with trackbook.start_run() as run:
        trackbook.log_metric("acc", 0.75)
        trackbook.log_text("hi", "hello.txt")
    trackbook.set_tracking_uri(tmp_path / "elsewhere")  # release the local store

    server = start_server(data)  # its default layout: data/trackbook.db, data/artifacts
    try:
        api = f"{server.url}/api/2.0/mlflow"
        got = httpx.get(f"{api}/runs/get", params={"run_id": run.info.run_id}).json()["run"]
        assert got["data"]["metrics"][0]["value"] == 0.75
        exp = httpx.get(f"{api}/experiments/get-by-name", params={"experiment_name": "offline"})
        assert exp.json()["experiment"]["experiment_id"] == run.info.experiment_id
        root = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
        file = httpx.get(f"{server.url}/api/2.0/mlflow-artifacts/artifacts/{root}/hello.txt")
        assert (file.status_code, file.text) == (200, "hi")
    finally:
        server.stop()
