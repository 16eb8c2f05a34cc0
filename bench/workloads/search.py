"""Many runs and experiments: populating them, then the searches people run over them."""

from __future__ import annotations

import statistics
import time
from typing import Any

import orjson

from bench.client import run_threads
from bench.workloads.common import HIGHER, INFO, LOWER, Context, Measure, budget
from bench.workloads.ingest import small_batch

CLIENTS = 4
FILTER = "metrics.m0 > 0.5 and params.model = 'm3'"
ORDER = "metrics.m1 DESC"
PREFIX = "sweep-001"


def _population(ctx: Context) -> dict[str, Any]:
    if "population" not in ctx.cache:
        populate(ctx)
    return ctx.cache["population"]


def populate(ctx: Context) -> list[Measure]:
    """runs/create + log-batch (5 params, 5 tags, 5 metrics), 4 clients, into one experiment:
    5,000 runs (the size search's targets are set for), 2,000 in quick mode. The time
    limit is long enough for MLflow to reach the same count, so every server is searched
    over the same data."""
    target = ctx.size(2_000, 5_000)
    limit = ctx.seconds(240, 1200)
    setup = ctx.client()
    exp = ctx.experiment(setup, "population")
    clients = [ctx.client() for _ in range(CLIENTS)]

    def work(c: int) -> int:
        client = clients[c]
        made = 0
        for n in budget(len(range(c, target, CLIENTS)), limit):
            i = c + n * CLIENTS
            run_id = client.create_run(exp, f"run-{i:06d}")
            client.post("runs/log-batch", orjson.dumps(small_batch(run_id, i)))
            made += 1
        return made

    began = time.perf_counter()
    made = sum(run_threads(CLIENTS, work))
    wall = time.perf_counter() - began
    ctx.cache["population"] = {"experiment_id": exp, "runs": made}
    note = f"{made:,} runs in {wall:.1f} s"
    if made < target:
        note += f" (stopped at the {limit:.0f} s limit; target {target:,})"
    return [
        Measure("populate.rate", "run population (4 clients)", made / wall, "runs/s", HIGHER, note),
        Measure("populate.runs", "runs populated (searched below)", made, "runs", INFO),
    ]


def _search(ctx: Context, client: Any, **body: Any) -> dict[str, Any]:
    return _timed_search(ctx, client, **body)[1]


def _timed_search(ctx: Context, client: Any, **body: Any) -> tuple[float, dict[str, Any]]:
    pop = _population(ctx)
    return client.timed_post("runs/search", {"experiment_ids": [pop["experiment_id"]], **body})


def _repeat_timed(call: Any, times: int, seconds: float = 20.0) -> list[float]:
    """The server-side times (see Client.timed_post) of ``times`` calls after one warm-up."""
    call()
    return [call()[0] for _ in budget(times, seconds)]


def _values(run: dict[str, Any], part: str) -> dict[str, Any]:
    return {e["key"]: e["value"] for e in run.get("data", {}).get(part, [])}


def search_runs(ctx: Context) -> list[Measure]:
    pop = _population(ctx)
    client = ctx.client()
    total = pop["runs"]

    first = _search(ctx, client, max_results=1000)
    if len(first.get("runs", [])) != min(1000, total):
        raise AssertionError(f"first page has {len(first.get('runs', []))} runs")
    page_ms = _repeat_timed(lambda: _timed_search(ctx, client, max_results=1000), ctx.size(10, 20))

    found = _search(ctx, client, filter=FILTER, order_by=[ORDER], max_results=100)["runs"]
    last = None
    for run in found:
        metrics, params = _values(run, "metrics"), _values(run, "params")
        if not (metrics["m0"] > 0.5 and params["model"] == "m3"):
            raise AssertionError(f"filter returned a run that does not match: {run['info']}")
        if last is not None and metrics["m1"] > last:
            raise AssertionError("filter results are not ordered by metrics.m1 DESC")
        last = metrics["m1"]
    filter_ms = _repeat_timed(
        lambda: _timed_search(ctx, client, filter=FILTER, order_by=[ORDER], max_results=100),
        ctx.size(20, 40),
    )

    walked = pages = 0
    token = None
    walk_ms = 0.0
    while True:
        body: dict[str, Any] = {"max_results": 1000}
        if token:
            body["page_token"] = token
        took, page = _timed_search(ctx, client, **body)
        walk_ms += took
        walked += len(page.get("runs", []))
        pages += 1
        token = page.get("next_page_token")
        if not token:
            break
    walk = walk_ms / 1000
    if walked != total:
        raise AssertionError(f"walking every page gave {walked:,} runs, expected {total:,}")
    return [
        Measure(
            "search.page",
            "search runs, first page of 1,000, no filter: p50",
            statistics.median(page_ms),
            "ms",
            LOWER,
        ),
        Measure(
            "search.filter",
            "search runs, filter + order by metric, 100 rows: p50",
            statistics.median(filter_ms),
            "ms",
            LOWER,
            f"{len(found)} rows: {FILTER} ORDER BY {ORDER}",
        ),
        Measure(
            "search.walk",
            "search runs, walk all in pages of 1,000",
            walked / walk,
            "runs/s",
            HIGHER,
            f"{walked:,} runs, {pages} pages, {walk:.2f} s",
        ),
    ]


def search_experiments(ctx: Context) -> list[Measure]:
    """1,000 experiments named sweep-00000…, the size issue 3's target is set for; search
    a name prefix (the scale workload searches among 10,000)."""
    target = 1000
    limit = ctx.seconds(30, 900)
    clients = [ctx.client() for _ in range(CLIENTS)]
    tag = f"{time.time_ns() % 10**6:06d}"

    def work(c: int) -> list[str]:
        names = []
        for n in budget(len(range(c, target, CLIENTS)), limit):
            name = f"sweep-{c + n * CLIENTS:05d}-{tag}"
            clients[c].create_experiment(name)
            names.append(name)
        return names

    began = time.perf_counter()
    names = [n for part in run_threads(CLIENTS, work) for n in part]
    wall = time.perf_counter() - began
    expected = sum(1 for n in names if n.startswith(PREFIX))
    client = clients[0]
    query = {"filter": f"name LIKE '{PREFIX}%'", "max_results": 1000}
    got = client.post("experiments/search", query).get("experiments", [])
    if len(got) != expected:
        raise AssertionError(f"prefix search found {len(got)} experiments, expected {expected}")
    times = _repeat_timed(lambda: client.timed_post("experiments/search", query), ctx.size(20, 40))
    note = f"{len(names):,} experiments"
    if len(names) < target:
        note += f" (creation stopped at the {limit:.0f} s limit)"
    return [
        Measure(
            "experiments.create",
            "create experiments (4 clients)",
            len(names) / wall,
            "exp/s",
            HIGHER,
            note,
        ),
        Measure(
            "experiments.search",
            "search experiments by name prefix: p50",
            statistics.median(times),
            "ms",
            LOWER,
            f"{expected} matches among {len(names):,}",
        ),
    ]
