"""``trackbook experiments``: list, create, rename, delete and restore experiments."""

from __future__ import annotations

import click

from trackbook.cli.tracking import (
    console,
    experiment_json,
    json_option,
    open_client,
    print_json,
    resolve_experiment,
    tracking_uri_option,
    when,
)
from trackbook.client.entities import Experiment

MAX_PAGE = 3000
VIEWS = {"active": "ACTIVE_ONLY", "deleted": "DELETED_ONLY", "all": "ALL"}


@click.group()
def experiments() -> None:
    """Experiments on a server or in a local store.

    EXPERIMENT arguments take an id or a name.
    """


@experiments.command("list")
@click.option(
    "--view",
    type=click.Choice(sorted(VIEWS)),
    default="active",
    show_default=True,
    help="Which experiments to show.",
)
@click.option("--filter", "filter_string", metavar="EXPR", help="e.g. \"name LIKE 'nlp-%'\".")
@click.option(
    "--max-results", type=click.IntRange(min=1), default=1000, show_default=True, metavar="N"
)
@tracking_uri_option
@json_option
def list_experiments(
    view: str, filter_string: str | None, max_results: int, tracking_uri: str | None, as_json: bool
) -> None:
    """List experiments, newest first."""
    found: list[Experiment] = []
    more = False
    with open_client(tracking_uri) as client:
        token: str | None = None
        while len(found) < max_results:
            page = client.search_experiments(
                VIEWS[view],
                min(max_results - len(found), MAX_PAGE),
                filter_string,
                ["creation_time DESC"],
                token,
            )
            found.extend(page)
            token = page.token
            if not token:
                break
        more = token is not None
    if as_json:
        print_json([experiment_json(e) for e in found])
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Stage")
    table.add_column("Created", no_wrap=True)
    table.add_column("Artifact location", overflow="fold")
    for e in found:
        table.add_row(
            e.experiment_id, e.name, e.lifecycle_stage, when(e.creation_time), e.artifact_location
        )
    console().print(table)
    if more:
        click.echo(f"(more than {len(found)}; raise --max-results or narrow --filter)")


@experiments.command()
@click.argument("name")
@click.option("--artifact-location", metavar="URI", help="Where the runs' artifacts go.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Repeatable.")
@tracking_uri_option
@json_option
def create(
    name: str,
    artifact_location: str | None,
    tags: tuple[str, ...],
    tracking_uri: str | None,
    as_json: bool,
) -> None:
    """Create an experiment and print its id."""
    pairs = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{tag!r} is not KEY=VALUE", param_hint="--tag")
        pairs[key] = value
    with open_client(tracking_uri) as client:
        experiment_id = client.create_experiment(name, artifact_location, pairs)
        experiment = client.get_experiment(experiment_id)
    if as_json:
        print_json(experiment_json(experiment))
    else:
        click.echo(f"created experiment {experiment_id} ({name})")


@experiments.command()
@click.argument("experiment")
@click.argument("new_name")
@tracking_uri_option
def rename(experiment: str, new_name: str, tracking_uri: str | None) -> None:
    """Rename EXPERIMENT to NEW_NAME."""
    with open_client(tracking_uri) as client:
        found = resolve_experiment(client, experiment)
        client.rename_experiment(found.experiment_id, new_name)
    click.echo(f"renamed experiment {found.experiment_id} from {found.name} to {new_name}")


@experiments.command()
@click.argument("experiment")
@tracking_uri_option
def delete(experiment: str, tracking_uri: str | None) -> None:
    """Delete EXPERIMENT and its runs (restorable with ``restore``)."""
    with open_client(tracking_uri) as client:
        found = resolve_experiment(client, experiment)
        client.delete_experiment(found.experiment_id)
    click.echo(f"deleted experiment {found.experiment_id} ({found.name})")


@experiments.command()
@click.argument("experiment")
@tracking_uri_option
def restore(experiment: str, tracking_uri: str | None) -> None:
    """Restore a deleted EXPERIMENT and the runs deleted with it."""
    with open_client(tracking_uri) as client:
        found = resolve_experiment(client, experiment)
        client.restore_experiment(found.experiment_id)
    click.echo(f"restored experiment {found.experiment_id} ({found.name})")
