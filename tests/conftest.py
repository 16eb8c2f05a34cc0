"""Shared fixtures: settings, stores on every backend, the in-process API, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from trackbook.config import Settings
from trackbook.store import Store
from trackbook.web.app import create_app

# The real mlflow client decides about telemetry when it is first imported, so this has
# to happen before any test module imports it: no usage reports leave a test run.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

PG_ADMIN = os.environ.get("TRACKBOOK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN = os.environ.get("TRACKBOOK_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
BACKENDS = ("sqlite", "postgresql", "mysql")
SERVER_START_TIMEOUT = 90


def _unreachable(backend: str, exc: Exception) -> None:
    message = f"{backend} server not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must run every backend")
    pytest.skip(message)


def _fresh_database(admin_uri: str, backend: str) -> tuple[str, sa.Engine]:
    name = f"tb_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin_uri, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if backend == "mysql":
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                )
            else:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        engine.dispose()
        _unreachable(backend, exc)
    url = sa.engine.make_url(admin_uri).set(database=name)
    return url.render_as_string(hide_password=False), engine


def _drop_database(engine: sa.Engine, uri: str, backend: str) -> None:
    name = sa.engine.make_url(uri).database
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    engine.dispose()


@pytest.fixture(scope="session")
def server_database_uris() -> Iterator[dict[str, str]]:
    """One fresh database per server backend for this test session, dropped at the end."""
    made: dict[str, tuple[str, sa.Engine]] = {}
    yield _LazyDatabases(made)  # type: ignore[misc]
    for backend, (uri, engine) in made.items():
        _drop_database(engine, uri, backend)


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[Callable[[str], str]]:
    """A factory of new, empty databases on a server backend ("postgresql" or "mysql"),
    each dropped at the end of the session. Skips (fails on CI) when the server is down."""
    made: list[tuple[str, sa.Engine, str]] = []

    def make(backend: str) -> str:
        admin = PG_ADMIN if backend == "postgresql" else MYSQL_ADMIN
        uri, engine = _fresh_database(admin, backend)
        made.append((uri, engine, backend))
        return uri

    yield make
    for uri, engine, backend in made:
        _drop_database(engine, uri, backend)


class _LazyDatabases(dict):  # type: ignore[type-arg]
    """Creates a backend's database the first time a test asks for it."""

    def __init__(self, made: dict[str, tuple[str, sa.Engine]]) -> None:
        super().__init__()
        self.made = made

    def __missing__(self, backend: str) -> str:
        admin = PG_ADMIN if backend == "postgresql" else MYSQL_ADMIN
        uri, engine = _fresh_database(admin, backend)
        self.made[backend] = (uri, engine)
        self[backend] = uri
        return uri


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_uri(backend: str, tmp_path: Path, server_database_uris: dict[str, str]) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'trackbook.db'}"
    return server_database_uris[backend]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        backend_store_uri=f"sqlite:///{tmp_path / 'trackbook.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
    )


@pytest.fixture
def store(store_uri: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on each backend (PostgreSQL and MariaDB share one database per session)."""
    s = Store.open(
        Settings(backend_store_uri=store_uri, artifacts_destination=str(tmp_path / "artifacts"))
    )
    yield s
    s.close()


@pytest.fixture
def sqlite_store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings)
    yield s
    s.close()


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """The whole app in-process on SQLite, driven over httpx."""
    with TestClient(create_app(settings), base_url="http://trackbook.test") as client:
        yield client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    data_dir: Path, store_uri: str | None = None, *, access_log: bool = False
) -> RunningServer:
    """Start ``trackbook server`` as a real process on a free port and wait for /health.

    With ``access_log`` the server logs every request to ``data_dir/server.log``, so a
    test can see which endpoints a client called."""
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
        str(data_dir / "artifacts"),
        "--backend-store-uri",
        store_uri or f"sqlite:///{data_dir / 'trackbook.db'}",
        "--access-log" if access_log else "--no-access-log",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKBOOK_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=data_dir
        )
    url = f"http://127.0.0.1:{port}"
    # Generous: on a loaded CI machine (parallel workers, databases) start-up can crawl.
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return RunningServer(url, process, log)
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"server did not answer within {SERVER_START_TIMEOUT} s:\n{log.read_text()}")
