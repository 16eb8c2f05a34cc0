"""Artifact files: a narrow store protocol, a local and an S3 store, and path safety.

``open_artifact_store(settings)`` builds the store named by
``settings.artifacts_destination``; the web layer's proxy and the future ``gc``
command use it through :class:`ArtifactStore` only.
"""

from __future__ import annotations

from trackbook.artifacts.base import (
    ArtifactStore,
    Download,
    FileEntry,
    UploadTooLarge,
    Writer,
    put,
    put_sync,
    read_all,
)
from trackbook.artifacts.locations import require_store_path, store_path
from trackbook.artifacts.paths import clean_path, join
from trackbook.config import Settings
from trackbook.models import RunInfo


def open_artifact_store(settings: Settings) -> ArtifactStore:
    """The store of ``settings.artifacts_destination``: ``s3://bucket/prefix`` or a folder."""
    destination = settings.artifacts_destination
    if destination.startswith("s3://"):
        from trackbook.artifacts.s3 import S3ArtifactStore

        return S3ArtifactStore(destination, endpoint_url=settings.s3_endpoint_url or None)
    from trackbook.artifacts.local import LocalArtifactStore

    return LocalArtifactStore(destination.removeprefix("file://"))


def delete_run_artifacts(artifacts: ArtifactStore, run: RunInfo) -> bool:
    """Delete every artifact of ``run`` (for permanent deletion); see :func:`delete_location`."""
    return delete_location(artifacts, run.artifact_uri)


def delete_location(artifacts: ArtifactStore, uri: str) -> bool:
    """Delete the whole tree at an artifact URI: a run's, a logged model's or an
    experiment's location.

    Returns False, deleting nothing, when the URI lies outside the server's store (the
    client wrote those files; the server does not own them) or names the store's whole
    root (that would take every other experiment's files with it).
    """
    path = store_path(artifacts, uri)
    if not path:
        return False
    artifacts.delete(path)
    return True


__all__ = [
    "ArtifactStore",
    "Download",
    "FileEntry",
    "UploadTooLarge",
    "Writer",
    "clean_path",
    "delete_location",
    "delete_run_artifacts",
    "join",
    "open_artifact_store",
    "put",
    "put_sync",
    "read_all",
    "require_store_path",
    "store_path",
]
