"""``mlflow.MlflowClient`` against a real server: every tracking call, values read back."""

from __future__ import annotations

import json
import math
from typing import Any

import mlflow
import pytest
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.models import Model

from tests.compat.conftest import unique

pytestmark = pytest.mark.compat

START = 1_700_000_000_000


def _error_code(exc: pytest.ExceptionInfo[MlflowException]) -> str:
    return str(exc.value.error_code)


def _new_run(client: Any, **kwargs: Any) -> tuple[str, str]:
    experiment_id = client.create_experiment(unique("client"))
    run = client.create_run(experiment_id, **kwargs)
    return experiment_id, run.info.run_id


# -- experiments ----------------------------------------------------------------------


def test_experiment_create_get_rename_and_tags(client: Any) -> None:
    name = unique("exp")
    eid = client.create_experiment(
        name, artifact_location="s3://bucket/somewhere", tags={"team": "vision", "k": "v"}
    )
    e = client.get_experiment(eid)
    assert (e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage) == (
        eid,
        name,
        "s3://bucket/somewhere",
        "active",
    )
    assert e.tags == {"team": "vision", "k": "v"}
    assert e.creation_time > 0
    assert e.last_update_time >= e.creation_time
    assert client.get_experiment_by_name(name).experiment_id == eid
    assert client.get_experiment_by_name(unique("missing")) is None

    # Without a location, the server picks one under its artifact root.
    other = client.create_experiment(unique("exp"))
    assert client.get_experiment(other).artifact_location == f"mlflow-artifacts:/{other}"

    with pytest.raises(MlflowException) as dup:
        client.create_experiment(name)
    assert _error_code(dup) == "RESOURCE_ALREADY_EXISTS"

    new_name = unique("renamed")
    client.rename_experiment(eid, new_name)
    assert client.get_experiment(eid).name == new_name
    assert client.get_experiment_by_name(name) is None
    assert client.get_experiment_by_name(new_name).experiment_id == eid
    with pytest.raises(MlflowException) as taken:
        client.rename_experiment(other, new_name)
    assert _error_code(taken) == "RESOURCE_ALREADY_EXISTS"

    client.set_experiment_tag(eid, "team", "nlp")  # overwrite
    client.set_experiment_tag(eid, "long", "x" * 5000)
    client.delete_experiment_tag(eid, "k")
    assert client.get_experiment(eid).tags == {"team": "nlp", "long": "x" * 5000}
    with pytest.raises(MlflowException) as gone:
        client.delete_experiment_tag(eid, "k")
    assert _error_code(gone) == "RESOURCE_DOES_NOT_EXIST"

    with pytest.raises(MlflowException) as unknown:
        client.get_experiment("987654321")
    assert _error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"


def test_experiment_delete_and_restore_take_the_runs_along(client: Any) -> None:
    name = unique("doomed")
    eid = client.create_experiment(name)
    run_id = client.create_run(eid).info.run_id

    client.delete_experiment(eid)
    e = client.get_experiment(eid)  # get works on deleted experiments
    assert e.lifecycle_stage == "deleted"
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    by_name = f"name = '{name}'"
    assert client.search_experiments(filter_string=by_name) == []
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=by_name)
    assert [x.experiment_id for x in deleted] == [eid]
    every = client.search_experiments(view_type=ViewType.ALL, filter_string=by_name)
    assert [x.experiment_id for x in every] == [eid]

    # A deleted experiment's name is free again; while it is taken, restore refuses.
    twin = client.create_experiment(name)
    assert client.get_experiment_by_name(name).experiment_id == twin
    with pytest.raises(MlflowException) as clash:
        client.restore_experiment(eid)
    assert _error_code(clash) == "RESOURCE_ALREADY_EXISTS"

    client.delete_experiment(twin)
    client.restore_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "active"
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    # Active wins over deleted when both share the name.
    assert client.get_experiment_by_name(name).experiment_id == eid


