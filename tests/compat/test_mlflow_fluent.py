"""The fluent ``mlflow.*`` API, as a training script uses it, against a real server."""

from __future__ import annotations

import mlflow
import pytest

from tests.compat.conftest import unique

pytestmark = pytest.mark.compat


def test_a_training_script_with_a_nested_run(server_url: str) -> None:
    name = unique("fluent")
    experiment = mlflow.set_experiment(name)
    assert experiment.name == name
    assert experiment.lifecycle_stage == "active"
    with mlflow.start_run(run_name="parent", tags={"team": "vision"}) as parent:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"layers": 3, "optimizer": "adam"})
        for step in range(5):
            mlflow.log_metric("loss", 1 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=4)
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"owner": "alice", "note": "first try"})
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("child_metric", 7.5)
            assert mlflow.active_run().info.run_id == child.info.run_id
        assert mlflow.active_run().info.run_id == parent.info.run_id
    assert mlflow.active_run() is None

    run = mlflow.get_run(parent.info.run_id)
    assert run.info.experiment_id == experiment.experiment_id
    assert run.info.run_name == "parent"
    assert run.info.status == "FINISHED"
    assert run.info.end_time >= run.info.start_time
    assert run.data.params == {"lr": "0.01", "layers": "3", "optimizer": "adam"}
    assert run.data.metrics == {"loss": 0.2, "acc": 0.9, "f1": 0.8}
    tags = run.data.tags
    assert (tags["team"], tags["stage"], tags["owner"], tags["note"]) == (
        "vision",
        "dev",
        "alice",
        "first try",
    )
    assert tags["mlflow.runName"] == "parent"
    assert "mlflow.user" in tags
    assert "mlflow.parentRunId" not in tags

    nested = mlflow.get_run(child.info.run_id)
    assert nested.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert nested.info.status == "FINISHED"
    assert nested.data.metrics == {"child_metric": 7.5}

    history = mlflow.MlflowClient().get_metric_history(parent.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1 / (s + 1)) for s in range(5)]

    # search_runs: a pandas DataFrame, one row per run, newest first.
    df = mlflow.search_runs(experiment_names=[name])
    assert list(df["run_id"]) == [child.info.run_id, parent.info.run_id]
    row = df[df["run_id"] == parent.info.run_id].iloc[0]
    assert row["status"] == "FINISHED"
    assert row["experiment_id"] == experiment.experiment_id
    assert row["params.optimizer"] == "adam"
    assert row["metrics.loss"] == 0.2
    assert row["tags.stage"] == "dev"
    assert row["tags.mlflow.runName"] == "parent"
    only_children = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
    )
    assert list(only_children["run_id"]) == [child.info.run_id]
    by_param = mlflow.search_runs(
        experiment_ids=[experiment.experiment_id], filter_string="params.optimizer = 'adam'"
    )
    assert list(by_param["run_id"]) == [parent.info.run_id]
    as_list = mlflow.search_runs(experiment_names=[name], output_format="list")
    assert {r.info.run_id for r in as_list} == {parent.info.run_id, child.info.run_id}


def test_set_experiment_finds_an_existing_one_and_end_run_sets_the_status(server_url: str) -> None:
    name = unique("again")
    first = mlflow.set_experiment(name)
    assert mlflow.set_experiment(name).experiment_id == first.experiment_id
    assert mlflow.set_experiment(experiment_id=first.experiment_id).name == name
    assert mlflow.get_experiment_by_name(name).experiment_id == first.experiment_id

    run = mlflow.start_run()
    mlflow.end_run(status="KILLED")
    assert mlflow.get_run(run.info.run_id).info.status == "KILLED"

    with pytest.raises(ZeroDivisionError), mlflow.start_run() as failing:
        1 / 0  # noqa: B018
    assert mlflow.get_run(failing.info.run_id).info.status == "FAILED"

    # An explicit run id resumes the run.
    with mlflow.start_run(run_id=run.info.run_id):
        mlflow.log_metric("resumed", 1.0)
    resumed = mlflow.get_run(run.info.run_id)
    assert resumed.data.metrics == {"resumed": 1.0}
    assert resumed.info.status == "FINISHED"


def test_a_run_without_an_experiment_goes_to_default(server_url: str) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("where", "default")
    assert run.info.experiment_id == "0"
    got = mlflow.get_run(run.info.run_id)
    assert got.info.experiment_id == "0"
    assert got.data.params == {"where": "default"}
    assert mlflow.get_experiment("0").name == "Default"


def test_fluent_search_experiments_and_delete(server_url: str) -> None:
    name = unique("fluent-search")
    eid = mlflow.create_experiment(name, tags={"purpose": "test"})
    found = mlflow.search_experiments(filter_string=f"name = '{name}'")
    assert [(e.experiment_id, e.tags) for e in found] == [(eid, {"purpose": "test"})]
    with mlflow.start_run(experiment_id=eid) as run:
        pass
    mlflow.delete_run(run.info.run_id)
    assert mlflow.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    mlflow.delete_experiment(eid)
    assert mlflow.get_experiment(eid).lifecycle_stage == "deleted"
    assert mlflow.search_experiments(filter_string=f"name = '{name}'") == []
