"""``python -m bench``: start each server, drive the workloads, print and record the table."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
import traceback
from pathlib import Path

from bench import procs, report, servers
from bench.workloads import GROUPS, WORKLOADS, Context, Measure, select
from bench.workloads.common import INFO, LOWER

WORK = Path(__file__).resolve().parent / ".work"
IDLE_SETTLE_SECONDS = 3.0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="trackbook side by side with MLflow and FastTrackML, over raw HTTP.",
    )
    p.add_argument("--quick", action="store_true", help="small sizes: about 2 minutes per server")
    p.add_argument(
        "--servers",
        default="trackbook,mlflow,fasttrackml",
        help="comma-separated, from: " + ", ".join(servers.KINDS),
    )
    p.add_argument(
        "--workloads",
        default="all",
        help="comma-separated names or groups; groups: "
        + "; ".join(f"{g} = {','.join(ws)}" for g, ws in GROUPS.items() if g != "all")
        + "; names: "
        + ", ".join(WORKLOADS),
    )
    p.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument(
        "--profile",
        action="store_true",
        help="sample the trackbook server with py-spy during each workload (figures are then"
        " disturbed, so nothing is written to RESULTS.md)",
    )
    p.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    return p.parse_args(argv)


def _terminate(signum: int, _frame: object) -> None:
    # Unwind normally, so every server started so far is stopped by its context manager.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    args = parse(argv)
    try:
        names = select(args.workloads)
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    kinds = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [k for k in kinds if k not in servers.KINDS]
    if unknown:
        print(f"bench: unknown server(s) {', '.join(unknown)}", file=sys.stderr)
        return 2

    started = dt.datetime.now(dt.UTC)
    run_dir = WORK / f"{started:%Y%m%d-%H%M%S}-{args.store}{'-quick' if args.quick else ''}"
    run_dir.mkdir(parents=True, exist_ok=True)
    load_before = report.load()
    results = []
    for kind in kinds:
        server = servers.KINDS[kind](kind)
        result = report.ServerResult(kind)
        results.append(result)
        began = time.perf_counter()
        try:
            server.prepare(args.store)
            result.version = server.version
            _bench_server(server, names, args, run_dir, result)
        except Exception as exc:  # a peer that cannot start must not stop the others
            result.errors.append(f"{type(exc).__name__}: {exc}".strip()[:2000])
            traceback.print_exc()
        _log(f"{kind}: done in {time.perf_counter() - began:.0f} s")

    print()
    report.print_summary(results)
    if not (args.profile or args.no_record):
        text = report.entry(
            results,
            quick=args.quick,
            store=args.store,
            argv=argv,
            load_before=load_before,
            started=started,
        )
        report.append(text)
        _log(f"recorded in {report.RESULTS}")
    _log(f"server logs and data in {run_dir}")
    return 0


def _bench_server(
    server: servers.Server,
    names: list[str],
    args: argparse.Namespace,
    run_dir: Path,
    result: report.ServerResult,
) -> None:
    workdir = run_dir / server.name
    workdir.mkdir(parents=True, exist_ok=True)
    with (
        servers.database(args.store, workdir, server.name) as db,
        servers.start(server, db, workdir) as running,
    ):
        _log(f"{server.name} {server.version}: answered in {running.startup_seconds:.2f} s")
        result.measures.append(
            Measure(
                "server.startup",
                "start-up: launch to first 200 on /health",
                running.startup_seconds,
                "s",
                LOWER,
            )
        )
        time.sleep(IDLE_SETTLE_SECONDS)
        idle, count = procs.tree_rss(running.pid)
        result.measures.append(
            Measure(
                "server.idle_rss",
                "idle RSS, whole process tree",
                idle / 2**20,
                "MB",
                LOWER,
                f"{count} processes",
            )
        )
        ctx = Context(
            server.name, running.port, args.quick, pid=running.pid, store_uri=db.uri(server.name)
        )
        with procs.PeakSampler(running.pid) as sampler:
            for name in names:
                _run_workload(name, ctx, running, args, run_dir, result)
        ctx.close()
        result.measures.append(
            Measure(
                "server.peak_rss",
                "peak RSS during the workloads, whole tree",
                sampler.peak / 2**20,
                "MB",
                LOWER,
                f"{sampler.peak_processes} processes",
            )
        )
        result.measures.append(
            Measure(
                "server.load",
                "machine load average (1 min) during this server's run",
                sampler.mean_load,
                "",
                INFO,
            )
        )
        if running.process.poll() is not None:
            result.errors.append(f"exited with {running.process.returncode} during the run")


def _run_workload(
    name: str,
    ctx: Context,
    running: servers.Running,
    args: argparse.Namespace,
    run_dir: Path,
    result: report.ServerResult,
) -> None:
    began = time.perf_counter()
    profiling = args.profile and running.server.name == "trackbook"
    try:
        if profiling:
            from bench import profile

            raw = run_dir / f"profile-{name}.txt"
            with profile.record(running.pid, raw):
                measures = WORKLOADS[name](ctx)
            summary = profile.summarise(raw)
            (run_dir / f"profile-{name}.summary.txt").write_text(summary + "\n")
            print(f"\n== profile of trackbook during {name}\n{summary}\n", file=sys.stderr)
        else:
            measures = WORKLOADS[name](ctx)
    except Exception as exc:
        result.errors.append(f"{name}: {type(exc).__name__}: {exc}"[:2000])
        result.failed.add(name)
        _log(f"{running.server.name} {name}: FAILED: {exc}"[:500])
        return
    for m in measures:
        m.workload = name
    result.measures.extend(measures)
    shown = "; ".join(
        f"{m.label.split(':')[-1].strip()} {report.fmt(m.value)} {m.unit}" for m in measures
    )
    _log(f"{running.server.name} {name} ({time.perf_counter() - began:.1f} s): {shown}")


def _log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
