"""The serverless backend: runs written straight into the store the server uses.

``python train.py`` with no server running writes to ``./trackbook-data``
(``trackbook.db`` plus ``artifacts/``); ``trackbook server`` started in the same
directory serves exactly that. A store URI (``sqlite:///…``, ``postgresql://…``)
works the same way, with artifacts in the server's ``artifacts_destination``
(``TRACKBOOK_ARTIFACTS_DESTINATION``: a folder, default
``./trackbook-data/artifacts``, or ``s3://bucket/prefix``), written through the
same artifact store the server's proxy uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from trackbook.artifacts import ArtifactStore, join, open_artifact_store, put_sync, store_path
from trackbook.client import artifacts
from trackbook.client.backend import MetricRow, is_store_uri
from trackbook.config import Settings, default_store_uri
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
from trackbook.store import Store

UPLOAD_CHUNK = 1024 * 1024


def local_settings(tracking_uri: str) -> Settings:
    """The server settings that read the same data as this tracking URI."""
    if is_store_uri(tracking_uri):
        return Settings.from_env(backend_store_uri=tracking_uri)
    data_dir = Path(tracking_uri)
    return Settings.from_env(
        backend_store_uri=default_store_uri(data_dir),
        artifacts_destination=str(data_dir / "artifacts"),
    )


class LocalBackend:
    def __init__(self, tracking_uri: str, store: Store, artifact_store: ArtifactStore) -> None:
        self.tracking_uri = tracking_uri
        self.store = store
        self.artifact_store = artifact_store

    @classmethod
    def open(cls, tracking_uri: str) -> LocalBackend:
        settings = local_settings(tracking_uri)
        if "://" not in settings.artifacts_destination:
            # Resolve now: a relative folder must not move when the script changes directory.
            resolved = str(Path(settings.artifacts_destination).resolve())
            settings = dataclasses.replace(settings, artifacts_destination=resolved)
        store = Store.open(settings)
        return cls(tracking_uri, store, open_artifact_store(settings))

    # -- experiments ---------------------------------------------------------
    def create_experiment(
        self, name: str, artifact_location: str | None, tags: Sequence[ExperimentTag]
    ) -> str:
        return self.store.experiments.create(name, artifact_location, tags)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self.store.experiments.get(experiment_id)

    def get_experiment_by_name(self, name: str) -> Experiment:
        return self.store.experiments.get_by_name(name)

    def search_experiments(
        self,
        *,
        filter_string: str | None,
        view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Experiment]:
        return self.store.experiments.search(
            filter_string=filter_string,
            view_type=view_type,
            max_results=max_results,
            order_by=list(order_by),
            page_token=page_token,
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self.store.experiments.rename(experiment_id, new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        self.store.experiments.delete(experiment_id)

    def restore_experiment(self, experiment_id: str) -> None:
        self.store.experiments.restore(experiment_id)

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self.store.experiments.set_tag(experiment_id, key, value)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self.store.experiments.delete_tag(experiment_id, key)

    # -- runs ----------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        user_id: str | None,
        run_name: str | None,
        start_time: int | None,
        tags: Sequence[RunTag],
    ) -> Run:
        return self.store.runs.create(
            experiment_id, user_id=user_id, run_name=run_name, start_time=start_time, tags=tags
        )

    def get_run(self, run_id: str) -> Run:
        return self.store.runs.get(run_id)

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo:
        return self.store.runs.update(run_id, status=status, end_time=end_time, run_name=run_name)

    def delete_run(self, run_id: str) -> None:
        self.store.runs.delete(run_id)

    def restore_run(self, run_id: str) -> None:
        self.store.runs.restore(run_id)

    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        points = [Metric(k, v, ts, step) for k, v, ts, step in metrics]
        self.store.runs.log_batch(run_id, metrics=points, params=params, tags=tags)

    def delete_tag(self, run_id: str, key: str) -> None:
        self.store.runs.delete_tag(run_id, key)

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        self.store.runs.log_inputs(run_id, inputs)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str | None,
        run_view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Run]:
        return self.store.runs.search(
            experiment_ids,
            filter_string=filter_string,
            run_view_type=run_view_type,
            max_results=max_results,
            order_by=list(order_by),
            page_token=page_token,
        )

    def metric_history(
        self, run_id: str, key: str, *, max_results: int | None, page_token: str | None
    ) -> Page[Metric]:
        return self.store.metric_history(
            run_id, key, max_results=max_results, page_token=page_token
        )

    # -- artifacts -----------------------------------------------------------
    def upload_artifact(self, artifact_uri: str, local_file: Path, artifact_path: str) -> None:
        relative = artifacts.safe_relative_path("artifact_path", artifact_path)
        in_store = store_path(self.artifact_store, artifact_uri)
        if in_store is not None:
            with local_file.open("rb") as f:
                chunks = iter(lambda: f.read(UPLOAD_CHUNK), b"")
                put_sync(self.artifact_store, join(in_store, relative), chunks)
            return
        root = artifacts.local_root(artifact_uri)
        if root is None:
            raise InvalidParameter(
                f"artifact_uri: local mode cannot write to {artifact_uri!r}; log through a"
                " server (http://…) whose artifact store holds that location"
            )
        artifacts.copy_into(root, local_file, relative)

    def close(self) -> None:
        self.store.close()
