"""Everything logged survives stopping the server and starting it again on the same file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag, ViewType

from tests.compat.conftest import quiet_client_env, unique
from tests.conftest import start_server

pytestmark = pytest.mark.compat


def _log_everything(client: Any) -> dict[str, Any]:
    eid = client.create_experiment(unique("durable"), tags={"team": "vision"})
    gone = client.create_experiment(unique("durable-deleted"))
    client.delete_experiment(gone)
    run = client.create_run(eid, run_name="kept", tags={"k": "v"})
    run_id = run.info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("loss", 1 / (s + 1), 1000 + s, s) for s in range(50)]
        + [Metric("odd", float("nan"), 1, 0), Metric("odd", float("inf"), 2, 1)],
        params=[Param("lr", "0.01"), Param("layers", "3")],
        tags=[RunTag("stage", "dev")],
    )
    client.log_inputs(
        run_id,
        datasets=[
            DatasetInput(
                Dataset(name="train", digest="abc", source_type="local", source="{}"),
                tags=[InputTag("mlflow.data.context", "training")],
            )
        ],
    )
    client.set_terminated(run_id, "FINISHED", end_time=5000)
    deleted_run = client.create_run(eid).info.run_id
    client.delete_run(deleted_run)
    return {"eid": eid, "gone": gone, "run_id": run_id, "deleted_run": deleted_run}


def _check_everything(client: Any, ids: dict[str, Any]) -> None:
    e = client.get_experiment(ids["eid"])
    assert (e.lifecycle_stage, e.tags) == ("active", {"team": "vision"})
    assert client.get_experiment(ids["gone"]).lifecycle_stage == "deleted"
    run = client.get_run(ids["run_id"])
    assert (run.info.status, run.info.end_time, run.info.run_name) == ("FINISHED", 5000, "kept")
    assert run.data.params == {"lr": "0.01", "layers": "3"}
    assert run.data.metrics["loss"] == 1 / 50
    assert run.data.metrics["odd"] == math.inf
    assert (run.data.tags["k"], run.data.tags["stage"]) == ("v", "dev")
    history = client.get_metric_history(ids["run_id"], "loss")
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (s, 1 / (s + 1), 1000 + s) for s in range(50)
    ]
    odd = client.get_metric_history(ids["run_id"], "odd")
    assert math.isnan(odd[0].value)
    assert odd[1].value == math.inf
    (item,) = run.inputs.dataset_inputs
    assert (item.dataset.name, item.dataset.digest) == ("train", "abc")
    assert [(t.key, t.value) for t in item.tags] == [("mlflow.data.context", "training")]
    active = client.search_runs([ids["eid"]])
    assert [r.info.run_id for r in active] == [ids["run_id"]]
    deleted = client.search_runs([ids["eid"]], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [ids["deleted_run"]]


def test_everything_survives_a_restart_on_the_same_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet_client_env(monkeypatch)
    store_uri = f"sqlite:///{tmp_path / 'durable.db'}"
    first = start_server(tmp_path / "first", store_uri)
    try:
        ids = _log_everything(mlflow.MlflowClient(tracking_uri=first.url))
        _check_everything(mlflow.MlflowClient(tracking_uri=first.url), ids)
    finally:
        first.stop()
    # A clean stop (uvicorn re-raises SIGTERM afterwards, so the exit code says -15).
    assert "Application shutdown complete" in first.log.read_text()

    second = start_server(tmp_path / "second", store_uri)
    try:
        client = mlflow.MlflowClient(tracking_uri=second.url)
        _check_everything(client, ids)
        # And the restarted server keeps working: new ids do not collide with old ones.
        again = client.create_experiment(unique("after-restart"))
        assert int(again) > int(ids["gone"])
        assert client.get_experiment(again).name.startswith("after-restart")
    finally:
        second.stop()