def test_search_experiments_filters_orders_and_pages(client: Any) -> None:
    prefix = unique("page")
    ids = [
        client.create_experiment(f"{prefix}-{i}", tags={"group": prefix, "parity": str(i % 2)})
        for i in range(5)
    ]
    like = f"name LIKE '{prefix}-%'"
    first = client.search_experiments(filter_string=like, max_results=2, order_by=["name ASC"])
    assert [e.name for e in first] == [f"{prefix}-0", f"{prefix}-1"]
    assert first.token
    second = client.search_experiments(
        filter_string=like, max_results=2, order_by=["name ASC"], page_token=first.token
    )
    assert [e.name for e in second] == [f"{prefix}-2", f"{prefix}-3"]
    third = client.search_experiments(
        filter_string=like, max_results=2, order_by=["name ASC"], page_token=second.token
    )
    assert [e.name for e in third] == [f"{prefix}-4"]
    assert not third.token

    desc = client.search_experiments(filter_string=like, order_by=["name DESC"])
    assert [e.experiment_id for e in desc] == ids[::-1]
    odd = client.search_experiments(
        filter_string=f"tags.group = '{prefix}' AND tags.parity = '1'", order_by=["name"]
    )
    assert [e.experiment_id for e in odd] == [ids[1], ids[3]]
    ilike = client.search_experiments(filter_string=f"name ILIKE '{prefix.upper()}-%'")
    assert sorted(e.experiment_id for e in ilike) == sorted(ids)
    # The Default experiment exists and is found by name.
    default = client.search_experiments(filter_string="name = 'Default'")
    assert [e.experiment_id for e in default] == ["0"]


# -- runs -------------------------------------------------------------------------------


def test_run_create_update_terminate_delete_restore(client: Any) -> None:
    eid = client.create_experiment(unique("runs"))
    run = client.create_run(eid, start_time=START, tags={"k": "v"}, run_name="first")
    info = run.info
    run_id = info.run_id
    assert len(run_id) == 32
    assert (info.experiment_id, info.status, info.start_time, info.end_time) == (
        eid,
        "RUNNING",
        START,
        None,
    )
    assert (info.run_name, info.lifecycle_stage) == ("first", "active")
    assert info.artifact_uri == f"mlflow-artifacts:/{eid}/{run_id}/artifacts"
    assert run.data.tags == {"k": "v", "mlflow.runName": "first"}

    client.update_run(run_id, status="FAILED", name="renamed")
    got = client.get_run(run_id)
    assert (got.info.status, got.info.run_name) == ("FAILED", "renamed")
    assert got.data.tags["mlflow.runName"] == "renamed"

    client.set_terminated(run_id, "FINISHED", end_time=START + 5000)
    got = client.get_run(run_id)
    assert (got.info.status, got.info.end_time) == ("FINISHED", START + 5000)

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([eid]) == []
    deleted = client.search_runs([eid], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run_id]
    assert [r.info.run_id for r in client.search_runs([eid], run_view_type=ViewType.ALL)] == [
        run_id
    ]
    with pytest.raises(MlflowException) as on_deleted:
        client.log_param(run_id, "p", "1")
    assert _error_code(on_deleted) == "INVALID_PARAMETER_VALUE"

    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert [r.info.run_id for r in client.search_runs([eid])] == [run_id]

    with pytest.raises(MlflowException) as unknown:
        client.get_run("0" * 32)
    assert _error_code(unknown) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as no_experiment:
        client.create_run("987654321")
    assert _error_code(no_experiment) == "RESOURCE_DOES_NOT_EXIST"


def test_params_metrics_and_tags_round_trip(client: Any) -> None:
    _, run_id = _new_run(client)
    client.log_param(run_id, "lr", 0.1)
    client.log_param(run_id, "lr", 0.1)  # the same value again is fine
    client.log_param(run_id, "long", "v" * 6000)  # lenient like MLflow
    with pytest.raises(MlflowException) as changed:
        client.log_param(run_id, "lr", 0.2)
    assert _error_code(changed) == "INVALID_PARAMETER_VALUE"
    assert "lr" in changed.value.message

    for step, (value, ts) in enumerate([(0.5, 1000), (0.4, 2000), (0.3, 3000)]):
        client.log_metric(run_id, "loss", value, timestamp=ts, step=step)
    client.set_tag(run_id, "t", "1")
    client.set_tag(run_id, "t", "2")  # tags overwrite
    client.set_tag(run_id, "gone", "x")
    client.delete_tag(run_id, "gone")
    with pytest.raises(MlflowException) as no_tag:
        client.delete_tag(run_id, "gone")
    assert _error_code(no_tag) == "RESOURCE_DOES_NOT_EXIST"

    data = client.get_run(run_id).data
    assert data.params == {"lr": "0.1", "long": "v" * 6000}
    assert data.metrics == {"loss": 0.3}
    assert data.tags["t"] == "2"
    assert "gone" not in data.tags
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, m.value, m.timestamp) for m in history] == [
        (0, 0.5, 1000),
        (1, 0.4, 2000),
        (2, 0.3, 3000),
    ]
    assert client.get_metric_history(run_id, "never-logged") == []


