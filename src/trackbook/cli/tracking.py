"""What the ``experiments`` and ``runs`` commands share: where to look, and how to print.

They talk to a server or a local store through :class:`trackbook.Client`, so
they see exactly what a script sees. Output is a rich table for people, or
JSON (``--json``) for scripts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from trackbook.client import Client
from trackbook.client.config import ClientConfig
from trackbook.client.entities import Experiment, Run
from trackbook.client.wire import json_double
from trackbook.errors import ResourceDoesNotExist, TrackbookError

#: A person at a terminal should hear about a dead server in seconds, not minutes.
CLI_MAX_RETRIES = 2

tracking_uri_option = click.option(
    "--tracking-uri",
    metavar="URI",
    help="A server (http://host:port), a data directory or a store URI."
    "  [default: TRACKBOOK_TRACKING_URI, MLFLOW_TRACKING_URI, else ./trackbook-data]",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@contextmanager
def open_client(tracking_uri: str | None) -> Iterator[Client]:
    """A synchronous client; trackbook errors become a one-line message and exit code 1."""
    try:
        config = ClientConfig.from_env()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    config = dataclasses.replace(
        config, async_logging=False, http_max_retries=min(config.http_max_retries, CLI_MAX_RETRIES)
    )
    try:
        client = Client(tracking_uri, config=config)
        try:
            yield client
        finally:
            client.close()
    except TrackbookError as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from None


def resolve_experiment(client: Client, ref: str) -> Experiment:
    """An experiment given by id or, failing that, by name."""
    if ref.isdigit():
        try:
            return client.get_experiment(ref)
        except ResourceDoesNotExist:
            pass
    found = client.get_experiment_by_name(ref)
    if found is None:
        raise ResourceDoesNotExist(f"no experiment with id or name {ref!r}")
    return found


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def console() -> Any:
    """A rich console; when output goes to a pipe or file, tables keep their natural width."""
    import sys

    from rich.console import Console

    width = None if sys.stdout.isatty() else 10_000
    return Console(width=width, soft_wrap=False, highlight=False)


def when(millis: int | None) -> str:
    """A timestamp in the local time zone, to the second."""
    if millis is None:
        return ""
    return dt.datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M:%S")


def duration(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    seconds = max(end - start, 0) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def experiment_json(e: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "creation_time": e.creation_time,
        "last_update_time": e.last_update_time,
        "tags": e.tags,
    }


def run_json(r: Run) -> dict[str, Any]:
    info = dataclasses.asdict(r.info)
    return {
        **info,
        "metrics": {k: json_double(v) for k, v in r.data.metrics.items()},
        "params": r.data.params,
        "tags": r.data.tags,
        "datasets": [
            {
                "name": d.dataset.name,
                "digest": d.dataset.digest,
                "source_type": d.dataset.source_type,
                "source": d.dataset.source,
                "tags": {t.key: t.value for t in d.tags},
            }
            for d in r.inputs.dataset_inputs
        ],
    }
