"""Logging survives a server that goes away and comes back on the same port and store."""

from __future__ import annotations

from pathlib import Path

import pytest

import trackbook
from tests.client.conftest import start_server_on
from tests.conftest import free_port


def test_points_logged_while_the_server_restarts_all_arrive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Retry quickly and long enough to outlast a restart (about 20 s of attempts).
    monkeypatch.setenv("TRACKBOOK_HTTP_BACKOFF", "0.05")
    monkeypatch.setenv("TRACKBOOK_HTTP_MAX_BACKOFF", "0.5")
    monkeypatch.setenv("TRACKBOOK_HTTP_MAX_RETRIES", "45")
    data_dir = tmp_path / "server"
    port = free_port()
    first = start_server_on(data_dir, port)
    try:
        trackbook.set_tracking_uri(first.url)
        run = trackbook.start_run()
        for step in range(1000):
            trackbook.log_metric("loss", step, step=step)
        trackbook.flush()
    finally:
        first.stop()

    # The server is down: these are queued and their requests retried.
    for step in range(1000, 2000):
        trackbook.log_metric("loss", step, step=step)
    trackbook.set_tag("during", "outage")

    second = start_server_on(data_dir, port)
    try:
        trackbook.flush()
        trackbook.end_run()
        history = trackbook.get_metric_history(run.info.run_id, "loss")
        got = trackbook.get_run(run.info.run_id)
    finally:
        second.stop()
    # Every point once: a request retried after the server got it adds no duplicates.
    assert [p.step for p in history] == list(range(2000))
    assert got.data.tags["during"] == "outage"
    assert got.info.status == "FINISHED"