def test_latest_metric_is_newest_timestamp_then_largest_value(client: Any) -> None:
    _, run_id = _new_run(client)
    for value in (1.0, 3.0, 2.0):
        client.log_metric(run_id, "tie", value, timestamp=5000, step=0)
    client.log_metric(run_id, "tie", 99.0, timestamp=4000, step=9)  # older: not the latest
    assert client.get_run(run_id).data.metrics["tie"] == 3.0
    client.log_metric(run_id, "tie", -1.0, timestamp=6000, step=1)
    assert client.get_run(run_id).data.metrics["tie"] == -1.0


def test_nan_and_infinities_round_trip(client: Any) -> None:
    _, run_id = _new_run(client)
    client.log_metric(run_id, "nan", float("nan"), timestamp=1, step=0)
    client.log_metric(run_id, "inf", float("inf"), timestamp=1, step=0)
    client.log_batch(
        run_id, metrics=[Metric("ninf", float("-inf"), 1, 0), Metric("nan", 2.0, 0, 1)]
    )
    metrics = client.get_run(run_id).data.metrics
    assert math.isnan(metrics["nan"])  # the newest point, though 2.0 is larger
    assert metrics["inf"] == math.inf
    assert metrics["ninf"] == -math.inf
    history = client.get_metric_history(run_id, "nan")
    assert [m.step for m in history] == [0, 1]
    assert math.isnan(history[0].value)
    assert history[1].value == 2.0
    assert client.get_metric_history(run_id, "ninf")[0].value == -math.inf


def test_log_batch_writes_everything_and_splits_like_the_client(client: Any) -> None:
    _, run_id = _new_run(client)
    metrics = [Metric("m", float(i), START + i, i) for i in range(1500)]
    params = [Param(f"p{i}", str(i)) for i in range(150)]
    tags = [RunTag(f"t{i}", "v" * i) for i in range(120)]
    client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
    data = client.get_run(run_id).data
    assert data.params == {f"p{i}": str(i) for i in range(150)}
    assert {k: v for k, v in data.tags.items() if k.startswith("t")} == {
        f"t{i}": "v" * i for i in range(120)
    }
    assert data.metrics == {"m": 1499.0}
    history = client.get_metric_history(run_id, "m")
    assert [(m.step, m.value) for m in history] == [(i, float(i)) for i in range(1500)]

    # A batch that would change a param fails whole: its metrics and tags are not written.
    with pytest.raises(MlflowException) as changed:
        client.log_batch(
            run_id,
            metrics=[Metric("after", 1.0, START, 0)],
            params=[Param("p1", "changed")],
            tags=[RunTag("after", "x")],
        )
    assert _error_code(changed) == "INVALID_PARAMETER_VALUE"
    data = client.get_run(run_id).data
    assert "after" not in data.metrics
    assert "after" not in data.tags
    assert data.params["p1"] == "1"


def test_metric_history_pages_past_25000_points(client: Any, compat_backend: str) -> None:
    if compat_backend != "sqlite":
        # 26 requests of 1,000 points each; the history query and its paging are the same
        # SQL on every backend, paged on each in tests/api/test_backends.py.
        pytest.skip("the client's 25,000-point paging is checked on SQLite")
    _, run_id = _new_run(client)
    count = 25_010
    client.log_batch(run_id, metrics=[Metric("long", float(i), START, i) for i in range(count)])
    history = client.get_metric_history(run_id, "long")
    assert len(history) == count
    assert [m.step for m in history[-3:]] == [count - 3, count - 2, count - 1]


