"""The client against a real ``trackbook server`` process."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path

import httpx
import pytest

import trackbook
from tests.conftest import RunningServer
from trackbook.errors import InvalidParameter, ResourceAlreadyExists, ResourceDoesNotExist


@pytest.fixture
def remote(server: RunningServer) -> RunningServer:
    trackbook.set_tracking_uri(server.url)
    trackbook.set_experiment(f"http-{uuid.uuid4().hex[:8]}")
    return server


def test_the_fluent_api_over_http(remote: RunningServer) -> None:
    with pytest.raises(RuntimeError), trackbook.start_run(run_name="r", description="d") as run:
        trackbook.log_params({"lr": 0.1, "layers": 3})
        trackbook.log_metric("loss", 0.5, step=1)
        trackbook.log_metric("nan", math.nan)
        trackbook.log_metric("inf", -math.inf)
        trackbook.set_tag("t", "v")
        with trackbook.start_run(nested=True) as child:
            pass
        raise RuntimeError("training diverged")
    got = trackbook.get_run(run.info.run_id)
    assert got.info.status == "FAILED"
    assert got.data.params == {"lr": "0.1", "layers": "3"}
    assert got.data.metrics["loss"] == 0.5
    assert math.isnan(got.data.metrics["nan"])
    assert got.data.metrics["inf"] == -math.inf
    assert got.data.tags["t"] == "v"
    assert got.data.tags["mlflow.note.content"] == "d"
    assert trackbook.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == run.info.run_id


def test_async_logging_delivers_every_point(remote: RunningServer) -> None:
    steps = 3000
    with trackbook.start_run() as run:
        for step in range(steps):
            trackbook.log_metrics({"a": step, "b": -step, "c": step / 2}, step=step)
    for key, scale in (("a", 1), ("b", -1), ("c", 0.5)):
        history = trackbook.get_metric_history(run.info.run_id, key)
        assert len(history) == steps
        assert [(p.step, p.value) for p in history] == [(s, s * scale) for s in range(steps)]


def test_server_errors_come_back_as_the_same_classes(remote: RunningServer) -> None:
    with pytest.raises(ResourceDoesNotExist, match="not found"):
        trackbook.get_run("0" * 32)
    name = f"dup-{uuid.uuid4().hex[:8]}"
    trackbook.create_experiment(name)
    with pytest.raises(ResourceAlreadyExists):
        trackbook.create_experiment(name)
    assert trackbook.get_experiment_by_name(f"missing-{name}") is None
    run = trackbook.start_run()
    trackbook.log_param("lr", "1")
    trackbook.log_param("lr", "2")  # refused by the server, in the background
    trackbook.log_metric("kept", 3.0)
    with pytest.raises(InvalidParameter, match="lr"):
        trackbook.end_run()
    got = trackbook.get_run(run.info.run_id)
    assert (got.data.params, got.data.metrics) == ({"lr": "1"}, {"kept": 3.0})


def test_batches_stay_under_the_one_megabyte_limit(remote: RunningServer) -> None:
    # 100 tags of 8,000 two-byte characters: 1.6 MB in one request would be refused.
    value = "é" * 8000
    with trackbook.start_run() as run:
        trackbook.set_tags({f"tag{i:03d}": value for i in range(100)})
        for i in range(2500):
            trackbook.log_metric("k" * 250, i, step=i)
    got = trackbook.get_run(run.info.run_id)
    assert sum(1 for k, v in got.data.tags.items() if k.startswith("tag") and v == value) == 100
    assert len(trackbook.get_metric_history(run.info.run_id, "k" * 250)) == 2500


def test_search_runs_pages_through_the_server(remote: RunningServer) -> None:
    for i in range(5):
        with trackbook.start_run(run_name=f"r{i}"):
            trackbook.log_metric("score", i)
    client = trackbook.Client(remote.url)
    (eid,) = {r.info.experiment_id for r in trackbook.search_runs(output_format="list")}
    first = client.search_runs([eid], max_results=2, order_by=["metrics.score DESC"])
    assert [r.data.metrics["score"] for r in first] == [4.0, 3.0]
    assert first.token
    second = client.search_runs(
        [eid], max_results=2, order_by=["metrics.score DESC"], page_token=first.token
    )
    assert [r.data.metrics["score"] for r in second] == [2.0, 1.0]
    frame = trackbook.search_runs(filter_string="metrics.score >= 3")
    assert sorted(frame["metrics.score"]) == [3.0, 4.0]
    client.close()


def test_artifacts_go_through_the_proxy(remote: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(bytes(range(256)) * 4)
    with trackbook.start_run() as run:
        trackbook.log_artifact(tmp_path / "model.bin", artifact_path="weights")
        trackbook.log_dict({"a": [1, 2]}, "config.json")
        trackbook.log_text("hello", "notes/readme.txt")
    base = f"{remote.url}/api/2.0/mlflow-artifacts/artifacts/"
    root = run.info.artifact_uri.removeprefix("mlflow-artifacts:/")
    assert httpx.get(base + f"{root}/weights/model.bin").content == bytes(range(256)) * 4
    assert json.loads(httpx.get(base + f"{root}/config.json").content) == {"a": [1, 2]}
    assert httpx.get(base + f"{root}/notes/readme.txt").text == "hello"
    listed = httpx.get(base[:-1], params={"path": f"{root}/weights"}).json()
    assert [(f["path"], f["file_size"]) for f in listed["files"]] == [("model.bin", 1024)]
