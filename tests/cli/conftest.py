"""Fixtures for the CLI: a clean environment and a local store with some data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import trackbook
from trackbook.client import fluent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("TRACKBOOK_", "MLFLOW_")):
            monkeypatch.delenv(name)
    fluent.reset()
    yield
    fluent.reset()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """A local data directory holding experiment "vision" with two runs."""
    path = tmp_path / "trackbook-data"
    with trackbook.Client(path, async_logging=False) as client:
        eid = client.create_experiment("vision", tags={"team": "cv"})
        for i, status in enumerate(("FINISHED", "FAILED")):
            run = client.create_run(eid, run_name=f"run-{i}")
            client.log_param(run.info.run_id, "lr", 0.1 * (i + 1))
            client.log_metric(run.info.run_id, "acc", 0.5 + i / 10, step=0)
            client.set_terminated(run.info.run_id, status)
    yield path
