"""Reading metric series: one long history, and sampled histories of 100 runs for charts."""

from __future__ import annotations

import statistics
import time
from typing import Any

import orjson

from bench.client import AJAX_API, API, Client, HTTPError, now_ms, run_threads
from bench.workloads.common import LOWER, Context, Measure, budget, cpu_measure, repeat_ms

#: What the ``mlflow`` client asks for per page when it reads a whole history.
MLFLOW_CLIENT_PAGE = 25_000
SEED_CLIENTS = 4
BATCH = 1000


def _seed_series(
    ctx: Context, run_ids: list[str], key: str, points_per_run: int, seconds: float
) -> tuple[float, int]:
    """Log ``points_per_run`` points of ``key`` into each run (1,000 per log-batch,
    4 clients), in step order, stopping early once ``seconds`` have passed; returns the
    seconds taken and the points each run got (all runs get the same steps)."""
    base = now_ms()
    jobs = [(run_id, start) for run_id in run_ids for start in range(0, points_per_run, BATCH)]
    clients = [ctx.client() for _ in range(SEED_CLIENTS)]
    jobs.sort(key=lambda job: job[1])  # every run reaches each step before any goes on
    deadline = time.perf_counter() + seconds
    done: list[tuple[str, int]] = []

    def work(i: int) -> None:
        for run_id, start in jobs[i::SEED_CLIENTS]:
            if time.perf_counter() > deadline:
                return
            stop = min(start + BATCH, points_per_run)
            body = {
                "run_id": run_id,
                "metrics": [
                    {"key": key, "value": (s % 977) / 977.0, "timestamp": base + s, "step": s}
                    for s in range(start, stop)
                ],
            }
            clients[i].post("runs/log-batch", orjson.dumps(body))
            done.append((run_id, start))

    began = time.perf_counter()
    run_threads(SEED_CLIENTS, work)
    elapsed = time.perf_counter() - began
    per_run = {run_id: 0 for run_id in run_ids}
    for run_id, start in done:
        per_run[run_id] += min(BATCH, points_per_run - start)
    return elapsed, min(per_run.values())


def read_history(client: Client, run_id: str, key: str) -> tuple[int, int]:
    """Every page of one metric, as the ``mlflow`` client reads it; (points, pages)."""
    points = pages = 0
    token = None
    while True:
        query: dict[str, Any] = {
            "run_id": run_id,
            "metric_key": key,
            "max_results": MLFLOW_CLIENT_PAGE,
        }
        if token:
            query["page_token"] = token
        page = client.get("metrics/get-history", query)
        points += len(page.get("metrics", []))
        pages += 1
        token = page.get("next_page_token")
        if not token:
            return points, pages


def get_history(ctx: Context) -> list[Measure]:
    sizes = [100_000] if ctx.quick else [100_000, 1_000_000]
    client = ctx.client()
    exp = ctx.experiment(client, "history")
    out: list[Measure] = []
    for size in sizes:
        run_id = client.create_run(exp)
        took, seeded = _seed_series(ctx, [run_id], "loss", size, ctx.seconds(120, 600))
        times: list[float] = []
        pages = 0
        cpu = ctx.cpu()
        for _ in budget(3 if size <= 100_000 else 2, ctx.seconds(10, 60)):
            began = time.perf_counter()
            points, pages = read_history(client, run_id, "loss")
            times.append(time.perf_counter() - began)
            if points != seeded:
                raise AssertionError(f"get-history returned {points:,} points, not {seeded:,}")
        cpu = ctx.cpu() - cpu
        label = f"{size // 1000:,}k" if size < 1_000_000 else f"{size // 1_000_000}M"
        out.append(
            Measure(
                f"history.{size}",
                f"get-history, {label} points, all pages",
                statistics.median(times),
                "s",
                LOWER,
                f"median of {len(times)}, {pages} pages; seeded at {seeded / took:,.0f} points/s"
                + ("" if seeded == size else f"; ONLY {seeded:,} points (seeding time limit)"),
            )
        )
        out.append(
            cpu_measure(
                f"history.{size}", f"get-history, {label}", cpu, seeded * len(times), "µs/point"
            )
        )
    return out


def _bulk_prefix(client: Client, run_id: str) -> str | None:
    """Where the server answers get-history-bulk-interval (MLflow: only under /ajax-api/)."""
    for prefix in (AJAX_API, API):
        try:
            client.get(
                "metrics/get-history-bulk-interval",
                [("run_ids", run_id), ("metric_key", "loss")],
                prefix=prefix,
            )
        except HTTPError as exc:
            if exc.status == 404:
                continue
            raise
        return prefix
    return None


def get_history_bulk_interval(ctx: Context) -> list[Measure]:
    """100 runs x N steps of one metric; one request samples 320 points of each run."""
    steps = ctx.size(1000, 10_000)
    client = ctx.client()
    exp = ctx.experiment(client, "bulk")
    run_ids = [client.create_run(exp) for _ in range(100)]
    label = f"get-history-bulk-interval, 100 runs x {steps:,} steps: p50"
    prefix = _bulk_prefix(client, run_ids[0])
    if prefix is None:
        return [Measure("history-bulk.p50", label, None, "ms", LOWER, "endpoint not served")]
    _, seeded = _seed_series(ctx, run_ids, "loss", steps, ctx.seconds(120, 600))
    query = [("run_ids", r) for r in run_ids] + [("metric_key", "loss"), ("max_results", 320)]
    first = client.get("metrics/get-history-bulk-interval", query, prefix=prefix)
    got = len(first.get("metrics", []))
    if got < 100 * 2:
        raise AssertionError(f"get-history-bulk-interval returned {got} points for 100 runs")
    times = repeat_ms(
        lambda: client.get("metrics/get-history-bulk-interval", query, prefix=prefix),
        ctx.size(10, 30),
        warmup=0,
        seconds=ctx.seconds(10, 60),
    )
    return [
        Measure(
            "history-bulk.p50",
            label,
            statistics.median(times),
            "ms",
            LOWER,
            f"{got:,} points per answer"
            + ("" if seeded == steps else f"; ONLY {seeded:,} steps per run (seeding time limit)"),
        ),
    ]
