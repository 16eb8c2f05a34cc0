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
# Frames of the event loop and thread pool machinery: on every stack, saying nothing.
_PLUMBING = ("threading.py", "concurrent/futures/thread.py", "asyncio/", "uvicorn/", "anyio/")


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


def summarise(collapsed: Path, top: int = 20) -> str:
    """The functions that take the most samples, self and total, as a text report."""
    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_name(f) for f in stack.split(";") if f]
        # py-spy puts the thread name first ("process 123:\"...\"" / "thread (0x…)").
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        samples += n
        self_time[frames[-1]] += n
        for f in set(frames):
            if not any(p in f for p in _PLUMBING):
                total_time[f] += n
    if not samples:
        return "no samples (the server was idle?)"
    lines = [f"{samples:,} samples of busy threads", "", "self (on top of the stack):"]
    lines += [f"  {n / samples:6.1%}  {f}" for f, n in self_time.most_common(top)]
    lines += ["", "total (anywhere on the stack):"]
    lines += [f"  {n / samples:6.1%}  {f}" for f, n in total_time.most_common(top)]
    return "\n".join(lines)
