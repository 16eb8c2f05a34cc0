"""The real ``mlflow`` client logs and reads artifacts and models through a running server,
once with the local store and once with an S3 endpoint (moto) behind the proxy."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.artifacts.conftest import (
    S3_ENV,
    S3Endpoint,
    mlflow_pointed_at,
    start_artifact_server,
)
from tests.conftest import RunningServer

mlflow = pytest.importorskip("mlflow", reason="the compatibility tests need the mlflow client")
pytestmark = [
    pytest.mark.compat,
    # mlflow's model logging warns about its own type-hint inference; not ours to fix.
    pytest.mark.filterwarnings("ignore:.*type hint:UserWarning"),
]


class Deployment:
    """A running server and a way to see the bytes it stored, wherever they are."""

    def __init__(self, server: RunningServer, kind: str, root: Path | S3Endpoint) -> None:
        self.server = server
        self.kind = kind
        self.root = root

    def stored(self, relative: str) -> bytes:
        if isinstance(self.root, Path):
            return (self.root / relative).read_bytes()
        s3 = self.root.client()
        key = f"prefix/{relative}"
        return s3.get_object(Bucket=self.root.bucket, Key=key)["Body"].read()  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module", params=["local", "s3"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "local":
        server = start_artifact_server(data_dir)
        root: Path | S3Endpoint = data_dir / "artifacts"
    else:
        s3: S3Endpoint = request.getfixturevalue("s3_endpoint")
        server = start_artifact_server(
            data_dir,
            "--s3-endpoint-url",
            s3.url,
            destination=f"s3://{s3.bucket}/prefix",
            env=S3_ENV,
        )
        root = s3
    try:
        with mlflow_pointed_at(server.url):
            yield Deployment(server, request.param, root)
    finally:
        server.stop()


@pytest.fixture
def run_id(deployment: Deployment) -> Iterator[str]:
    mlflow.set_experiment(f"artifacts-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run() as run:
        yield run.info.run_id


def _run_root(run_id: str) -> str:
    """The run's artifact folder relative to the store root (mlflow-artifacts:/<exp>/<run>/...)."""
    uri = mlflow.get_run(run_id).info.artifact_uri
    assert uri.startswith("mlflow-artifacts:/")
    return uri.removeprefix("mlflow-artifacts:/").lstrip("/")


def test_files_and_folders_round_trip(deployment: Deployment, run_id: str, tmp_path: Path) -> None:
    single = tmp_path / "single.txt"
    single.write_text("one file\n")
    folder = tmp_path / "folder"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / "a.csv").write_text("x,y\n1,2\n")
    (folder / "nested" / "b.bin").write_bytes(bytes(range(256)) * 40)
    (folder / "nested" / "deeper" / "c.txt").write_text("deep")

    mlflow.log_artifact(str(single))
    mlflow.log_artifact(str(single), artifact_path="copies")
    mlflow.log_artifacts(str(folder), artifact_path="folder")

    client = mlflow.MlflowClient()
    top = {(f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id)}
    assert top == {("single.txt", False, 9), ("copies", True, None), ("folder", True, None)}
    nested = client.list_artifacts(run_id, "folder/nested")
    assert [(f.path, f.is_dir, f.file_size) for f in nested] == [
        ("folder/nested/b.bin", False, 10240),
        ("folder/nested/deeper", True, None),
    ]

    out = Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path / "dl")))
    assert (out / "single.txt").read_text() == "one file\n"
    assert (out / "copies" / "single.txt").read_text() == "one file\n"
    assert (out / "folder" / "nested" / "b.bin").read_bytes() == bytes(range(256)) * 40
    assert (out / "folder" / "nested" / "deeper" / "c.txt").read_text() == "deep"
    one = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="folder/a.csv", dst_path=str(tmp_path / "one")
    )
    assert Path(one).read_text() == "x,y\n1,2\n"
    # The bytes really are in the configured store, under the run's folder.
    assert deployment.stored(f"{_run_root(run_id)}/folder/nested/deeper/c.txt") == b"deep"


def test_dict_text_and_figure(deployment: Deployment, run_id: str, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mlflow.log_dict({"lr": 0.1, "layers": [1, 2]}, "config/params.json")
    mlflow.log_dict({"name": "x"}, "config/params.yaml")
    mlflow.log_text("héllo wörld\n", "notes/readme.txt")
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3], [3, 1, 2])
    mlflow.log_figure(figure, "plots/curve.png")
    plt.close(figure)

    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config/params.json") == {
        "lr": 0.1,
        "layers": [1, 2],
    }
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt") == "héllo wörld\n"
    png = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="plots/curve.png", dst_path=str(tmp_path)
        )
    ).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    listed = mlflow.MlflowClient().list_artifacts(run_id, "config")
    assert [f.path for f in listed] == ["config/params.json", "config/params.yaml"]
    assert deployment.stored(f"{_run_root(run_id)}/plots/curve.png") == png


