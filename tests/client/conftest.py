"""Fixtures for the client: a clean environment, a local store, a real server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import trackbook
from tests.conftest import RunningServer, free_port
from trackbook.client import fluent


@pytest.fixture(autouse=True)
def clean_client_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No tracking URI, experiment or logging mode leaks in from the environment, and
    the fluent state (active runs, experiment, client) starts empty and ends empty."""
    for name in list(os.environ):
        if name.startswith(("TRACKBOOK_", "MLFLOW_")):
            monkeypatch.delenv(name)
    fluent.reset()
    yield
    fluent.reset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "trackbook-data"


@pytest.fixture
def local(data_dir: Path) -> Path:
    """The fluent API pointed at a fresh local data directory."""
    trackbook.set_tracking_uri(data_dir)
    return data_dir


def start_server_on(data_dir: Path, port: int) -> RunningServer:
    """``trackbook server`` on a given port and store (to restart one where it was)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / f"server-{time.monotonic_ns()}.log"
    args = [
        sys.executable,
        "-m",
        "trackbook",
        "server",
        "--port",
        str(port),
        "--artifacts-destination",
        str(data_dir / "artifacts"),
        "--backend-store-uri",
        f"sqlite:///{data_dir / 'trackbook.db'}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKBOOK_", "MLFLOW_"))}
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return RunningServer(url, process, log)
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"server did not answer within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One real server process per test module."""
    running = start_server_on(tmp_path_factory.mktemp("server"), free_port())
    yield running
    running.stop()
