"""The results table, the target verdicts, and bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.workloads.common import HIGHER, INFO, Measure

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARKER = "<!-- newest results go below this line -->"
HEADER = f"""# Benchmark results

Written by `python -m bench` (see README.md here): newest first, earlier runs kept
below so the trend shows. "vs X" is how many times better trackbook is than X on
that row — its throughput divided by X's, or X's latency, time or memory divided
by trackbook's; below 1x means X is better.

{MARKER}
"""


@dataclass(frozen=True)
class Target:
    key: str
    issue: int
    text: str
    op: str  # ">=", "<=", "<"
    value: float


TARGETS = [
    Target(
        "log-batch.points", 2, "log-batch ingest >= 150,000 points/s (4 clients)", ">=", 150_000
    ),
    Target("log-metric.rate", 2, "single log-metric >= 1,000 req/s", ">=", 1000),
    Target("log-metric.p50", 2, "single log-metric p50 < 1 ms", "<", 1.0),
    Target("create-run.rate", 2, "create-run + log-batch 5/5/5 >= 800 runs/s", ">=", 800),
    Target("history.100000", 2, "get-history of 100,000 points <= 0.3 s", "<=", 0.3),
    Target("server.idle_rss", 2, "idle RSS of the whole server <= 150 MB", "<=", 150),
    Target("server.startup", 2, "first answer <= 1.5 s after launch", "<=", 1.5),
    Target("search.page", 3, "first page of 1,000 runs, no filter <= 40 ms (5,000 runs)", "<=", 40),
    Target("search.filter", 3, "filter + order, 100 rows <= 8 ms (5,000 runs)", "<=", 8),
    Target("search.walk", 3, "walk all runs >= 20,000 runs/s", ">=", 20_000),
    Target("experiments.search", 3, "experiment prefix search <= 5 ms (1,000)", "<=", 5),
    Target("scale.filter", 3, "filter + order, 100 rows <= 50 ms (100,000 runs)", "<=", 50),
    Target("scale.walk", 3, "walk all runs >= 20,000 runs/s (100,000 runs)", ">=", 20_000),
]


@dataclass
class ServerResult:
    name: str
    version: str = "?"
    measures: list[Measure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # workloads that raised

    def get(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def advantage(tb: Measure | None, peer: Measure | None) -> float | None:
    """How many times better trackbook is than the peer on this row."""
    if tb is None or peer is None or tb.value is None or peer.value is None:
        return None
    if tb.better == INFO:
        return None
    if tb.value == 0 or peer.value == 0:
        return None
    return tb.value / peer.value if tb.better == HIGHER else peer.value / tb.value


def table(results: list[ServerResult]) -> str:
    order: list[str] = []
    rows: dict[str, Measure] = {}
    for r in results:
        for m in r.measures:
            if m.key not in rows:
                order.append(m.key)
                rows[m.key] = m
    for r in results:  # a workload that failed everywhere still gets a row
        for name in sorted(r.failed):
            if not any(m.workload == name for m in rows.values()):
                order.append(name)
                rows[name] = Measure(name, name, None, "", INFO, workload=name)
    base = next((r for r in results if r.name == "trackbook"), None)
    head = ["workload", "unit"]
    for r in results:
        head.append(r.name)
        if base is not None and r is not base:
            head.append(f"vs {r.name}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in order:
        ref = rows[key]
        cells = [ref.label, ref.unit]
        for r in results:
            m = r.get(key)
            cells.append("failed" if m is None and ref.workload in r.failed else _cell(m))
            if base is not None and r is not base:
                ratio = advantage(base.get(key), m)
                cells.append(
                    "" if ratio is None else f"{ratio:.2g}x" if ratio < 10 else f"{ratio:.0f}x"
                )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(m: Measure | None) -> str:
    if m is None:
        return "—"
    if m.value is None:
        return m.note or "n/a"
    return fmt(m.value)


def verdicts(result: ServerResult) -> str:
    lines = ["| target | issue | measured | verdict |", "|---|---|---|---|"]
    for t in TARGETS:
        m = result.get(t.key)
        if m is None or m.value is None:
            continue
        v = m.value
        ok = {">=": v >= t.value, "<=": v <= t.value, "<": v < t.value}[t.op]
        if ok:
            margin = v / t.value if t.op == ">=" else t.value / v if v else float("inf")
            verdict = f"met ({margin:.2g}x the target)"
        elif t.op == ">=":
            verdict = f"**missed**: {1 - v / t.value:.0%} short ({v / t.value:.2g}x the target)"
        else:
            verdict = f"**missed**: {v / t.value:.2g}x over the limit"
        lines.append(f"| {t.text} | #{t.issue} | {fmt(v)} {m.unit} | {verdict} |")
    return "\n".join(lines)


def notes(results: list[ServerResult]) -> list[str]:
    out = []
    for r in results:
        out.extend(f"{r.name}: {e}" for e in r.errors)
        for m in r.measures:
            if m.note and m.value is not None and m.key != "server.load":
                out.append(f"{r.name} · {m.label}: {m.note}")
    return out


def machine() -> str:
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"nproc {len(os.sched_getaffinity(0))} ({cpu}), {mem / 2**30:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def entry(
    results: list[ServerResult],
    *,
    quick: bool,
    store: str,
    argv: list[str],
    load_before: str,
    started: dt.datetime,
) -> str:
    when = started.strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick" if quick else "full"
    versions = ", ".join(f"{r.name} {r.version}" for r in results)
    command = "python -m bench " + shlex.join(argv)
    parts = [
        f"## {when} · {mode} · {store}",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine()}; a shared 2-core machine where other engineers' tests may "
        f"run at the same time (load average {load_before} before, {load()} after).  ",
        f"Servers: {versions}; each on 127.0.0.1 with a fresh {store} database.",
        "",
        table(results),
    ]
    tb = next((r for r in results if r.name == "trackbook"), None)
    if tb is not None and any(tb.get(t.key) for t in TARGETS):
        parts += ["", "Targets for trackbook:", "", verdicts(tb)]
    extra = notes(results)
    if extra:
        parts += ["", "<details><summary>Notes</summary>", ""]
        parts += [f"- {n}" for n in extra]
        parts += ["", "</details>"]
    return "\n".join(parts) + "\n"


def append(text: str, path: Path = RESULTS) -> None:
    """Put ``text`` at the top of the results, above every earlier entry."""
    current = path.read_text() if path.exists() else HEADER
    if MARKER not in current:
        current = HEADER + "\n" + current
    head, tail = current.split(MARKER, 1)
    path.write_text(
        f"{head}{MARKER}\n\n{text}{tail}" if tail.strip() else f"{head}{MARKER}\n\n{text}"
    )


def print_summary(results: list[ServerResult]) -> None:
    print(table(results))
    tb = next((r for r in results if r.name == "trackbook"), None)
    if tb is not None:
        print()
        print(verdicts(tb))
    for n in notes(results):
        print(f"  {n}", file=sys.stderr)
