"""Hostile artifact paths against a real server: every entry point that takes a path
answers 400 INVALID_PARAMETER_VALUE, and nothing appears or changes outside the root.

Requests go out through ``http.client`` so the request target reaches the server
exactly as written (httpx would resolve ``..`` segments before sending).
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

import httpx
import pytest

from tests.artifacts.conftest import start_artifact_server
from tests.artifacts.test_paths import HOSTILE
from tests.conftest import RunningServer

SECRET = b"outside the artifact root\n"
UPLOAD_LIMIT = 1024 * 1024


@dataclass
class Target:
    server: RunningServer
    data_dir: Path
    root: Path
    outside: Path
    run_id: str
    model_id: str

    def request(self, method: str, target: str, body: bytes | None = None) -> tuple[int, dict]:
        parsed = urlparse(self.server.url)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            conn.request(method, target, body=body)
            answer = conn.getresponse()
            raw = answer.read()
        finally:
            conn.close()
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"raw": raw.decode(errors="replace")}
        return answer.status, payload


def _snapshot(folder: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``folder`` except the store root, the database and the log."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        here = Path(dirpath)
        if here == skip or skip in here.parents:
            continue
        for name in files:
            if name.startswith(("trackbook.db", "server.log")):
                continue
            out[str((here / name).relative_to(folder))] = (here / name).read_bytes()
    return out


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir = tmp_path_factory.mktemp("hostile")
    outside = data_dir / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    root = data_dir / "artifacts"
    root.mkdir()
    # A link inside the root that points out of it, as a careless operator might leave.
    (root / "escape").symlink_to(outside, target_is_directory=True)
    server = start_artifact_server(data_dir, "--max-upload-bytes", str(UPLOAD_LIMIT))
    api = f"{server.url}/api/2.0/mlflow"
    try:
        eid = httpx.post(f"{api}/experiments/create", json={"name": "hostile"}).json()[
            "experiment_id"
        ]
        run_id = httpx.post(f"{api}/runs/create", json={"experiment_id": eid}).json()["run"][
            "info"
        ]["run_id"]
        model_id = httpx.post(
            f"{api}/logged-models", json={"experiment_id": eid, "name": "m"}
        ).json()["model"]["info"]["model_id"]
        yield Target(server, data_dir, root, outside, run_id, model_id)
    finally:
        server.stop()


def _entry_points(t: Target, raw: str) -> list[tuple[str, str]]:
    """(method, request target) of every route that takes an artifact path."""
    in_path = quote(raw, safe="/:")
    prefix = "/api/2.0/mlflow-artifacts"
    model = f"/api/2.0/mlflow/logged-models/{t.model_id}/artifacts"
    return [
        ("PUT", f"{prefix}/artifacts/{in_path}"),
        ("GET", f"{prefix}/artifacts/{in_path}"),
        ("DELETE", f"{prefix}/artifacts/{in_path}"),
        ("GET", f"{prefix}/artifacts?{urlencode({'path': raw})}"),
        ("POST", f"{prefix}/mpu/create/{in_path}"),
        ("GET", f"/api/2.0/mlflow/artifacts/list?{urlencode({'run_id': t.run_id, 'path': raw})}"),
        (
            "GET",
            f"/ajax-api/2.0/mlflow/get-artifact?{urlencode({'run_id': t.run_id, 'path': raw})}",
        ),
        ("GET", f"{model}/directories?{urlencode({'artifact_directory_path': raw})}"),
        ("GET", f"{model}/files?{urlencode({'artifact_file_path': raw})}"),
    ]


@pytest.mark.parametrize(("raw", "attack"), HOSTILE, ids=[a for _, a in HOSTILE])
def test_every_entry_point_refuses(target: Target, raw: str, attack: str) -> None:
    before = _snapshot(target.data_dir, target.root)
    root_before = sorted(p.name for p in target.root.iterdir())
    for method, request_target in _entry_points(target, raw):
        status, body = target.request(method, request_target, b"pwned" if method == "PUT" else None)
        assert status == 400, (method, request_target, status, body)
        assert body.get("error_code") == "INVALID_PARAMETER_VALUE", (method, request_target, body)
    assert _snapshot(target.data_dir, target.root) == before
    assert sorted(p.name for p in target.root.iterdir()) == root_before


@pytest.mark.parametrize(
    "request_target",
    [
        # Encoded by the attacker, decoded once by the server into '..' segments.
        "/api/2.0/mlflow-artifacts/artifacts/..%2f..%2foutside%2fsecret.txt",
        "/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/outside/secret.txt",
        "/api/2.0/mlflow-artifacts/artifacts/a/%2E%2E%2F%2E%2E%2F..%2Foutside/secret.txt",
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_encoded_traversal_in_the_url(target: Target, request_target: str, method: str) -> None:
    status, body = target.request(method, request_target, b"pwned" if method == "PUT" else None)
    assert (status, body.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), body
    assert (target.outside / "secret.txt").read_bytes() == SECRET
    assert sorted(p.name for p in target.outside.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_symbolic_link_out_of_the_root(target: Target, method: str) -> None:
    path = "/api/2.0/mlflow-artifacts/artifacts/escape/secret.txt"
    status, body = target.request(method, path, b"pwned" if method == "PUT" else None)
    assert (status, body.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), body
    assert "outside the artifact root" in body["message"]
    status, body = target.request("GET", "/api/2.0/mlflow-artifacts/artifacts?path=escape")
    assert status == 400
    assert (target.outside / "secret.txt").read_bytes() == SECRET
    assert sorted(p.name for p in target.outside.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize(
    "location",
    [
        "{outside}",  # a plain local path
        "file://{outside}",
        "mlflow-artifacts:/../outside",
        "mlflow-artifacts:/escape",  # inside the root by name, outside through the link
        "s3://some-bucket/elsewhere",
    ],
)
def test_runs_of_experiments_located_elsewhere_are_not_served(
    target: Target, location: str
) -> None:
    """An experiment may name any artifact_location; the server only serves its own store,
    so a location chosen by a caller cannot make it read or list other folders."""
    api = f"{target.server.url}/api/2.0/mlflow"
    artifact_location = location.format(outside=target.outside)
    created = httpx.post(
        f"{api}/experiments/create",
        json={"name": f"elsewhere-{abs(hash(location))}", "artifact_location": artifact_location},
    )
    assert created.status_code == 200, created.text
    eid = created.json()["experiment_id"]
    run = httpx.post(f"{api}/runs/create", json={"experiment_id": eid}).json()["run"]["info"]
    for method, request_target in [
        ("GET", f"/api/2.0/mlflow/artifacts/list?run_id={run['run_id']}"),
        ("GET", f"/api/2.0/mlflow/artifacts/list?run_id={run['run_id']}&path=secret.txt"),
        ("GET", f"/ajax-api/2.0/mlflow/get-artifact?run_id={run['run_id']}&path=secret.txt"),
    ]:
        status, body = target.request(method, request_target)
        assert (status, body.get("error_code")) == (400, "INVALID_PARAMETER_VALUE"), body
        assert "secret" not in json.dumps(body.get("files", []))


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_upload_over_the_limit_gets_a_clean_413(target: Target, declared: bool) -> None:
    """A real client sending far more than the limit still reads the JSON error."""
    url = f"{target.server.url}/api/2.0/mlflow-artifacts/artifacts/big/too-large.bin"
    body = b"z" * (UPLOAD_LIMIT * 8)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    answer = httpx.put(url, content=body if declared else chunks(), timeout=60)
    assert answer.status_code == 413
    assert answer.json()["error_code"] == "BAD_REQUEST"
    assert "max_upload_bytes" in answer.json()["message"]
    assert not (target.root / "big" / "too-large.bin").exists()
