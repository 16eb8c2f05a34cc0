"""The serverless backend: runs written straight into the store the server uses.

``python train.py`` with no server running writes to ``./trackbook-data``
(``trackbook.db`` plus ``artifacts/``); ``trackbook server`` started in the same
directory serves exactly that. A store URI (``sqlite:///…``, ``postgresql://…``)
works the same way, with artifacts under the server's ``artifacts_destination``
(``TRACKBOOK_ARTIFACTS_DESTINATION``, default ``./trackbook-data/artifacts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
    def __init__(self, tracking_uri: str, store: Store, artifacts_destination: Path) -> None:
        self.tracking_uri = tracking_uri
        self.store = store
        self.artifacts_destination = artifacts_destination

    @classmethod
    def open(cls, tracking_uri: str) -> LocalBackend:
        settings = local_settings(tracking_uri)
        store = Store.open(settings)
        return cls(tracking_uri, store, Path(settings.artifacts_destination).resolve())

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
        proxied = artifacts.proxy_path(artifact_uri)
        if proxied is not None:
            safe = artifacts.safe_relative_path("artifact_uri", proxied)
            root = self.artifacts_destination.joinpath(*safe.split("/"))
        else:
            found = artifacts.local_root(artifact_uri)
            if found is None:
                raise InvalidParameter(
                    f"artifact_uri: local mode cannot write to {artifact_uri!r}; log through a"
                    " server (http://…) for remote artifact stores"
                )
            root = found
        artifacts.copy_into(root, local_file, artifact_path)

    def close(self) -> None:
        self.store.close()
