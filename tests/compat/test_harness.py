"""The compat harness's own checks: unserved endpoints are noticed, the network is fenced."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.compat.conftest import NetworkGuard, unserved_requests

pytestmark = pytest.mark.compat

LOG = """\
trackbook serving sqlite:///x.db on http://127.0.0.1:5000
INFO:     127.0.0.1:1 - "GET /health HTTP/1.1" 200 OK
INFO:     127.0.0.1:1 - "GET /api/2.0/mlflow/runs/get?run_id=abc HTTP/1.1" 404 Not Found
INFO:     127.0.0.1:1 - "POST /api/2.0/mlflow/runs/log-batch HTTP/1.1" 200 OK
INFO:     127.0.0.1:1 - "GET /.well-known/databricks-config HTTP/1.1" 404 Not Found
INFO:     127.0.0.1:1 - "POST /ajax-api/2.0/mlflow/experiments/search HTTP/1.1" 200 OK
INFO:     127.0.0.1:1 - "GET /api/2.0/mlflow/runs/not-a-thing HTTP/1.1" 404 Not Found
INFO:     127.0.0.1:1 - "GET /api/2.0/mlflow/runs/create HTTP/1.1" 405 Method Not Allowed
"""


def test_unserved_requests_are_the_unknown_paths_and_wrong_methods(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(LOG)
    # A 404 for an unknown run is an answer from a served endpoint; these two are not.
    assert unserved_requests(log) == [
        "GET /api/2.0/mlflow/runs/create -> 405",
        "GET /api/2.0/mlflow/runs/not-a-thing -> 404",
    ]


def test_the_network_guard_allows_loopback_only(loopback_only: NetworkGuard) -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo("localhost", 80)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 443)
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("192.0.2.1", 9))
    assert loopback_only.attempts == [
        "name lookup of 'example.com'",
        "connect to ('192.0.2.1', 9)",
    ]
    loopback_only.attempts.clear()  # they were made on purpose
