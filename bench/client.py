"""The one HTTP client every workload uses, whatever the server.

``http.client`` over one keep-alive connection per client, with TCP_NODELAY set
on our side (as urllib3, and so the ``mlflow`` client, does), JSON through orjson
so the client spends as little of the shared CPU as possible. Concurrency is
threads, each with its own :class:`Client`.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson

API = "/api/2.0/mlflow/"
AJAX_API = "/ajax-api/2.0/mlflow/"

T = TypeVar("T")


class HTTPError(Exception):
    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:300].decode(errors='replace')}")
        self.status = status
        self.body = body


class Client:
    """One keep-alive connection to ``127.0.0.1:port``."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 600.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reconnects = 0
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            conn.connect()
            assert conn.sock is not None
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def raw(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One request; the connection is re-opened once if the server closed it."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
                self.reconnects += 1
                continue
            if resp.will_close:
                self.close()
            return resp.status, data
        raise AssertionError("unreachable")

    def call(
        self,
        method: str,
        endpoint: str,
        payload: dict[str, Any] | bytes | None = None,
        *,
        query: dict[str, Any] | Sequence[tuple[str, Any]] | None = None,
        prefix: str = API,
    ) -> dict[str, Any]:
        path = prefix + endpoint
        if query:
            path += "?" + urlencode(query, doseq=True)
        body = orjson.dumps(payload) if isinstance(payload, dict) else payload
        status, data = self.raw(method, path, body)
        if status != 200:
            raise HTTPError(method, path, status, data)
        return orjson.loads(data) if data else {}

    def timed_post(self, endpoint: str, payload: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        """Milliseconds from sending the request to the last byte of the answer, and the
        answer. Decoding the JSON is left out of the time: it costs the client the same
        whichever server sent it (10-30 ms for a page of 1,000 runs in CPython)."""
        path = API + endpoint
        began = time.perf_counter()
        status, data = self.raw("POST", path, orjson.dumps(payload))
        elapsed = (time.perf_counter() - began) * 1000
        if status != 200:
            raise HTTPError("POST", path, status, data)
        return elapsed, orjson.loads(data)

    def post(self, endpoint: str, payload: dict[str, Any] | bytes, **kw: Any) -> dict[str, Any]:
        return self.call("POST", endpoint, payload, **kw)

    def get(self, endpoint: str, query: Any = None, **kw: Any) -> dict[str, Any]:
        return self.call("GET", endpoint, query=query, **kw)

    # -- the few calls every workload needs ---------------------------------
    def create_experiment(self, name: str) -> str:
        return str(self.post("experiments/create", {"name": name})["experiment_id"])

    def create_run(self, experiment_id: str, name: str | None = None) -> str:
        payload: dict[str, Any] = {"experiment_id": experiment_id, "start_time": now_ms()}
        if name:
            payload["run_name"] = name
        return str(self.post("runs/create", payload)["run"]["info"]["run_id"])


def now_ms() -> int:
    return int(time.time() * 1000)


def run_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` for i in range(count) on as many threads; re-raise the first error."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def target(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
