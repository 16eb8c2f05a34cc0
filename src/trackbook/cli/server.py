"""``trackbook server``: the tracking server, its artifact proxy and the UI on one port."""

from __future__ import annotations

import os

import click

from trackbook.cli.options import store_options
from trackbook.config import Settings


@click.command()
@store_options
@click.option(
    "--artifacts-destination",
    envvar="TRACKBOOK_ARTIFACTS_DESTINATION",
    help="Where the artifact proxy stores files.  [default: trackbook-data/artifacts]",
)
@click.option(
    "--default-artifact-root",
    envvar="TRACKBOOK_DEFAULT_ARTIFACT_ROOT",
    help="Artifact root of new experiments.  [default: mlflow-artifacts:/]",
)
@click.option(
    "--max-upload-bytes",
    envvar="TRACKBOOK_MAX_UPLOAD_BYTES",
    type=int,
    help="Largest artifact upload accepted, in bytes; 0 for no limit.  [default: 0]",
)
@click.option(
    "--s3-endpoint-url",
    envvar="TRACKBOOK_S3_ENDPOINT_URL",
    help="Endpoint of an S3-compatible server for an s3:// destination.  [default: AWS]",
)
@click.option(
    "--host", "-h", envvar="TRACKBOOK_HOST", help="Interface to bind.  [default: 127.0.0.1]"
)
@click.option("--port", "-p", envvar="TRACKBOOK_PORT", type=int, help="Port.  [default: 5000]")
@click.option(
    "--workers", "-w", envvar="TRACKBOOK_WORKERS", type=int, help="Worker processes.  [default: 1]"
)
@click.option(
    "--access-log/--no-access-log",
    envvar="TRACKBOOK_ACCESS_LOG",
    default=None,
    help="Log every request.  [default: off]",
)
def server(
    backend_store_uri: str | None,
    artifacts_destination: str | None,
    default_artifact_root: str | None,
    max_upload_bytes: int | None,
    s3_endpoint_url: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    access_log: bool | None,
) -> None:
    """Run the tracking server (REST API, artifact proxy and web UI)."""
    import uvicorn

    from trackbook.store import Database, migrations
    from trackbook.web.app import create_app

    try:
        settings = Settings.from_env(
            backend_store_uri=backend_store_uri,
            artifacts_destination=artifacts_destination,
            default_artifact_root=default_artifact_root,
            max_upload_bytes=max_upload_bytes,
            s3_endpoint_url=s3_endpoint_url,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if settings.workers < 1:
        raise click.UsageError("--workers must be at least 1")

    database = Database(settings.backend_store_uri)
    try:
        migrations.upgrade(database)
    finally:
        database.dispose()

    common = {
        "host": settings.host,
        "port": settings.port,
        "access_log": settings.access_log,
        "log_level": "info",
        "timeout_keep_alive": 30,
    }
    click.echo(
        f"trackbook serving {settings.backend_store_uri} on http://{settings.host}:{settings.port}"
    )
    if settings.workers == 1:
        app = create_app(_without_migration(settings))
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return
    # Worker processes rebuild the same settings from the public TRACKBOOK_* variables.
    os.environ.update(_without_migration(settings).to_env())
    uvicorn.run(
        "trackbook.web.app:app_from_env",
        factory=True,
        workers=settings.workers,
        **common,  # type: ignore[arg-type]
    )


def _without_migration(settings: Settings) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, migrate_on_start=False)
