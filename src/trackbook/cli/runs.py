"""``trackbook runs``: list, describe, delete and restore runs."""

from __future__ import annotations

import click

from trackbook.cli.tracking import (
    console,
    duration,
    json_option,
    open_client,
    print_json,
    resolve_experiment,
    run_json,
    tracking_uri_option,
    when,
)
from trackbook.client.entities import Run

VIEWS = {"active": "ACTIVE_ONLY", "deleted": "DELETED_ONLY", "all": "ALL"}
MAX_PAGE = 50_000
#: Experiments one search may span (the server's limit).
MAX_EXPERIMENTS = 1000


@click.group()
def runs() -> None:
    """Runs on a server or in a local store."""


@runs.command("list")
@click.option(
    "--experiment",
    "experiment_refs",
    multiple=True,
    metavar="EXPERIMENT",
    help="An experiment id or name; repeatable.  [default: every active experiment]",
)
@click.option("--filter", "filter_string", metavar="EXPR", help='e.g. "metrics.acc > 0.9".')
@click.option(
    "--order-by",
    multiple=True,
    metavar="KEY [ASC|DESC]",
    help='e.g. "metrics.acc DESC"; repeatable.  [default: newest first]',
)
@click.option(
    "--view",
    type=click.Choice(sorted(VIEWS)),
    default="active",
    show_default=True,
    help="Which runs to show.",
)
@click.option(
    "--max-results", type=click.IntRange(min=1), default=100, show_default=True, metavar="N"
)
@tracking_uri_option
@json_option
def list_runs(
    experiment_refs: tuple[str, ...],
    filter_string: str | None,
    order_by: tuple[str, ...],
    view: str,
    max_results: int,
    tracking_uri: str | None,
    as_json: bool,
) -> None:
    """List runs with their status, times and latest metrics."""
    found: list[Run] = []
    more = False
    with open_client(tracking_uri) as client:
        if experiment_refs:
            ids = [resolve_experiment(client, ref).experiment_id for ref in experiment_refs]
        else:
            ids = [e.experiment_id for e in client.search_experiments(max_results=MAX_EXPERIMENTS)]
        token: str | None = None
        while ids and len(found) < max_results:
            page = client.search_runs(
                ids,
                filter_string or "",
                VIEWS[view],
                min(max_results - len(found), MAX_PAGE),
                list(order_by),
                token,
            )
            found.extend(page)
            token = page.token
            if not token:
                break
        more = token is not None
    if as_json:
        print_json([run_json(r) for r in found])
        return
    from rich.table import Table

    metric_keys = sorted({k for r in found for k in r.data.metrics})[:6]
    table = Table(box=None, header_style="bold")
    table.add_column("Run ID", no_wrap=True, min_width=32)
    table.add_column("Name", no_wrap=True)
    table.add_column("Exp", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Duration", no_wrap=True)
    table.add_column("User", no_wrap=True)
    for key in metric_keys:
        table.add_column(key, justify="right", no_wrap=True)
    for r in found:
        table.add_row(
            r.info.run_id,
            r.info.run_name,
            r.info.experiment_id,
            r.info.status,
            when(r.info.start_time),
            duration(r.info.start_time, r.info.end_time),
            r.info.user_id,
            *[_number(r.data.metrics.get(k)) for k in metric_keys],
        )
    console().print(table)
    if more:
        click.echo(f"(more than {len(found)} runs; raise --max-results or narrow --filter)")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@runs.command()
@click.argument("run_id")
@tracking_uri_option
@json_option
def describe(run_id: str, tracking_uri: str | None, as_json: bool) -> None:
    """Show one run: its details, params, latest metrics, tags and datasets."""
    with open_client(tracking_uri) as client:
        run = client.get_run(run_id)
    if as_json:
        print_json(run_json(run))
        return
    from rich.table import Table

    out = console()
    info = run.info
    details = Table(box=None, show_header=False)
    details.add_column(style="bold", no_wrap=True)
    details.add_column(overflow="fold")
    for label, value in (
        ("Run ID", info.run_id),
        ("Name", info.run_name),
        ("Experiment", info.experiment_id),
        ("Status", info.status),
        ("Stage", info.lifecycle_stage),
        ("User", info.user_id),
        ("Started", when(info.start_time)),
        ("Ended", when(info.end_time)),
        ("Duration", duration(info.start_time, info.end_time)),
        ("Artifacts", info.artifact_uri),
    ):
        details.add_row(label, value)
    out.print(details)
    for title, values in (
        ("Params", run.data.params),
        ("Metrics (latest)", {k: _number(v) for k, v in run.data.metrics.items()}),
        ("Tags", run.data.tags),
    ):
        if not values:
            continue
        table = Table(box=None, header_style="bold")
        table.add_column("Key", no_wrap=True)
        table.add_column("Value", overflow="fold")
        for key in sorted(values):
            table.add_row(key, values[key])
        out.print(f"\n[bold]{title}[/bold]")
        out.print(table)
    if run.inputs.dataset_inputs:
        table = Table(box=None, header_style="bold")
        for column in ("Name", "Digest", "Source", "Tags"):
            table.add_column(column, overflow="fold")
        for d in run.inputs.dataset_inputs:
            tags = ", ".join(f"{t.key}={t.value}" for t in d.tags)
            table.add_row(d.dataset.name, d.dataset.digest, d.dataset.source, tags)
        out.print("\n[bold]Datasets[/bold]")
        out.print(table)


@runs.command()
@click.argument("run_id")
@tracking_uri_option
def delete(run_id: str, tracking_uri: str | None) -> None:
    """Delete RUN_ID (restorable with ``restore``)."""
    with open_client(tracking_uri) as client:
        client.delete_run(run_id)
    click.echo(f"deleted run {run_id}")


@runs.command()
@click.argument("run_id")
@tracking_uri_option
def restore(run_id: str, tracking_uri: str | None) -> None:
    """Restore a deleted RUN_ID."""
    with open_client(tracking_uri) as client:
        client.restore_run(run_id)
    click.echo(f"restored run {run_id}")
