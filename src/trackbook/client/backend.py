"""The one seam between the client and where runs live.

Two implementations: :class:`~trackbook.client.http.HttpBackend` talks to a
server over MLflow's REST API, :class:`~trackbook.client.local.LocalBackend`
writes straight into a store on this machine. The fluent API, ``Client``, the
batching logger and the CLI only ever see this protocol, in the store's own
records; errors are the classes of :mod:`trackbook.errors` either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from trackbook.client.config import ClientConfig
from trackbook.config import DEFAULT_DATA_DIR
from trackbook.errors import InvalidParameter
from trackbook.models import (
    DatasetInput,
    Experiment,
    ExperimentTag,
    Metric,
    Page,
    Param,
    Run,
    RunInfo,
    RunTag,
)

STORE_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")


#: One metric point as the logging path carries it: (key, value, timestamp, step). A plain
#: tuple costs a fraction of a record to build, and a training loop builds millions.
MetricRow = tuple[str, float, int, int]


class Backend(Protocol):
    #: The URI this backend was opened with, as users would write it.
    tracking_uri: str

    # -- experiments ---------------------------------------------------------
    def create_experiment(
        self, name: str, artifact_location: str | None, tags: Sequence[ExperimentTag]
    ) -> str: ...

    def get_experiment(self, experiment_id: str) -> Experiment: ...

    def get_experiment_by_name(self, name: str) -> Experiment:
        """The active experiment of that name; ``ResourceDoesNotExist`` when there is none."""
        ...

    def search_experiments(
        self,
        *,
        filter_string: str | None,
        view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Experiment]: ...

    def rename_experiment(self, experiment_id: str, new_name: str) -> None: ...

    def delete_experiment(self, experiment_id: str) -> None: ...

    def restore_experiment(self, experiment_id: str) -> None: ...

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None: ...

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None: ...

    # -- runs ----------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        user_id: str | None,
        run_name: str | None,
        start_time: int | None,
        tags: Sequence[RunTag],
    ) -> Run: ...

    def get_run(self, run_id: str) -> Run: ...

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo: ...

    def delete_run(self, run_id: str) -> None: ...

    def restore_run(self, run_id: str) -> None: ...

    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        """Write entries within the count limits of one log-batch request (1,000 metrics,
        100 params, 100 tags, 1,000 in all); a backend with a size limit splits further."""
        ...

    def delete_tag(self, run_id: str, key: str) -> None: ...

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None: ...

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str | None,
        run_view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Run]: ...

    def metric_history(
        self, run_id: str, key: str, *, max_results: int | None, page_token: str | None
    ) -> Page[Metric]: ...

    # -- artifacts -----------------------------------------------------------
    def upload_artifact(self, artifact_uri: str, local_file: Path, artifact_path: str) -> None:
        """Store ``local_file`` as ``artifact_path`` (a safe relative path) under a run's root."""
        ...

    def close(self) -> None: ...


def is_http(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def is_store_uri(uri: str) -> bool:
    scheme, sep, _ = uri.partition("://")
    return bool(sep) and scheme.split("+", 1)[0] in STORE_SCHEMES


def resolve_tracking_uri(explicit: str | Path | None, config: ClientConfig) -> str:
    """What ``get_tracking_uri`` answers: an explicit URI, else the environment's, else the
    ``trackbook-data`` folder of the working directory (where ``trackbook server`` looks)."""
    uri = str(explicit) if explicit not in (None, "") else config.tracking_uri
    if not uri:
        uri = DEFAULT_DATA_DIR
    if is_http(uri) or is_store_uri(uri):
        return uri.rstrip("/") if is_http(uri) else uri
    if uri.startswith("file:"):
        uri = _path_of_file_uri(uri)
    if "://" in uri:
        raise InvalidParameter(
            f"tracking_uri: {uri!r} is not supported; use http(s)://host:port, a directory,"
            " or a store URI such as sqlite:///path/to/trackbook.db"
        )
    return str(Path(uri).expanduser().resolve())


def _path_of_file_uri(uri: str) -> str:
    rest = uri[len("file:") :]
    if rest.startswith("//"):
        rest = rest[2:]
        host, _, path = rest.partition("/")
        if host not in ("", "localhost"):
            raise InvalidParameter(f"tracking_uri: {uri!r} names another host")
        return "/" + path
    return rest


def open_backend(tracking_uri: str, config: ClientConfig) -> Backend:
    """A backend for an already-resolved tracking URI (see :func:`resolve_tracking_uri`)."""
    if is_http(tracking_uri):
        from trackbook.client.http import HttpBackend

        return HttpBackend(tracking_uri, config)
    from trackbook.client.local import LocalBackend

    return LocalBackend.open(tracking_uri)
