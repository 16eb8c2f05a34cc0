"""Which part of the artifact store a run's or a model's artifact URI names.

The server serves (lists, downloads, deletes) only files inside its own store.
An artifact URI names a place in it when it is

* ``mlflow-artifacts:/<path>`` (the default for new experiments; a host part, as in
  ``mlflow-artifacts://host:5000/<path>``, is ignored), or
* ``http(s)://host/api/2.0/mlflow-artifacts/artifacts/<path>``, or
* a location in the store's own form that lies under its root: a local path or
  ``file://`` URI under a local store's folder, an ``s3://bucket/prefix/...`` URI
  under an S3 store's bucket and prefix.

Anything else (an experiment created with ``artifact_location=/data/x`` or a
bucket the server does not use) belongs to the client: the ``mlflow`` client
reads and writes such locations itself, and the server refuses to touch them
rather than open arbitrary paths or buckets on a caller's say-so.
"""

from __future__ import annotations

from urllib.parse import urlparse

from trackbook.artifacts.base import ArtifactStore
from trackbook.artifacts.paths import clean_path
from trackbook.errors import InvalidParameter

PROXY_SCHEME = "mlflow-artifacts"
PROXY_SERVICE_PATH = "/mlflow-artifacts/artifacts"


def store_path(artifacts: ArtifactStore, uri: str, field: str = "artifact_uri") -> str | None:
    """The clean store path ``uri`` names, or None when it lies outside the store."""
    parsed = urlparse(uri)
    if parsed.scheme == PROXY_SCHEME:
        return clean_path(field, parsed.path.lstrip("/"))
    if parsed.scheme in ("http", "https"):
        _, found, rest = parsed.path.partition(PROXY_SERVICE_PATH)
        if not found:
            return None
        return clean_path(field, rest.lstrip("/"))
    return artifacts.path_for_uri(uri)


def require_store_path(artifacts: ArtifactStore, uri: str, owner: str) -> str:
    """Like :func:`store_path`, but a location outside the store is a 400 naming ``owner``."""
    path = store_path(artifacts, uri)
    if path is None:
        raise InvalidParameter(
            f"artifact_uri: the artifacts of {owner} are at {uri!r}, outside this server's"
            f" artifact store ({artifacts.root_uri}); the client reads that location directly"
        )
    return path
