"""Memory of a whole process tree, read from /proc (no third-party dependency)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        out.extend(int(c) for c in text.split())
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    seen: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        if p in seen or not os.path.exists(f"/proc/{p}"):
            continue
        seen.append(p)
        todo.extend(_children(p))
    return seen


def rss_bytes(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the tree under ``pid`` so far.

    Unlike wall time, this barely moves when other programs compete for the cores, so
    it is the steadier figure on a shared machine."""
    total = 0
    for p in tree(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def tree_rss(pid: int) -> tuple[int, int]:
    """(sum of the resident set sizes, number of processes) of the tree under ``pid``."""
    pids = tree(pid)
    return sum(rss_bytes(p) for p in pids), len(pids)


class PeakSampler:
    """Samples the tree's RSS in the background; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.peak_processes = 0
        self._loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean_load(self) -> float:
        """Mean of the 1-minute load average over the samples: how busy the machine was."""
        return sum(self._loads) / len(self._loads) if self._loads else os.getloadavg()[0]

    def _run(self) -> None:
        while True:
            total, count = tree_rss(self.pid)
            if total > self.peak:
                self.peak, self.peak_processes = total, count
            self._loads.append(os.getloadavg()[0])
            if self._stop.wait(self.interval):
                return
