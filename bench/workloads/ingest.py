"""Writing into runs: log-batch ingest, single-entity latency, create-run, get-run."""

from __future__ import annotations

import time
from typing import Any

import orjson

from bench.client import Client, now_ms, run_threads
from bench.workloads.common import (
    HIGHER,
    LOWER,
    Context,
    Measure,
    budget,
    cpu_measure,
    latency_measures,
    metric_entries,
    timed_requests,
)

BATCH_CLIENTS = 4
BATCH_METRICS = 1000
KEYS = [f"m{i}" for i in range(10)]


def log_batch(ctx: Context) -> list[Measure]:
    """4 clients, each with its own run, each request 1,000 metric points (10 keys x 100 steps)."""
    per_client = ctx.size(50, 250)
    limit = ctx.seconds(60, 240)
    setup = ctx.client()
    exp = ctx.experiment(setup, "log-batch")
    run_ids = [setup.create_run(exp) for _ in range(BATCH_CLIENTS)]
    base = now_ms()
    steps_per_request = BATCH_METRICS // len(KEYS)
    bodies = [
        [
            orjson.dumps(
                {
                    "run_id": run_id,
                    "metrics": metric_entries(
                        KEYS,
                        range(r * steps_per_request, (r + 1) * steps_per_request),
                        base,
                        lambda s, j: (s * 7 + j) % 1000 / 1000.0,
                    ),
                }
            )
            for r in range(per_client)
        ]
        for run_id in run_ids
    ]
    clients = [ctx.client() for _ in range(BATCH_CLIENTS)]
    for c in clients:  # open the connections before the clock starts
        c.get("experiments/get", {"experiment_id": exp})

    def work(i: int) -> tuple[float, float, int]:
        began = time.perf_counter()
        sent = 0
        for r in budget(per_client, limit):
            clients[i].post("runs/log-batch", bodies[i][r])
            sent += 1
        return began, time.perf_counter(), sent

    cpu = ctx.cpu()
    spans = run_threads(BATCH_CLIENTS, work)
    cpu = ctx.cpu() - cpu
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    requests = sum(n for _, _, n in spans)
    points = requests * BATCH_METRICS
    _check_points(setup, run_ids[0], "m0", spans[0][2] * steps_per_request)
    return [
        Measure(
            "log-batch.points",
            f"log-batch ingest ({BATCH_CLIENTS} clients x {BATCH_METRICS:,} metrics)",
            points / wall,
            "points/s",
            HIGHER,
            f"{points:,} points in {wall:.2f} s",
        ),
        cpu_measure("log-batch", "log-batch ingest", cpu, points, "µs/point"),
    ]


def _check_points(client: Client, run_id: str, key: str, expected: int) -> None:
    got = 0
    token = None
    while True:
        query: dict[str, Any] = {"run_id": run_id, "metric_key": key, "max_results": 25000}
        if token:
            query["page_token"] = token
        page = client.get("metrics/get-history", query)
        got += len(page.get("metrics", []))
        token = page.get("next_page_token")
        if not token:
            break
    if got != expected:
        raise AssertionError(f"run {run_id} has {got} points of {key}, expected {expected}")


def _single(ctx: Context, what: str, make: Any) -> list[Measure]:
    client = ctx.client()
    exp = ctx.experiment(client, what)
    run_id = client.create_run(exp)
    cpu = ctx.cpu()
    lat = timed_requests(
        lambda i: client.post(f"runs/{what}", make(run_id, i)),
        ctx.size(2000, 10_000),
        ctx.seconds(5, 30),
    )
    cpu = ctx.cpu() - cpu
    count = len(lat.seconds) + 20  # the warm-up requests ran inside the CPU window
    note = f"{len(lat.seconds):,} requests, one keep-alive connection"
    if client.reconnects:
        note += f", {client.reconnects} reconnects"
    return [
        *latency_measures(what, f"{what} (1 connection)", lat, note=note),
        cpu_measure(what, what, cpu, count, "ms/req"),
    ]


