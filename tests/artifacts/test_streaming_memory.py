"""Uploads and downloads stream: a 50 MB file moves through the proxy while the server's
resident memory grows by far less than the file (a bound on memory, not on time)."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.artifacts.conftest import start_artifact_server
from tests.conftest import RunningServer

FILE_BYTES = 50 * 1024 * 1024
MAX_GROWTH = 50 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the server's memory from /proc"
)


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def _reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM) so that it measures from now on."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_artifact_server(tmp_path_factory.mktemp("memory"))
    yield running
    running.stop()


def test_a_50_mb_round_trip_keeps_server_memory_flat(server: RunningServer, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with source.open("wb") as out:
        for i in range(FILE_BYTES // len(block)):
            piece = block[i:] + block[:i]
            out.write(piece)
            digest.update(piece)
    url = f"{server.url}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/big.bin"
    with httpx.Client(timeout=120) as client:
        # Warm up: code paths, thread pool and buffers exist before we measure.
        client.put(url.replace("big.bin", "warm.bin"), content=os.urandom(2 * 1024 * 1024))
        client.get(url.replace("big.bin", "warm.bin"))
        pid = server.process.pid
        peak_resettable = _reset_peak(pid)
        before = _status_kib(pid, "VmRSS") * 1024

        with source.open("rb") as body:
            assert client.put(url, content=body).status_code == 200
        received = hashlib.sha256()
        size = 0
        with client.stream("GET", url) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-length"] == str(FILE_BYTES)
            for chunk in answer.iter_bytes():
                received.update(chunk)
                size += len(chunk)

    after = _status_kib(pid, "VmHWM" if peak_resettable else "VmRSS") * 1024
    assert size == FILE_BYTES
    assert received.hexdigest() == digest.hexdigest()
    growth = after - before
    assert growth < MAX_GROWTH, f"server memory grew by {growth / 2**20:.1f} MiB"
