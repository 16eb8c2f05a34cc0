"""``trackbook gc``: remove deleted runs and experiments for good, artifacts included."""

from __future__ import annotations

import re

import click

from trackbook.cli.options import store_options
from trackbook.config import Settings
from trackbook.errors import TrackbookError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str) -> int:
    """``30d``, ``12h``, ``90m``, ``45s`` or a sum such as ``1d12h``, in milliseconds."""
    compact = re.sub(r"\s", "", text.lower())
    parts = re.findall(r"(\d+)([smhd])", compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise click.BadParameter(f"{text!r}: expected a duration such as 30d, 12h or 1d12h")
    return sum(int(n) * _UNITS[u] for n, u in parts) * 1000


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@click.command()
@store_options
@click.option(
    "--artifacts-destination",
    envvar="TRACKBOOK_ARTIFACTS_DESTINATION",
    help="The server's artifact store; the files of removed runs are deleted from it.",
)
@click.option(
    "--older-than",
    default="0s",
    show_default=True,
    help="Only what was deleted at least this long ago (e.g. 30d, 12h).",
)
@click.option("--run-ids", default="", help="Comma-separated ids of deleted runs to remove.")
@click.option(
    "--experiment-ids", default="", help="Comma-separated ids of deleted experiments to remove."
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
def gc(
    backend_store_uri: str | None,
    artifacts_destination: str | None,
    older_than: str,
    run_ids: str,
    experiment_ids: str,
    dry_run: bool,
) -> None:
    """Permanently remove soft-deleted runs and experiments, and their artifacts.

    Without ids, everything deleted (at least --older-than ago) is removed.
    """
    from trackbook.artifacts import delete_location, open_artifact_store
    from trackbook.store import Store
    from trackbook.store import gc as store_gc

    settings = Settings.from_env(
        backend_store_uri=backend_store_uri, artifacts_destination=artifacts_destination
    )
    age = parse_age(older_than)
    store = Store.open(settings)
    artifacts = open_artifact_store(settings)
    outside: list[str] = []

    def delete_files(location: str) -> None:
        if not delete_location(artifacts, location):
            outside.append(location)

    try:
        if dry_run:
            chosen = store_gc.select(
                store.db,
                older_than_ms=age,
                run_ids=_ids(run_ids),
                experiment_ids=_ids(experiment_ids),
            )
            for run in chosen.runs:
                click.echo(f"would remove run {run.run_id} ({run.artifact_uri})")
            for eid in chosen.experiments:
                click.echo(f"would remove experiment {eid}")
            return
        removed = store_gc.purge(
            store.db,
            older_than_ms=age,
            run_ids=_ids(run_ids),
            experiment_ids=_ids(experiment_ids),
            before_delete=delete_files,
        )
    except TrackbookError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.close()
    click.echo(
        f"removed {len(removed.runs)} runs and {len(removed.experiments)} experiments for good"
    )
    for uri in outside:
        click.echo(f"left alone artifacts outside the server's store: {uri}")
