"""The servers under test: their environments, how each starts, and how it stops.

Every server runs as a child of this process in its own session (so its own
process group), listens on 127.0.0.1 on a free port, writes into a fresh database
and artifact folder under the run's work directory, and is stopped by signalling
that process group — never by name.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ENVS = BENCH / ".envs"

#: Extra wheels a store needs inside a peer's environment.
_PG_DRIVERS = {"mlflow": ["psycopg2-binary"], "fasttrackml": []}


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _venv(name: str, packages: list[str]) -> Path:
    """``bench/.envs/<name>`` with ``packages`` installed; created on first use."""
    env = ENVS / name
    python = env / "bin" / "python"
    marker = env / ".bench-installed"
    wanted = " ".join(sorted(packages))
    if marker.exists() and marker.read_text() == wanted:
        return env
    if not python.exists():
        print(f"bench: creating {env.relative_to(BENCH.parent)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    print(f"bench: installing {wanted} into {env.name}", file=sys.stderr)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
        check=True,
    )
    marker.write_text(wanted)
    return env


def _package_version(python: Path, dist: str) -> str:
    out = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"


@dataclass
class Database:
    """Where one server keeps its metadata for one benchmark run."""

    kind: str  # "sqlite" | "postgresql"
    path: Path | None = None  # SQLite file
    name: str | None = None  # PostgreSQL database

    def uri(self, server: str) -> str:
        if self.kind == "sqlite":
            assert self.path is not None
            if server == "fasttrackml":  # Go's URL parser: an empty host, then the path
                return f"sqlite://{self.path}"
            return f"sqlite:///{self.path}"
        base = f"postgres@127.0.0.1:5432/{self.name}"
        if server == "trackbook":
            return f"postgresql+psycopg://{base}"
        if server == "fasttrackml":
            return f"postgres://{base}?sslmode=disable"
        return f"postgresql://{base}"


@contextlib.contextmanager
def database(kind: str, workdir: Path, server: str) -> Iterator[Database]:
    if kind == "sqlite":
        yield Database("sqlite", path=workdir / f"{server}.db")
        return
    name = f"bench_{server}_{os.getpid()}_{int(time.time())}"
    _psql(f'CREATE DATABASE "{name}"')
    try:
        yield Database("postgresql", name=name)
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


@dataclass
class Server:
    """A server kind: how to prepare it and the command that starts it."""

    name: str
    version: str = "?"
    python: Path = field(default_factory=lambda: Path(sys.executable))

    def prepare(self, store: str) -> None:
        """Make sure the environment exists; learn the version."""

    def command(self, db: Database, artifacts: Path, port: int) -> list[str]:
        raise NotImplementedError


class Trackbook(Server):
    def prepare(self, store: str) -> None:
        self.version = _package_version(self.python, "trackbook")
        commit = subprocess.run(
            ["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if commit:
            dirty = subprocess.run(
                ["git", "-C", str(BENCH.parent), "status", "--porcelain", "--", "src"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            self.version += f" ({commit}{'+src changes' if dirty else ''})"

    def command(self, db: Database, artifacts: Path, port: int) -> list[str]:
        return [
            str(self.python),
            "-m",
            "trackbook",
            "server",
            "--backend-store-uri",
            db.uri("trackbook"),
            "--artifacts-destination",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]


class MLflow(Server):
    def prepare(self, store: str) -> None:
        extra = _PG_DRIVERS["mlflow"] if store == "postgresql" else []
        env = _venv("mlflow", ["mlflow", *extra])
        self.python = env / "bin" / "python"
        self.version = _package_version(self.python, "mlflow")

    def command(self, db: Database, artifacts: Path, port: int) -> list[str]:
        return [
            str(self.python.parent / "mlflow"),
            "server",
            "--backend-store-uri",
            db.uri("mlflow"),
            "--artifacts-destination",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            # uvicorn's supervisor kills a worker that misses a 5 s health check; on a
            # loaded 2-core machine MLflow's busy workers miss it and die mid-request.
            # A longer limit only keeps them alive, it does not make them faster.
            "--uvicorn-opts",
            "--timeout-worker-healthcheck 120",
        ]


class FastTrackML(Server):
    def prepare(self, store: str) -> None:
        env = _venv("fasttrackml", ["fasttrackml"])
        self.python = env / "bin" / "python"
        self.version = _package_version(self.python, "fasttrackml")

    def command(self, db: Database, artifacts: Path, port: int) -> list[str]:
        return [
            str(self.python.parent / "fml"),
            "server",
            "--listen-address",
            f"127.0.0.1:{port}",
            "--database-uri",
            db.uri("fasttrackml"),
            "--default-artifact-root",
            str(artifacts),
        ]


KINDS: dict[str, type[Server]] = {
    "trackbook": Trackbook,
    "mlflow": MLflow,
    "fasttrackml": FastTrackML,
}


@dataclass
class Running:
    """A started server: its process, port, log and how long it took to answer."""

    server: Server
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    startup_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid


def _health(port: int) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _clean_env() -> dict[str, str]:
    # A developer's own TRACKBOOK_* / MLFLOW_* settings must not leak into a server
    # under test.
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("TRACKBOOK_", "MLFLOW_", "FML_"))
    }


@contextlib.contextmanager
def start(server: Server, db: Database, workdir: Path, timeout: float = 300.0) -> Iterator[Running]:
    port = free_port()
    artifacts = workdir / f"{server.name}-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{server.name}.log"
    cmd = server.command(db, artifacts, port)
    with open(log, "wb") as out:
        began = time.perf_counter()
        process = subprocess.Popen(
            cmd,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_clean_env(),
            start_new_session=True,
        )
    running = Running(server, process, port, log)
    try:
        while True:
            if _health(port) == 200:
                running.startup_seconds = time.perf_counter() - began
                break
            if process.poll() is not None:
                raise ServerError(
                    f"{server.name} exited with {process.returncode} before answering; "
                    f"see {log}:\n{log.read_text(errors='replace')[-2000:]}"
                )
            if time.perf_counter() - began > timeout:
                raise ServerError(f"{server.name} did not answer /health within {timeout:.0f} s")
            time.sleep(0.01)
        yield running
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Stop the process group that ``process`` leads (it was started in its own session)."""
    if process.poll() is not None:
        return
    pgid = process.pid  # start_new_session: the child leads its own group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        process.wait()
    # Workers that outlived their parent are still in the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
