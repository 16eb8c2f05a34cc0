"""The workloads: each a function ``(Context) -> list[Measure]``, registered by name.

Every workload makes its own experiment and runs, so they can run in any order
and any subset; the search workloads share one population through the context.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.workloads import history, ingest, scale, search
from bench.workloads.common import Context, Measure

Workload = Callable[[Context], list[Measure]]

WORKLOADS: dict[str, Workload] = {
    "log-batch": ingest.log_batch,
    "log-metric": ingest.log_metric,
    "log-param": ingest.log_param,
    "set-tag": ingest.set_tag,
    "create-run": ingest.create_run,
    "get-run": ingest.get_run,
    "history": history.get_history,
    "history-bulk": history.get_history_bulk_interval,
    "populate": search.populate,
    "search": search.search_runs,
    "experiments": search.search_experiments,
    "scale": scale.search_at_scale,
}

GROUPS: dict[str, list[str]] = {
    # What issue 2 (the tracking core) sets targets for; start-up and memory are
    # measured on every run.
    "core": ["log-batch", "log-metric", "log-param", "set-tag", "create-run", "get-run", "history"],
    "search": ["populate", "search", "experiments"],
    # trackbook only: 100,000 runs written straight into its database, then searched.
    "scale": ["scale"],
    "all": list(WORKLOADS),
}


def select(spec: str | None) -> list[str]:
    """Workload names from a comma-separated list of names and groups, in table order."""
    if not spec:
        return list(WORKLOADS)
    wanted: set[str] = set()
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part in GROUPS:
            wanted.update(GROUPS[part])
        elif part in WORKLOADS:
            wanted.add(part)
        else:
            known = ", ".join([*WORKLOADS, *GROUPS])
            raise ValueError(f"unknown workload {part!r}; known: {known}")
    return [name for name in WORKLOADS if name in wanted]


__all__ = ["GROUPS", "WORKLOADS", "Context", "Measure", "Workload", "select"]
