"""Sampling the trackbook server with py-spy while a workload runs, and summing the stacks.

py-spy is installed into ``bench/.envs/tools`` on first use (never into the project's
environment). It samples the server process from outside, non-blocking; the raw
("collapsed") stacks are kept next to the run, and :func:`summarise` ranks functions
by the share of samples where they are on top of the stack (self) and anywhere on it
(total).
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench.servers import _venv

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Frames on every stack of a thread (the command line, the server loop, the pool
# thread's run loop): they say nothing about where a request's time goes.
_PLUMBING = (
    "<frozen runpy>",
    "click/",
    "trackbook/__main__.py",
    "trackbook/cli/",
    "threading.py",
    "concurrent/futures/thread.py",
    "asyncio/runners.py",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "anyio/_backends/_asyncio.py",
)
_WAITS = ("Condition.wait", "Queue.get", "Event.wait", "WorkerThread.run", "Lock.acquire")
_DRIVER = ("do_execute", "do_executemany", "do_commit", "do_rollback", "do_begin")


_IDLE_LAYERS = ("event loop in native code", "threads waiting")


def layer(frames: list[str]) -> str:
    """Which part of the server a sample's time belongs to, from its stack (root first)."""
    leaf = frames[-1]
    func = leaf.split(" ", 1)[0].rsplit(".", 1)[-1]
    if leaf.startswith("Runner.run "):
        return "event loop in native code (uvloop: socket I/O, or waiting for it)"
    if leaf.startswith(_WAITS):
        return "threads waiting (thread-pool hand-off, queues)"
    if "sqlalchemy/engine/default.py" in leaf and func in _DRIVER:
        if any(f.startswith("Connection._begin_impl ") for f in frames):
            return "sqlite3 driver: BEGIN (waiting for the write lock)"
        if func == "do_commit":
            return "sqlite3 driver: COMMIT (WAL write)"
        return "sqlite3 driver: executing statements (C)"
    if "sqlalchemy/engine/cursor.py" in leaf and func.startswith("fetch"):
        return "sqlite3 driver: stepping and fetching rows (C)"
    if "sqlalchemy/" in leaf:
        return "SQLAlchemy in Python (compile, cache keys, events, results)"
    if "trackbook/" in leaf:
        return "trackbook code"
    if any(m in leaf for m in ("starlette/", "uvicorn/", "anyio/", "h11/", "httptools")):
        return "HTTP framework (uvicorn, starlette, anyio)"
    return "other (stdlib, orjson, …)"


def pyspy() -> Path:
    return _venv("tools", ["py-spy"]) / "bin" / "py-spy"


@contextlib.contextmanager
def record(pid: int, out: Path, rate: int = 200) -> Iterator[Path]:
    """Sample ``pid`` until the block ends; the collapsed stacks land in ``out``."""
    proc = subprocess.Popen(
        [
            str(pyspy()),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield out
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def summarise(collapsed: Path, top: int = 20, focus: str | None = None) -> str:
    """The server's sampled time by layer, and the functions that take the most samples:
    on top of the stack (self), and anywhere on it (total). With ``focus``, only the
    samples with a frame whose name starts with it (e.g. ``get_history``)."""
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";") if f]
        # py-spy may put the thread first ("process 123:…" / "thread (0x…)").
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or (focus and not any(f.startswith(focus) for f in frames)):
            continue
        samples += n
        self_time[frames[-1]] += n
        layers[layer(frames)] += n
        for f in set(frames):
            if not any(p in f for p in _PLUMBING):
                total_time[f] += n
    if not samples:
        return "no samples (the server was idle?)"
    scope = f" under {focus}" if focus else ""
    lines = [f"{samples:,} samples{scope} (200 per second per busy thread)", "", "by layer:"]
    busy = sum(n for name, n in layers.items() if not name.startswith(_IDLE_LAYERS))
    lines += [
        f"  {n / samples:6.1%}  {name}"
        + ("" if name.startswith(_IDLE_LAYERS) or not busy else f"  [{n / busy:.0%} of busy]")
        for name, n in layers.most_common()
    ]
    lines += ["", "self (on top of the stack):"]
    lines += [f"  {n / samples:6.1%}  {f}" for f, n in self_time.most_common(top)]
    lines += ["", "total (anywhere on the stack):"]
    lines += [f"  {n / samples:6.1%}  {f}" for f, n in total_time.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=summarise.__doc__)
    parser.add_argument("collapsed", type=Path, help="a profile-<workload>.txt of a run")
    parser.add_argument("--focus", help="only samples under a function, e.g. get_history")
    parser.add_argument("--top", type=int, default=20)
    ns = parser.parse_args()
    print(summarise(ns.collapsed, ns.top, ns.focus))
