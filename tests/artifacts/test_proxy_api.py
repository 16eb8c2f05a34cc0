"""The artifact and logged-model routes in-process: shapes, limits and errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from trackbook.artifacts import put_sync
from trackbook.artifacts.local import PARTIAL_PREFIX, LocalArtifactStore
from trackbook.config import Settings
from trackbook.web.app import create_app

LIMIT = 64 * 1024
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
API = "/api/2.0/mlflow"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "artifacts"


@pytest.fixture
def client(tmp_path: Path, root: Path) -> Iterator[TestClient]:
    settings = Settings(
        backend_store_uri=f"sqlite:///{tmp_path / 'trackbook.db'}",
        artifacts_destination=str(root),
        max_upload_bytes=LIMIT,
    )
    with TestClient(create_app(settings), base_url="http://trackbook.test") as c:
        yield c


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_upload_download_list_delete(client: TestClient, root: Path) -> None:
    assert client.put(f"{PROXY}/1/r/artifacts/a/b.txt", content=b"hello").json() == {}
    assert client.put(f"{PROXY}/1/r/artifacts/c.json", content=b"{}").status_code == 200
    got = client.get(f"{PROXY}/1/r/artifacts/a/b.txt")
    assert (got.status_code, got.content) == (200, b"hello")
    assert got.headers["content-length"] == "5"
    assert got.headers["x-content-type-options"] == "nosniff"
    listed = client.get(PROXY, params={"path": "1/r/artifacts"}).json()
    assert listed == {
        "files": [
            {"path": "a", "is_dir": True},
            {"path": "c.json", "is_dir": False, "file_size": 2},
        ]
    }
    # Listing a file or a missing folder is an empty listing, as MLflow's proxy does.
    assert client.get(PROXY, params={"path": "1/r/artifacts/c.json"}).json() == {"files": []}
    assert client.get(PROXY, params={"path": "nothing/here"}).json() == {"files": []}
    assert client.delete(f"{PROXY}/1/r/artifacts/a").json() == {}
    assert _files_under(root) == ["1/r/artifacts/c.json"]
    # The same routes answer under /ajax-api/ for the web UI.
    ajax = client.get("/ajax-api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/c.json")
    assert ajax.content == b"{}"


def test_missing_file_and_folder_downloads(client: TestClient) -> None:
    client.put(f"{PROXY}/x/y.txt", content=b"y")
    missing = client.get(f"{PROXY}/x/nope.txt")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    folder = client.get(f"{PROXY}/x")
    assert folder.status_code == 400
    assert folder.json()["message"].startswith("path: 'x' is a folder")


def test_active_content_is_served_as_plain_text(client: TestClient) -> None:
    client.put(f"{PROXY}/x/page.html", content=b"<script>alert(1)</script>")
    got = client.get(f"{PROXY}/x/page.html")
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''page.html"


def test_upload_over_the_declared_limit_is_413(client: TestClient, root: Path) -> None:
    answer = client.put(f"{PROXY}/big/file.bin", content=b"x" * (LIMIT + 1))
    assert answer.status_code == 413
    assert answer.json()["error_code"] == "BAD_REQUEST"
    assert "max_upload_bytes" in answer.json()["message"]
    assert _files_under(root) == []


def test_streamed_upload_over_the_limit_is_413_and_leaves_nothing(
    client: TestClient, root: Path
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"y" * (LIMIT // 2)

    answer = client.put(f"{PROXY}/big/streamed.bin", content=chunks())
    assert answer.status_code == 413, answer.text
    assert "max_upload_bytes" in answer.json()["message"]
    leftovers = [p for p in root.rglob("*") if p.is_file()]
    assert leftovers == []
    # An upload at the limit is fine.
    assert client.put(f"{PROXY}/big/ok.bin", content=b"z" * LIMIT).status_code == 200


def test_multipart_upload_is_declined_the_way_the_client_understands(client: TestClient) -> None:
    from mlflow.exceptions import _UnsupportedMultipartUploadException

    info = client.get("/api/3.0/mlflow/server-info").json()
    assert info["multipart_uploads_enabled"] is False
    assert info["multipart_downloads_enabled"] is False
    answer = client.post(
        "/api/2.0/mlflow-artifacts/mpu/create/1/r/artifacts/big.bin",
        json={"path": "big.bin", "num_parts": 3},
    )
    assert answer.status_code == 501
    assert answer.json()["message"].startswith(_UnsupportedMultipartUploadException.MESSAGE)
    for action in ("complete", "abort"):
        declined = client.post(f"/api/2.0/mlflow-artifacts/mpu/{action}/x.bin", json={})
        assert declined.status_code == 501
    assert client.post("/api/2.0/mlflow-artifacts/mpu/other/x.bin").status_code == 404


def _run(client: TestClient) -> dict[str, str]:
    eid = client.post(f"{API}/experiments/create", json={"name": "e"}).json()["experiment_id"]
    return client.post(f"{API}/runs/create", json={"experiment_id": eid}).json()["run"]["info"]


def test_run_listing_is_paginated(client: TestClient, root: Path) -> None:
    run = _run(client)
    folder = run["artifact_uri"].removeprefix("mlflow-artifacts:/")
    store = LocalArtifactStore(root)
    for i in range(1001):
        put_sync(store, f"{folder}/many/f{i:04d}.txt", [b"."])
    first = client.get(f"{API}/artifacts/list", params={"run_id": run["run_id"], "path": "many"})
    body = first.json()
    assert len(body["files"]) == 1000
    assert body["files"][0] == {"path": "many/f0000.txt", "is_dir": False, "file_size": 1}
    second = client.get(
        f"{API}/artifacts/list",
        params={"run_id": run["run_id"], "path": "many", "page_token": body["next_page_token"]},
    ).json()
    assert [f["path"] for f in second["files"]] == ["many/f1000.txt"]
    assert "next_page_token" not in second
    assert not any(p.name.startswith(PARTIAL_PREFIX) for p in root.rglob("*"))


def test_run_listing_errors_name_the_field(client: TestClient) -> None:
    missing = client.get(f"{API}/artifacts/list", params={"run_id": "0" * 32})
    assert missing.status_code == 404
    no_id = client.get(f"{API}/artifacts/list")
    assert no_id.status_code == 400
    assert no_id.json()["message"].startswith("run_id:")


def _model(client: TestClient, eid: str, **extra: object) -> dict[str, object]:
    answer = client.post(f"{API}/logged-models", json={"experiment_id": eid, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()["model"]  # type: ignore[no-any-return]


def test_logged_model_lifecycle_over_rest(client: TestClient) -> None:
    run = _run(client)
    eid = run["experiment_id"]
    model = _model(
        client,
        eid,
        name="clf",
        model_type="classifier",
        source_run_id=run["run_id"],
        params=[{"key": "alpha", "value": "1"}],
        tags=[{"key": "team", "value": "x"}],
    )
    info = model["info"]
    assert isinstance(info, dict)
    model_id = info["model_id"]
    assert model_id.startswith("m-")
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{eid}/models/{model_id}/artifacts"
    assert model["data"] == {"params": [{"key": "alpha", "value": "1"}], "metrics": []}

    ready = client.patch(f"{API}/logged-models/{model_id}", json={"status": "LOGGED_MODEL_READY"})
    assert ready.json()["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    assert (
        client.post(
            f"{API}/runs/outputs",
            json={"run_id": run["run_id"], "models": [{"model_id": model_id}]},
        ).json()
        == {}
    )
    _model(client, eid, name="other")
    found = client.post(
        f"{API}/logged-models/search",
        json={"experiment_ids": [eid], "filter": "name = 'clf' AND tags.team = 'x'"},
    ).json()
    assert [m["info"]["model_id"] for m in found["models"]] == [model_id]
    ready_only = client.post(
        f"{API}/logged-models/search",
        json={"experiment_ids": [eid], "filter": "status = 'READY'"},
    ).json()
    assert [m["info"]["name"] for m in ready_only["models"]] == ["clf"]
    paged = client.post(
        f"{API}/logged-models/search",
        json={
            "experiment_ids": [eid],
            "max_results": 1,
            "order_by": [{"field_name": "name", "ascending": True}],
        },
    ).json()
    assert [m["info"]["name"] for m in paged["models"]] == ["clf"]
    rest = client.post(
        f"{API}/logged-models/search",
        json={"experiment_ids": [eid], "page_token": paged["next_page_token"]},
    ).json()
    assert len(rest["models"]) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("POST", "logged-models", {"experiment_id": "0", "name": "a/b"}, 400, "name:"),
        ("POST", "logged-models", {"experiment_id": "999"}, 404, "experiment_id:"),
        ("POST", "logged-models", {"name": "x"}, 400, "experiment_id:"),
        ("GET", "logged-models/m-nope", None, 404, "model_id:"),
        ("PATCH", "logged-models/m-nope", {"status": "LOGGED_MODEL_READY"}, 404, "model_id:"),
        ("DELETE", "logged-models/m-nope/tags/k", None, 404, "model_id:"),
        ("POST", "logged-models/search", {}, 400, "experiment_ids:"),
        (
            "POST",
            "logged-models/search",
            {"experiment_ids": ["0"], "filter": "metrics.acc > 1"},
            400,
            "filter:",
        ),
        (
            "POST",
            "logged-models/search",
            {"experiment_ids": ["0"], "order_by": [{"field_name": "params.x"}]},
            400,
            "order_by[0].field_name:",
        ),
        (
            "POST",
            "runs/outputs",
            {"run_id": "0" * 32, "models": [{"model_id": "m-x"}]},
            404,
            "run_id:",
        ),
    ],
)
def test_logged_model_errors(
    client: TestClient,
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
    field: str,
) -> None:
    answer = client.request(method, f"{API}/{path}", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["message"].startswith(field), answer.json()


def test_finalize_needs_a_known_status(client: TestClient) -> None:
    model_id = _model(client, "0")["info"]["model_id"]  # type: ignore[index]
    for status in ("BROKEN", "LOGGED_MODEL_STATUS_UNSPECIFIED", 0):
        answer = client.patch(f"{API}/logged-models/{model_id}", json={"status": status})
        assert answer.status_code == 400
        assert answer.json()["message"].startswith("status:")
