"""The Databricks SDK's ``WorkspaceClient(...).experiments`` against a real server.

Every method of seed 004 except ``list_artifacts`` (the artifacts feature tests it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from databricks.sdk.errors import (
    InvalidParameterValue,
    NotFound,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from databricks.sdk.service import ml

from tests.compat.conftest import unique

pytestmark = pytest.mark.compat

START = 1_700_000_000_000


def _tags(items: list[Any] | None) -> dict[str, str]:
    return {t.key: t.value for t in items or []}


def test_experiments_create_get_update_tag_delete_restore(workspace: Any) -> None:
    x = workspace.experiments
    name = unique("sdk")
    created = x.create_experiment(
        name=name,
        artifact_location="/tmp/sdk-artifacts",
        tags=[ml.ExperimentTag(key="team", value="vision")],
    )
    eid = created.experiment_id
    got = x.get_experiment(experiment_id=eid).experiment
    assert (got.experiment_id, got.name, got.artifact_location, got.lifecycle_stage) == (
        eid,
        name,
        "/tmp/sdk-artifacts",
        "active",
    )
    assert _tags(got.tags) == {"team": "vision"}
    assert got.creation_time > 0
    assert x.get_by_name(experiment_name=name).experiment.experiment_id == eid

    with pytest.raises(ResourceAlreadyExists):
        x.create_experiment(name=name)
    with pytest.raises(ResourceDoesNotExist):
        x.get_by_name(experiment_name=unique("missing"))
    with pytest.raises(NotFound):
        x.get_experiment(experiment_id="987654321")

    new_name = unique("sdk-renamed")
    x.update_experiment(experiment_id=eid, new_name=new_name)
    assert x.get_experiment(experiment_id=eid).experiment.name == new_name
    x.set_experiment_tag(experiment_id=eid, key="team", value="nlp")
    x.set_experiment_tag(experiment_id=eid, key="owner", value="alice")
    assert _tags(x.get_experiment(experiment_id=eid).experiment.tags) == {
        "team": "nlp",
        "owner": "alice",
    }

    x.delete_experiment(experiment_id=eid)
    assert x.get_experiment(experiment_id=eid).experiment.lifecycle_stage == "deleted"
    x.restore_experiment(experiment_id=eid)
    assert x.get_experiment(experiment_id=eid).experiment.lifecycle_stage == "active"


def test_search_and_list_experiments(workspace: Any) -> None:
    x = workspace.experiments
    prefix = unique("sdk-search")
    ids = [x.create_experiment(name=f"{prefix}-{i}").experiment_id for i in range(3)]
    x.delete_experiment(experiment_id=ids[2])

    # The SDK sends no max_results: the server's default page applies, not "nothing".
    found = list(x.search_experiments(filter=f"name LIKE '{prefix}-%'", order_by=["name ASC"]))
    assert [e.experiment_id for e in found] == ids[:2]
    # max_results=1 makes the SDK follow next_page_token.
    paged = list(
        x.search_experiments(
            filter=f"name LIKE '{prefix}-%'",
            max_results=1,
            order_by=["name DESC"],
            view_type=ml.ViewType.ALL,
        )
    )
    assert [e.experiment_id for e in paged] == ids[::-1]
    deleted = list(
        x.search_experiments(filter=f"name LIKE '{prefix}-%'", view_type=ml.ViewType.DELETED_ONLY)
    )
    assert [e.experiment_id for e in deleted] == [ids[2]]

    listed = {e.experiment_id: e for e in x.list_experiments()}
    assert {"0", ids[0], ids[1]} <= set(listed)
    assert ids[2] not in listed
    assert listed[ids[0]].name == f"{prefix}-0"
    every = {e.experiment_id for e in x.list_experiments(view_type=ml.ViewType.ALL, max_results=2)}
    assert set(ids) <= every


def test_runs_log_read_update_delete_restore(workspace: Any) -> None:
    x = workspace.experiments
    eid = x.create_experiment(name=unique("sdk-runs")).experiment_id
    run = x.create_run(
        experiment_id=eid,
        run_name="sdk-run",
        start_time=START,
        tags=[ml.RunTag(key="foo", value="bar")],
        user_id="alice",
    ).run
    run_id = run.info.run_id
    assert (run.info.experiment_id, run.info.run_name, run.info.start_time) == (
        eid,
        "sdk-run",
        START,
    )
    assert run.info.status == ml.RunInfoStatus.RUNNING
    assert run.info.lifecycle_stage == "active"
    assert _tags(run.data.tags) == {"foo": "bar", "mlflow.runName": "sdk-run"}

    x.log_param(key="lr", value="0.1", run_id=run_id)
    x.log_param(key="lr", value="0.1", run_id=run_id)  # idempotent
    with pytest.raises(InvalidParameterValue):
        x.log_param(key="lr", value="0.2", run_id=run_id)
    x.log_metric(key="loss", value=0.5, timestamp=START + 1, step=0, run_id=run_id)
    x.log_metric(key="loss", value=0.25, timestamp=START + 2, step=1, run_uuid=run_id)
    x.set_tag(key="stage", value="dev", run_id=run_id)
    x.set_tag(key="temp", value="x", run_id=run_id)
    x.delete_tag(run_id=run_id, key="temp")
    x.log_batch(
        run_id=run_id,
        metrics=[
            ml.Metric(key="acc", value=0.8, timestamp=START + 3, step=0),
            ml.Metric(key="acc", value=0.9, timestamp=START + 4, step=1),
        ],
        params=[ml.Param(key="layers", value="3")],
        tags=[ml.RunTag(key="batch", value="yes")],
    )

    got = x.get_run(run_id=run_id).run
    assert {p.key: p.value for p in got.data.params} == {"lr": "0.1", "layers": "3"}
    assert {m.key: m.value for m in got.data.metrics} == {"loss": 0.25, "acc": 0.9}
    tags = _tags(got.data.tags)
    assert (tags["stage"], tags["batch"]) == ("dev", "yes")
    assert "temp" not in tags
    history = list(x.get_history(metric_key="loss", run_id=run_id))
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (0, 0.5, START + 1),
        (1, 0.25, START + 2),
    ]
    # get_history follows page tokens.
    paged = list(x.get_history(metric_key="acc", run_uuid=run_id, max_results=1))
    assert [m.value for m in paged] == [0.8, 0.9]

    updated = x.update_run(run_id=run_id, status=ml.UpdateRunStatus.KILLED, end_time=START + 10)
    assert updated.run_info.status == ml.RunInfoStatus.KILLED
    assert updated.run_info.end_time == START + 10
    assert x.get_run(run_id=run_id).run.info.status == ml.RunInfoStatus.KILLED

    x.delete_run(run_id=run_id)
    assert x.get_run(run_id=run_id).run.info.lifecycle_stage == "deleted"
    x.restore_run(run_id=run_id)
    assert x.get_run(run_id=run_id).run.info.lifecycle_stage == "active"
    with pytest.raises(NotFound):
        x.get_run(run_id="0" * 32)


def test_search_runs(workspace: Any) -> None:
    x = workspace.experiments
    eid = x.create_experiment(name=unique("sdk-search-runs")).experiment_id
    run_ids = []
    for i in range(3):
        run_id = x.create_run(experiment_id=eid, start_time=START + i).run.info.run_id
        x.log_metric(key="score", value=float(i), timestamp=START, run_id=run_id)
        x.log_param(key="kind", value="even" if i % 2 == 0 else "odd", run_id=run_id)
        run_ids.append(run_id)
    x.delete_run(run_id=run_ids[0])

    assert [r.info.run_id for r in x.search_runs(experiment_ids=[eid])] == run_ids[:0:-1]
    everything = x.search_runs(
        experiment_ids=[eid],
        run_view_type=ml.ViewType.ALL,
        order_by=["metrics.score ASC"],
        max_results=1,  # the SDK pages through with next_page_token
    )
    assert [r.info.run_id for r in everything] == run_ids
    even = list(
        x.search_runs(
            experiment_ids=[eid], filter="params.kind = 'even'", run_view_type=ml.ViewType.ALL
        )
    )
    assert [r.info.run_id for r in even] == [run_ids[2], run_ids[0]]
    assert {m.key: m.value for m in even[0].data.metrics} == {"score": 2.0}


def test_log_inputs_and_log_model(workspace: Any) -> None:
    x = workspace.experiments
    eid = x.create_experiment(name=unique("sdk-inputs")).experiment_id
    run_id = x.create_run(experiment_id=eid).run.info.run_id
    schema = json.dumps({"mlflow_colspec": [{"type": "double", "name": "x"}]})
    x.log_inputs(
        run_id=run_id,
        datasets=[
            ml.DatasetInput(
                dataset=ml.Dataset(
                    name="train",
                    digest="d1g3st",
                    source_type="local",
                    source=json.dumps({"uri": "/data/train.csv"}),
                    schema=schema,
                    profile=json.dumps({"num_rows": 10}),
                ),
                tags=[ml.InputTag(key="mlflow.data.context", value="training")],
            )
        ],
    )
    (item,) = x.get_run(run_id=run_id).run.inputs.dataset_inputs
    ds = item.dataset
    assert (ds.name, ds.digest, ds.source_type) == ("train", "d1g3st", "local")
    assert json.loads(ds.source) == {"uri": "/data/train.csv"}
    assert ds.schema == schema
    assert json.loads(ds.profile) == {"num_rows": 10}
    assert _tags(item.tags) == {"mlflow.data.context": "training"}

    model = {"artifact_path": "model", "run_id": run_id, "flavors": {"sklearn": {}}}
    x.log_model(run_id=run_id, model_json=json.dumps(model))
    history = json.loads(_tags(x.get_run(run_id=run_id).run.data.tags)["mlflow.log-model.history"])
    assert history == [model]
    with pytest.raises(InvalidParameterValue):
        x.log_model(run_id=run_id, model_json="not json")
