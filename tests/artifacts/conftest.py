"""Fixtures of the artifact tests: a server process with any artifact settings, and a
local S3 endpoint (moto in server mode) that stands in for AWS or MinIO."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, free_port

# Fake credentials: moto accepts any, and nothing here may reach a real AWS account.
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# What the mlflow client must not do in a test: report telemetry or retry for minutes.
CLIENT_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
}


@dataclass
class S3Endpoint:
    url: str
    bucket: str

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=S3_ENV["AWS_DEFAULT_REGION"],
        )

    def keys(self, prefix: str = "") -> list[str]:
        s3 = self.client()
        pages = s3.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """moto's S3 server on a free loopback port, with one empty bucket."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = S3Endpoint(f"http://127.0.0.1:{port}", f"tb-{uuid.uuid4().hex[:12]}")
        endpoint.client().create_bucket(Bucket=endpoint.bucket)  # type: ignore[attr-defined]
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials for boto3 inside this test process."""
    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)


def start_artifact_server(
    data_dir: Path,
    *extra_args: str,
    destination: str | None = None,
    env: dict[str, str] | None = None,
) -> RunningServer:
    """``trackbook server`` as a process on a free port, with artifact settings of a test."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    args = [
        sys.executable,
        "-m",
        "trackbook",
        "server",
        "--port",
        str(port),
        "--artifacts-destination",
        destination or str(data_dir / "artifacts"),
        "--backend-store-uri",
        f"sqlite:///{data_dir / 'trackbook.db'}",
        *extra_args,
    ]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKBOOK_", "AWS_"))}
    child_env.update(env or {})
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=child_env, cwd=data_dir
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return RunningServer(url, process, log)
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"server did not answer within 30 s:\n{log.read_text()}")


@contextlib.contextmanager
def mlflow_pointed_at(url: str) -> Iterator[None]:
    """The fluent mlflow API aimed at ``url`` for a block, then put back."""
    import mlflow

    with pytest.MonkeyPatch.context() as mp:
        for key, value in CLIENT_ENV.items():
            mp.setenv(key, value)
        for key in list(os.environ):
            if key.startswith(("MLFLOW_TRACKING_", "MLFLOW_EXPERIMENT_", "DATABRICKS_")):
                mp.delenv(key)
        previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
        mlflow.set_tracking_uri(url)
        try:
            yield
        finally:
            while mlflow.active_run() is not None:
                mlflow.end_run()
            mlflow.set_tracking_uri(previous)  # type: ignore[arg-type]  # None unsets it