def test_rest_listing_of_a_run(deployment: Deployment, run_id: str) -> None:
    mlflow.log_text("a", "dir/a.txt")
    mlflow.log_text("bb", "dir/sub/b.txt")
    base = deployment.server.url
    for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
        answer = httpx.get(
            f"{base}{prefix}/artifacts/list", params={"run_id": run_id, "path": "dir"}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["root_uri"] == mlflow.get_run(run_id).info.artifact_uri
        assert body["files"] == [
            {"path": "dir/a.txt", "is_dir": False, "file_size": 1},
            {"path": "dir/sub", "is_dir": True},
        ]
    download = httpx.get(
        f"{base}/ajax-api/2.0/mlflow/get-artifact", params={"run_id": run_id, "path": "dir/a.txt"}
    )
    assert download.status_code == 200
    assert download.content == b"a"
    assert download.headers["content-disposition"].startswith("attachment")


def test_delete_through_the_proxy(deployment: Deployment, run_id: str) -> None:
    mlflow.log_text("keep", "keep.txt")
    mlflow.log_text("x", "gone/x.txt")
    mlflow.log_text("y", "gone/deeper/y.txt")
    root = _run_root(run_id)
    answer = httpx.delete(f"{deployment.server.url}/api/2.0/mlflow-artifacts/artifacts/{root}/gone")
    assert answer.status_code == 200, answer.text
    assert [f.path for f in mlflow.MlflowClient().list_artifacts(run_id)] == ["keep.txt"]


def test_sklearn_model_logs_loads_and_predicts(deployment: Deployment, run_id: str) -> None:
    np = pytest.importorskip("numpy")
    linear_model = pytest.importorskip("sklearn.linear_model")

    rng = np.random.RandomState(0)
    features = rng.rand(60, 3)
    labels = (features[:, 0] + features[:, 1] > 1).astype(int)
    model = linear_model.LogisticRegression().fit(features, labels)
    # Explicit requirements: inferring them would start a subprocess and take seconds.
    info = mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
    expected = model.predict(features)

    by_id = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    assert (by_id.predict(features) == expected).all()
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    assert (by_run.predict(features) == expected).all()

    logged = mlflow.get_logged_model(info.model_id)
    assert logged.name == "model"
    assert logged.source_run_id == run_id
    assert str(logged.status) in ("READY", "LoggedModelStatus.READY")
    found = mlflow.search_logged_models(
        experiment_ids=[logged.experiment_id], filter_string="name = 'model'", output_format="list"
    )
    assert [m.model_id for m in found] == [info.model_id]
    # The run shows the model among its outputs, as get-run does on MLflow 3.
    outputs = mlflow.MlflowClient().get_run(run_id).outputs
    assert [o.model_id for o in outputs.model_outputs] == [info.model_id]

    # The model's own artifacts are listed by the logged-model route the UI uses.
    listing = httpx.get(
        f"{deployment.server.url}/ajax-api/2.0/mlflow/logged-models/{info.model_id}"
        "/artifacts/directories"
    ).json()
    names = {f["path"] for f in listing["files"]}
    assert {"MLmodel", "requirements.txt"} <= names
    mlmodel = httpx.get(
        f"{deployment.server.url}/ajax-api/2.0/mlflow/logged-models/{info.model_id}"
        "/artifacts/files",
        params={"artifact_file_path": "MLmodel"},
    )
    assert mlmodel.status_code == 200
    assert b"sklearn" in mlmodel.content


def test_logged_model_tags_params_and_deletion(deployment: Deployment, run_id: str) -> None:
    client = mlflow.MlflowClient()
    experiment_id = mlflow.get_run(run_id).info.experiment_id
    model = client.create_logged_model(
        experiment_id, name="tagged", source_run_id=run_id, params={"alpha": "0.5"}
    )
    client.set_logged_model_tags(model.model_id, {"stage": "candidate", "owner": "me"})
    client.delete_logged_model_tag(model.model_id, "owner")
    client.log_model_params(model.model_id, {"beta": "2"})
    got = client.get_logged_model(model.model_id)
    assert got.tags.get("stage") == "candidate"
    assert "owner" not in got.tags
    assert got.params == {"alpha": "0.5", "beta": "2"}
    assert got.artifact_location.endswith(f"/models/{model.model_id}/artifacts")

    client.delete_logged_model(model.model_id)
    with pytest.raises(mlflow.exceptions.MlflowException, match="not found"):
        client.get_logged_model(model.model_id)
    assert (
        json.loads(
            httpx.get(
                f"{deployment.server.url}/api/2.0/mlflow/logged-models/{model.model_id}",
                params={"allow_deleted": "true"},
            ).text
        )["model"]["info"]["model_id"]
        == model.model_id
    )
