"""A real ``trackbook server`` per backend, and the real clients aimed at it.

The session starts one server process per backend (SQLite, PostgreSQL, MariaDB), each
on a fresh database (under xdist: per worker); all compat tests share them and keep
out of each other's way with unique experiment names. Every test runs with the
clients' network limited to loopback, and when a server stops, its access log is
checked for requests that no route of ours serves: that is how we learn what the
clients call.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS, RunningServer, start_server
from trackbook.config import Settings
from trackbook.web.app import create_app

# What the clients must not do in a test: report telemetry, retry for minutes, or pick
# up a developer's Databricks or MLflow configuration.
CLIENT_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
}
CLIENT_ENV_PREFIXES_TO_DROP = ("DATABRICKS_", "MLFLOW_TRACKING_", "MLFLOW_EXPERIMENT_")


@pytest.fixture(scope="session", params=BACKENDS)
def compat_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fresh_database: Callable[[str], str],
) -> Iterator[RunningServer]:
    """``trackbook server`` as a process, on a fresh database of each backend."""
    backend = str(request.param)
    data_dir = tmp_path_factory.mktemp(f"server-{backend}")
    store_uri = None if backend == "sqlite" else fresh_database(backend)
    server = start_server(data_dir, store_uri, access_log=True)
    yield server
    server.stop()
    unserved = unserved_requests(server.log)
    if unserved:
        pytest.fail(
            "the clients called endpoints the server does not serve:\n" + "\n".join(unserved)
        )


@pytest.fixture
def compat_backend(request: pytest.FixtureRequest, compat_server: RunningServer) -> str:
    """The backend of this test's server: "sqlite", "postgresql" or "mysql"."""
    return str(request.node.callspec.params["compat_server"])


@pytest.fixture
def server_url(compat_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The server's URL, with the fluent mlflow API aimed at it and its state reset."""
    import mlflow
    import mlflow.tracking.fluent as fluent

    quiet_client_env(monkeypatch)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", compat_server.url)
    mlflow.set_tracking_uri(compat_server.url)
    # The fluent API remembers the experiment set by an earlier test (maybe on another
    # server); start each test as a fresh script would.
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    yield compat_server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def client(server_url: str) -> Any:
    import mlflow

    return mlflow.MlflowClient(tracking_uri=server_url)


@pytest.fixture
def workspace(server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Databricks SDK's WorkspaceClient, as a user would build it."""
    from databricks.sdk import WorkspaceClient

    # No ~/.databrickscfg profile may leak in.
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    return WorkspaceClient(host=server_url, token="x")


def quiet_client_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(CLIENT_ENV_PREFIXES_TO_DROP):
            monkeypatch.delenv(name)
    for name, value in CLIENT_ENV.items():
        monkeypatch.setenv(name, value)
    from mlflow.telemetry import get_telemetry_client

    assert get_telemetry_client() is None, "mlflow telemetry must be off in tests"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# -- loopback only -----------------------------------------------------------------


class NetworkGuard:
    """Refuses (and remembers) every connection or name lookup that is not loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def allowed_host(self, host: object) -> bool:
        if host is None or host in ("localhost", b"localhost", ""):
            return True
        text = host.decode() if isinstance(host, bytes) else str(host)
        try:
            return ipaddress.ip_address(text.split("%")[0]).is_loopback
        except ValueError:
            return False

    def check_address(self, family: int, address: Any) -> None:
        if family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else address
        if not self.allowed_host(host):
            self.attempts.append(f"connect to {address!r}")
            raise ConnectionRefusedError(f"tests may only reach loopback, not {address!r}")

    def check_lookup(self, host: object) -> None:
        if not self.allowed_host(host):
            self.attempts.append(f"name lookup of {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"tests may only resolve loopback: {host!r}")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        guard.check_address(self.family, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard.check_address(self.family, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check_lookup(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    assert not guard.attempts, f"a client tried to leave loopback: {guard.attempts}"


# -- what the clients called ---------------------------------------------------------

_ACCESS_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>[^ ?"]+)[^ "]* HTTP/[0-9.]+" (?P<status>\d+)'
)


def unserved_requests(log: Path) -> list[str]:
    """Requests in a server's access log that no route of the app matches (or whose
    method it does not take): endpoints a real client needs and we do not serve."""
    from starlette.routing import Match

    # Only the routing table is used: nothing is opened, nothing lands in the work tree.
    settings = Settings(
        backend_store_uri="sqlite://", artifacts_destination=str(log.parent / "artifacts")
    )
    routes = create_app(settings).routes
    out = []
    for line in log.read_text(errors="replace").splitlines():
        m = _ACCESS_LINE.search(line)
        if m is None:
            continue
        scope = {"type": "http", "path": m["path"], "root_path": "", "method": m["method"]}
        matches = [route.matches(scope)[0] for route in routes]
        if Match.FULL not in matches:
            out.append(f"{m['method']} {m['path']} -> {m['status']}")
    return sorted(set(out))