def log_metric(ctx: Context) -> list[Measure]:
    base = now_ms()
    return _single(
        ctx,
        "log-metric",
        lambda run_id, i: orjson.dumps(
            {
                "run_id": run_id,
                "key": "loss",
                "value": 1.0 / (i + 100),
                "timestamp": base + i,
                "step": i + 100,
            }
        ),
    )


def log_param(ctx: Context) -> list[Measure]:
    return _single(
        ctx,
        "log-parameter",
        lambda run_id, i: orjson.dumps({"run_id": run_id, "key": f"p{i + 100}", "value": str(i)}),
    )


def set_tag(ctx: Context) -> list[Measure]:
    return _single(
        ctx,
        "set-tag",
        lambda run_id, i: orjson.dumps({"run_id": run_id, "key": f"t{i + 100}", "value": str(i)}),
    )


def small_batch(run_id: str, i: int, seed: float = 0.0) -> dict[str, Any]:
    """5 params, 5 tags and 5 metrics, as a training script logs at the start of a run."""
    ts = now_ms()
    return {
        "run_id": run_id,
        "params": [
            {"key": "model", "value": f"m{i % 10}"},
            {"key": "lr", "value": str(10 ** -(1 + i % 4))},
            {"key": "batch_size", "value": str(2 ** (4 + i % 5))},
            {"key": "optimizer", "value": ("adam", "sgd", "adamw")[i % 3]},
            {"key": "seed", "value": str(i)},
        ],
        "tags": [
            {"key": "team", "value": ("vision", "nlp", "speech")[i % 3]},
            {"key": "owner", "value": f"user{i % 7}"},
            {"key": "stage", "value": ("dev", "staging", "prod")[i % 3]},
            {"key": "dataset", "value": f"d{i % 4}"},
            {"key": "note", "value": "benchmark run"},
        ],
        "metrics": [
            {"key": f"m{j}", "value": _unit(i, j, seed), "timestamp": ts, "step": 0}
            for j in range(5)
        ],
    }


def _unit(i: int, j: int, seed: float) -> float:
    """A deterministic value in [0, 1) that looks random enough for filters."""
    x = (i * 2654435761 + j * 40503 + int(seed * 1000)) % 2**32
    return (x % 10_000) / 10_000


def create_run(ctx: Context) -> list[Measure]:
    """runs/create then one log-batch of 5 params, 5 tags, 5 metrics; one connection."""
    client = ctx.client()
    exp = ctx.experiment(client, "create-run")

    def one(i: int) -> None:
        run_id = client.create_run(exp)
        client.post("runs/log-batch", orjson.dumps(small_batch(run_id, i)))

    cpu = ctx.cpu()
    lat = timed_requests(one, ctx.size(500, 3000), ctx.seconds(8, 60), warmup=5)
    cpu = ctx.cpu() - cpu
    return [
        Measure(
            "create-run.rate",
            "create-run + log-batch 5/5/5 (1 connection)",
            lat.rate,
            "runs/s",
            HIGHER,
            f"{len(lat.seconds):,} runs",
        ),
        Measure("create-run.p50", "create-run + log-batch 5/5/5: p50", lat.p50 * 1000, "ms", LOWER),
        cpu_measure("create-run", "create-run + log-batch", cpu, len(lat.seconds) + 5, "ms/run"),
    ]


def get_run(ctx: Context) -> list[Measure]:
    client = ctx.client()
    exp = ctx.experiment(client, "get-run")
    run_id = client.create_run(exp)
    client.post("runs/log-batch", orjson.dumps(small_batch(run_id, 3)))
    got = client.get("runs/get", {"run_id": run_id})["run"]["data"]
    if len(got.get("params", [])) != 5 or len(got.get("metrics", [])) != 5:
        raise AssertionError(f"runs/get returned {got}")
    cpu = ctx.cpu()
    lat = timed_requests(
        lambda _i: client.get("runs/get", {"run_id": run_id}),
        ctx.size(1000, 5000),
        ctx.seconds(5, 20),
    )
    cpu = ctx.cpu() - cpu
    return [
        *latency_measures("get-run", "get-run, 5 params/5 metrics (1 connection)", lat),
        cpu_measure("get-run", "get-run", cpu, len(lat.seconds) + 20, "ms/req"),
    ]
