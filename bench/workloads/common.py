"""What workloads share: the measure record, the context, sizes, and the timing loops."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import procs
from bench.client import Client

HIGHER, LOWER, INFO = "higher", "lower", "info"  # INFO: context, not compared


@dataclass
class Measure:
    """One figure of one workload on one server."""

    key: str  # stable id, used for targets and to line servers up in the table
    label: str  # what a reader sees in the table
    value: float | None
    unit: str
    better: str = HIGHER
    note: str = ""
    workload: str = ""  # filled in by the runner


@dataclass
class Context:
    server: str
    port: int
    quick: bool
    pid: int = 0  # the server process (its whole tree is measured)
    store_uri: str = ""  # the server's metadata database (the scale workload writes to it)
    cache: dict[str, Any] = field(default_factory=dict)
    clients: list[Client] = field(default_factory=list)

    def client(self) -> Client:
        c = Client(self.port)
        self.clients.append(c)
        return c

    def size(self, quick: int, full: int) -> int:
        return quick if self.quick else full

    def seconds(self, quick: float, full: float) -> float:
        return quick if self.quick else full

    def experiment(self, client: Client, what: str) -> str:
        return client.create_experiment(f"bench-{what}-{uuid.uuid4().hex[:8]}")

    def cpu(self) -> float:
        """CPU seconds the server has used so far (0 when the pid is unknown)."""
        return procs.cpu_seconds(self.pid) if self.pid else 0.0

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.clients.clear()


def budget(count: int, seconds: float) -> Iterator[int]:
    """0, 1, 2 … up to ``count`` items, stopping early once ``seconds`` have passed."""
    deadline = time.perf_counter() + seconds
    for i in range(count):
        if i and time.perf_counter() > deadline:
            return
        yield i


@dataclass
class Latencies:
    seconds: list[float]
    wall: float

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.wall

    def pct(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)


def timed_requests(
    send: Callable[[int], object], count: int, seconds: float, warmup: int = 20
) -> Latencies:
    """Call ``send(i)`` one after the other, timing each; ``warmup`` untimed calls first."""
    for i in budget(warmup, seconds / 4):
        send(-1 - i)
    lat: list[float] = []
    began = time.perf_counter()
    for i in budget(count, seconds):
        t = time.perf_counter()
        send(i)
        lat.append(time.perf_counter() - t)
    return Latencies(lat, time.perf_counter() - began)


def latency_measures(
    key: str, label: str, lat: Latencies, unit: str = "req/s", note: str = ""
) -> list[Measure]:
    note = note or f"{len(lat.seconds):,} requests"
    return [
        Measure(f"{key}.rate", f"{label}: throughput", lat.rate, unit, HIGHER, note),
        Measure(f"{key}.p50", f"{label}: p50", lat.p50 * 1000, "ms", LOWER),
        Measure(f"{key}.p99", f"{label}: p99", lat.pct(0.99) * 1000, "ms", LOWER),
    ]


def repeat_ms(
    call: Callable[[], object], times: int, warmup: int = 1, seconds: float = 20.0
) -> list[float]:
    """Milliseconds of ``times`` calls (fewer if ``seconds`` run out; at least one)."""
    for _ in budget(warmup, seconds / 4):
        call()
    out = []
    for _ in budget(times, seconds):
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


def metric_entries(
    keys: list[str], steps: range, timestamp: int, value: Callable[[int, int], float]
) -> list[dict[str, Any]]:
    """log-batch metric entries: every key at every step."""
    return [
        {"key": k, "value": value(s, j), "timestamp": timestamp + s, "step": s}
        for s in steps
        for j, k in enumerate(keys)
    ]


def cpu_measure(key: str, label: str, cpu: float, count: float, unit: str) -> Measure:
    """Server CPU per operation: ``unit`` is "µs/point", "ms/req", …"""
    scale = 1e6 if unit.startswith("µs") else 1e3
    return Measure(
        f"{key}.cpu",
        f"{label}: server CPU per {unit.split('/')[1]}",
        cpu / count * scale if count else None,
        unit,
        LOWER,
        f"{cpu:.2f} CPU s for {count:,.0f}",
    )
