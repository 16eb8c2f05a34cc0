"""The fluent API in local mode: no server, straight into a SQLite store."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import trackbook
from trackbook.errors import InvalidParameter, ResourceDoesNotExist


def test_a_run_logs_everything_and_ends_finished(local: Path) -> None:
    trackbook.set_experiment("training")
    with trackbook.start_run(run_name="baseline", tags={"team": "nlp"}) as run:
        assert trackbook.active_run() is run
        assert trackbook.log_param("lr", 0.01) == 0.01
        trackbook.log_params({"epochs": 3, "optimizer": "adam"})
        for step in range(5):
            trackbook.log_metric("loss", 1 / (step + 1), step=step, timestamp=1000 + step)
        trackbook.log_metrics({"acc": 0.5, "inf": math.inf, "nan": math.nan}, step=7)
        trackbook.set_tag("stage", "dev")
        trackbook.set_tags({"a": 1, "b": "two"})
    assert trackbook.active_run() is None

    got = trackbook.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.info.end_time is not None and got.info.end_time >= got.info.start_time
    assert got.info.run_name == "baseline"
    assert got.info.experiment_id == trackbook.get_experiment_by_name("training").experiment_id
    assert got.data.params == {"lr": "0.01", "epochs": "3", "optimizer": "adam"}
    assert got.data.metrics["loss"] == 0.2
    assert got.data.metrics["acc"] == 0.5
    assert got.data.metrics["inf"] == math.inf
    assert math.isnan(got.data.metrics["nan"])
    assert {k: got.data.tags[k] for k in ("team", "stage", "a", "b", "mlflow.runName")} == {
        "team": "nlp",
        "stage": "dev",
        "a": "1",
        "b": "two",
        "mlflow.runName": "baseline",
    }
    history = trackbook.get_metric_history(run.info.run_id, "loss")
    assert [(p.step, p.timestamp, p.value) for p in history] == [
        (s, 1000 + s, 1 / (s + 1)) for s in range(5)
    ]


@pytest.mark.parametrize(
    ("error", "status"), [(ValueError("boom"), "FAILED"), (KeyboardInterrupt(), "KILLED")]
)
def test_a_run_that_raises_ends_failed_or_killed(
    local: Path, error: BaseException, status: str
) -> None:
    with pytest.raises(type(error)), trackbook.start_run() as run:
        trackbook.log_metric("m", 1.0)
        raise error
    got = trackbook.get_run(run.info.run_id)
    assert got.info.status == status
    assert got.data.metrics == {"m": 1.0}  # what was queued before the error arrived


def test_nested_runs_carry_their_parent_and_description(local: Path) -> None:
    with trackbook.start_run(description="the sweep") as parent:
        with pytest.raises(InvalidParameter, match="already active"):
            trackbook.start_run()
        with trackbook.start_run(nested=True, run_name="child") as child:
            assert trackbook.active_run() is child
        assert trackbook.active_run() is parent
    parent_tags = trackbook.get_run(parent.info.run_id).data.tags
    child_tags = trackbook.get_run(child.info.run_id).data.tags
    assert parent_tags["mlflow.note.content"] == "the sweep"
    assert "mlflow.parentRunId" not in parent_tags
    assert child_tags["mlflow.parentRunId"] == parent.info.run_id
    assert child_tags["mlflow.runName"] == "child"


def test_a_run_can_be_resumed_by_id(local: Path) -> None:
    with trackbook.start_run() as first:
        trackbook.log_metric("loss", 1.0, step=0)
    assert trackbook.get_run(first.info.run_id).info.status == "FINISHED"
    with trackbook.start_run(run_id=first.info.run_id, tags={"resumed": "yes"}) as again:
        assert again.info.run_id == first.info.run_id
        assert trackbook.get_run(first.info.run_id).info.status == "RUNNING"
        trackbook.log_metric("loss", 0.5, step=1)
    got = trackbook.get_run(first.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.tags["resumed"] == "yes"
    assert [p.value for p in trackbook.get_metric_history(got.info.run_id, "loss")] == [1.0, 0.5]
    assert trackbook.last_active_run().info.run_id == first.info.run_id  # type: ignore[union-attr]


def test_logging_without_an_active_run_starts_one(local: Path) -> None:
    trackbook.log_param("p", "v")
    run = trackbook.active_run()
    assert run is not None
    trackbook.end_run()
    assert trackbook.get_run(run.info.run_id).data.params == {"p": "v"}
    assert trackbook.get_run(run.info.run_id).info.experiment_id == "0"  # Default


def test_end_run_takes_a_status(local: Path) -> None:
    run = trackbook.start_run()
    trackbook.end_run("KILLED")
    assert trackbook.get_run(run.info.run_id).info.status == "KILLED"
    trackbook.end_run()  # nothing active: no-op
    with pytest.raises(InvalidParameter, match="status"):
        trackbook.start_run()
        trackbook.end_run("DONE")


def test_set_experiment_by_name_or_id(local: Path) -> None:
    created = trackbook.set_experiment("exp-a")
    assert created.name == "exp-a" and created.lifecycle_stage == "active"
    assert trackbook.set_experiment("exp-a").experiment_id == created.experiment_id
    other = trackbook.create_experiment("exp-b", tags={"team": "x"})
    assert trackbook.set_experiment(experiment_id=other).tags == {"team": "x"}
    with trackbook.start_run() as run:
        pass
    assert run.info.experiment_id == other
    with pytest.raises(ResourceDoesNotExist):
        trackbook.set_experiment(experiment_id="999")
    trackbook.delete_experiment(created.experiment_id)
    with pytest.raises(InvalidParameter, match="deleted"):
        trackbook.set_experiment("exp-a")
    trackbook.set_experiment_tag("k", "v")
    assert trackbook.get_experiment(other).tags == {"team": "x", "k": "v"}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"TRACKBOOK_EXPERIMENT_NAME": "from-trackbook"}, "from-trackbook"),
        ({"MLFLOW_EXPERIMENT_NAME": "from-mlflow"}, "from-mlflow"),
        (
            {"TRACKBOOK_EXPERIMENT_NAME": "wins", "MLFLOW_EXPERIMENT_NAME": "loses"},
            "wins",
        ),
    ],
)
def test_the_environment_picks_the_experiment(
    local: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    trackbook.set_tracking_uri(local)  # a client built after the variables were set
    with trackbook.start_run() as run:
        pass
    assert trackbook.get_experiment(run.info.experiment_id).name == expected


def test_the_environment_picks_the_experiment_by_id(
    local: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    experiment_id = trackbook.create_experiment("by-id")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment_id)
    trackbook.set_tracking_uri(local.parent / "elsewhere")
    trackbook.set_tracking_uri(local)
    with trackbook.start_run() as run:
        pass
    assert run.info.experiment_id == experiment_id


def test_delete_tag_and_log_input(local: Path) -> None:
    with trackbook.start_run() as run:
        trackbook.set_tag("keep", "1")
        trackbook.set_tag("drop", "2")
        trackbook.delete_tag("drop")  # queued set_tag goes first
        trackbook.log_input(
            trackbook.Dataset(name="iris", digest="abc123", source_type="local", source="/d"),
            context="training",
            tags={"split": "train"},
        )
    got = trackbook.get_run(run.info.run_id)
    assert got.data.tags["keep"] == "1" and "drop" not in got.data.tags
    (item,) = got.inputs.dataset_inputs
    assert (item.dataset.name, item.dataset.digest) == ("iris", "abc123")
    assert {t.key: t.value for t in item.tags} == {
        "split": "train",
        "mlflow.data.context": "training",
    }


def test_a_changed_param_surfaces_at_end_run(local: Path) -> None:
    run = trackbook.start_run()
    trackbook.log_param("lr", "0.1")
    trackbook.log_param("lr", "0.2")  # refused by the store, in the background
    trackbook.log_metric("still", 1.0)
    with pytest.raises(InvalidParameter, match="lr"):
        trackbook.end_run()
    got = trackbook.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"  # the run was ended before the error was raised
    assert got.data.params == {"lr": "0.1"}
    assert got.data.metrics == {"still": 1.0}


def test_a_changed_param_surfaces_at_the_next_logging_call(local: Path) -> None:
    with trackbook.start_run() as run:
        trackbook.log_param("lr", "0.1")
        trackbook.log_param("lr", "0.2")
        trackbook.get_run(run.info.run_id)  # waits for the queue; the error is now pending
        with pytest.raises(InvalidParameter, match="lr"):
            trackbook.log_metric("m", 1.0)
        trackbook.flush()  # the error was raised once; nothing else is pending
    assert trackbook.get_run(run.info.run_id).data.metrics == {"m": 1.0}


def test_synchronous_logging_raises_at_the_call(
    local: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with trackbook.start_run():
        trackbook.log_param("a", "1")
        with pytest.raises(InvalidParameter, match="'a'"):
            trackbook.log_param("a", "2", synchronous=True)
    monkeypatch.setenv("TRACKBOOK_ASYNC_LOGGING", "false")
    trackbook.set_tracking_uri(local.parent / "sync")
    with trackbook.start_run():
        trackbook.log_param("b", "1")
        with pytest.raises(InvalidParameter, match="'b'"):
            trackbook.log_param("b", "2")
        trackbook.log_metric("m", 2.0)
        assert trackbook.get_run(trackbook.active_run().info.run_id).data.metrics == {"m": 2.0}  # type: ignore[union-attr]


def test_bad_keys_and_values_fail_at_the_call(local: Path) -> None:
    with trackbook.start_run():
        with pytest.raises(InvalidParameter, match="key"):
            trackbook.log_metric("../escape", 1.0)
        with pytest.raises(InvalidParameter, match="number"):
            trackbook.log_metric("m", "not a number")  # type: ignore[arg-type]


def test_local_artifacts_use_the_proxy_layout(local: Path, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("A")
    (source / "sub" / "b.txt").write_text("B")
    with trackbook.start_run() as run:
        trackbook.log_artifact(source / "a.txt")
        trackbook.log_artifact(source / "a.txt", artifact_path="copies")
        trackbook.log_artifacts(source, artifact_path="tree")
        trackbook.log_text("hello", "notes/readme.md")
        trackbook.log_dict({"lr": 0.1, "layers": [1, 2]}, "config.json")
        with pytest.raises(InvalidParameter, match=r"'\.\.' components are not allowed"):
            trackbook.log_text("x", "../outside.txt")
    info = run.info
    assert info.artifact_uri == f"mlflow-artifacts:/{info.experiment_id}/{info.run_id}/artifacts"
    root = local / "artifacts" / info.experiment_id / info.run_id / "artifacts"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        "a.txt",
        "config.json",
        "copies/a.txt",
        "notes/readme.md",
        "tree/a.txt",
        "tree/sub/b.txt",
    ]
    assert json.loads((root / "config.json").read_text()) == {"lr": 0.1, "layers": [1, 2]}
    assert (root / "notes" / "readme.md").read_text() == "hello"
    assert not (local / "artifacts" / info.experiment_id / info.run_id / "outside.txt").exists()


def test_log_figure_writes_the_image(local: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    with trackbook.start_run() as run:
        trackbook.log_figure(fig, "plots/loss.png")
    plt.close(fig)
    info = run.info
    png = local / "artifacts" / info.experiment_id / info.run_id / "artifacts" / "plots/loss.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tracking_uri_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert trackbook.get_tracking_uri() == str(tmp_path / "trackbook-data")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow-host:5000/")
    assert trackbook.get_tracking_uri() == "http://mlflow-host:5000"
    monkeypatch.setenv("TRACKBOOK_TRACKING_URI", "sqlite:///x.db")
    assert trackbook.get_tracking_uri() == "sqlite:///x.db"
    trackbook.set_tracking_uri("file:///tmp/tb")
    assert trackbook.get_tracking_uri() == "/tmp/tb"
    with pytest.raises(InvalidParameter, match="not supported"):
        trackbook.set_tracking_uri("s3://bucket/x")


def test_search_runs_returns_mlflows_dataframe(local: Path) -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    trackbook.set_experiment("frame")
    with trackbook.start_run(run_name="a") as a:
        trackbook.log_param("lr", "0.1")
        trackbook.log_metric("acc", 0.5)
        trackbook.set_tag("k", "x")
    with trackbook.start_run(run_name="b"):
        trackbook.log_metric("loss", 1.0)
    running = trackbook.start_run(run_name="c")

    df = trackbook.search_runs(order_by=["attributes.run_name ASC"])
    info = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    assert list(df.columns[:6]) == info
    rest = list(df.columns[6:])
    kinds = [c.split(".", 1)[0] for c in rest]
    assert kinds == sorted(kinds, key=["metrics", "params", "tags"].index)
    assert {"metrics.acc", "metrics.loss", "params.lr", "tags.k", "tags.mlflow.user"} <= set(rest)
    assert list(df["tags.mlflow.runName"]) == ["a", "b", "c"]
    assert list(df["status"]) == ["FINISHED", "FINISHED", "RUNNING"]
    assert df["run_id"][0] == a.info.run_id

    for column in ("start_time", "end_time"):
        assert pd.api.types.is_datetime64_any_dtype(df[column])
        assert str(df[column].dt.tz) == "UTC"
    assert df["start_time"][0] == pd.Timestamp(a.info.start_time, unit="ms", tz="UTC")
    assert pd.isna(df["end_time"][2])
    for column in ("metrics.acc", "metrics.loss"):
        assert df[column].dtype == "float64"
    assert df["metrics.acc"][0] == 0.5 and math.isnan(df["metrics.acc"][1])
    for column in ("run_id", "experiment_id", "status", "params.lr", "tags.k"):
        assert pd.api.types.is_string_dtype(df[column]) or df[column].dtype == object
    assert df["params.lr"][0] == "0.1" and pd.isna(df["params.lr"][1])

    empty = trackbook.search_runs(filter_string="metrics.acc > 100")
    assert list(empty.columns) == info and len(empty) == 0
    listed = trackbook.search_runs(output_format="list", max_results=2)
    assert [type(r) for r in listed] == [trackbook.Run, trackbook.Run]
    by_name = trackbook.search_runs(experiment_names=["frame"], output_format="list")
    assert len(by_name) == 3
    everywhere = trackbook.search_runs(search_all_experiments=True, output_format="list")
    assert {r.info.run_id for r in everywhere} == {r.info.run_id for r in by_name}
    assert [e.name for e in trackbook.search_experiments(order_by=["name ASC"])] == [
        "Default",
        "frame",
    ]
    assert trackbook.get_artifact_uri("x/y.txt") == running.info.artifact_uri + "/x/y.txt"