def test_search_runs_filters_orders_and_pages(client: Any) -> None:
    eid = client.create_experiment(unique("search"))
    run_ids = []
    for i in range(5):
        run = client.create_run(eid, start_time=START + i, run_name=f"r{i}")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("score", i / 10, START, 0)],
            params=[Param("model", "a" if i % 2 else "b")],
            tags=[RunTag("parity", str(i % 2))],
        )
        run_ids.append(run.info.run_id)
    # Newest first by default.
    assert [r.info.run_id for r in client.search_runs([eid])] == run_ids[::-1]
    first = client.search_runs([eid], max_results=2, order_by=["metrics.score ASC"])
    assert [r.info.run_id for r in first] == run_ids[:2]
    rest = client.search_runs(
        [eid], max_results=3, order_by=["metrics.score ASC"], page_token=first.token
    )
    assert [r.info.run_id for r in rest] == run_ids[2:]
    by_param = client.search_runs([eid], filter_string="params.model = 'a'")
    assert sorted(r.info.run_id for r in by_param) == sorted([run_ids[1], run_ids[3]])
    by_metric = client.search_runs([eid], filter_string="metrics.score >= 0.3")
    assert sorted(r.info.run_id for r in by_metric) == sorted(run_ids[3:])
    by_tag = client.search_runs([eid], filter_string="tags.parity = '0' and metrics.score > 0")
    assert sorted(r.info.run_id for r in by_tag) == sorted([run_ids[2], run_ids[4]])
    by_name = client.search_runs([eid], filter_string="attributes.run_name = 'r3'")
    assert [r.info.run_id for r in by_name] == [run_ids[3]]
    found = by_name[0]
    assert found.data.params == {"model": "a"}
    assert found.data.metrics == {"score": 0.3}


# mlflow registers its local-file source class twice and says so when it resolves a path.
@pytest.mark.filterwarnings("ignore:The specified dataset source can be interpreted")
def test_log_inputs_records_a_pandas_dataset(client: Any, tmp_path: Any) -> None:
    import pandas as pd

    eid = client.create_experiment(unique("inputs"))
    # Float columns: for integer ones mlflow warns (an error here) and drops the schema.
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.5, 1.5, 2.5]})
    csv = tmp_path / "toy.csv"
    df.to_csv(csv, index=False)
    dataset = mlflow.data.from_pandas(df, source=str(csv), name="toy", targets="y")
    with mlflow.start_run(experiment_id=eid) as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
        mlflow.log_input(dataset, context="training")  # the same input again: still one
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    got = inputs[0].dataset
    assert (got.name, got.digest, got.source_type) == ("toy", dataset.digest, "local")
    assert json.loads(got.source) == json.loads(dataset.source.to_json())
    assert dataset.schema is not None
    assert json.loads(got.schema) == {"mlflow_colspec": dataset.schema.to_dict()}
    assert json.loads(got.profile) == dataset.profile
    assert {t.key: t.value for t in inputs[0].tags} == {
        "mlflow.data.context": "training",
        "split": "train",
    }

    # MlflowClient.log_inputs with plain entities, into another run of the experiment.
    other = client.create_run(eid).info.run_id
    entity = Dataset(name="raw", digest="abc123", source_type="http", source='{"url": "x"}')
    client.log_inputs(other, datasets=[DatasetInput(entity, tags=[InputTag("context", "eval")])])
    (only,) = client.get_run(other).inputs.dataset_inputs
    assert (only.dataset.name, only.dataset.digest, only.dataset.source) == (
        "raw",
        "abc123",
        '{"url": "x"}',
    )
    assert only.dataset.schema in (None, "")
    assert [(t.key, t.value) for t in only.tags] == [("context", "eval")]


def test_log_model_appends_to_the_model_history_tag(client: Any) -> None:
    _, run_id = _new_run(client)
    # What Model.log() sends through the client (runs/log-model).
    for path in ("model", "other"):
        model = Model(artifact_path=path, run_id=run_id, flavors={"python_function": {}})
        client._record_logged_model(run_id, model)
    history = json.loads(client.get_run(run_id).data.tags["mlflow.log-model.history"])
    assert [m["artifact_path"] for m in history] == ["model", "other"]
    assert all(m["run_id"] == run_id for m in history)
    assert history[0]["flavors"] == {"python_function": {}}
