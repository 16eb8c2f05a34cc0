"""``Client``: the lower-level calls, named as in MLflow's ``MlflowClient``.

Every call names its run or experiment explicitly; the fluent functions in
``trackbook`` keep the "active run" and call this. Metrics, params and tags go
through the batching logger (unless ``async_logging=False`` or a call passes
``synchronous=True``); every other call first waits for what is queued, so a
read always sees what was logged before it.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from trackbook import validation
from trackbook.client import artifacts, context
from trackbook.client.backend import Backend, open_backend, resolve_tracking_uri
from trackbook.client.batching import BatchingLogger, DirectLogger, Logger
from trackbook.client.config import ClientConfig
from trackbook.client.entities import Experiment, PagedList, Run, RunStatus, ViewType
from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import DatasetInput, ExperimentTag, Metric, Param, RunTag

DEFAULT_SEARCH_RESULTS = 1000


_time = time.time


def now_ms() -> int:
    return int(_time() * 1000)


class Client:
    """Talks to one tracking URI: a server (``http(s)://…``), a directory or a store URI.

    ``tracking_uri`` defaults to ``TRACKBOOK_TRACKING_URI`` (or ``MLFLOW_TRACKING_URI``),
    else ``./trackbook-data``. ``async_logging`` defaults to ``TRACKBOOK_ASYNC_LOGGING``
    (on unless set to false).
    """

    def __init__(
        self,
        tracking_uri: str | Path | None = None,
        *,
        async_logging: bool | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        self.config = config or ClientConfig.from_env()
        self.tracking_uri = resolve_tracking_uri(tracking_uri, self.config)
        self.async_logging = self.config.async_logging if async_logging is None else async_logging
        self._lock = threading.RLock()
        self._backend: Backend | None = None
        self._batching: BatchingLogger | None = None
        self._direct: DirectLogger | None = None
        #: The logger of calls that do not say ``synchronous=``.
        self._default: Logger | None = None
        self._checked_keys: set[str] = set()
        self._artifact_uris: dict[str, str] = {}

    # -- plumbing --------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        if self._backend is None:
            with self._lock:  # threads logging from the start must share one backend
                if self._backend is None:
                    self._backend = open_backend(self.tracking_uri, self.config)
        return self._backend

    def _logger_for(self, synchronous: bool | None) -> Logger:
        if synchronous is None:
            if self._default is None:
                with self._lock:
                    if self._default is None:
                        self._default = self._logger_for(not self.async_logging)
            return self._default
        if synchronous:
            self.flush()  # what was queued before goes first
            if self._direct is None:
                with self._lock:
                    if self._direct is None:
                        self._direct = DirectLogger(self.backend)
            return self._direct
        if self._batching is None:
            with self._lock:
                if self._batching is None:
                    self._batching = BatchingLogger(self.backend, queue_size=self.config.queue_size)
        return self._batching

    def _settle(self) -> None:
        """Let queued entries arrive before a call that reads or changes a run directly."""
        if self._batching is not None:
            self._batching.flush(raise_pending=False)

    def flush(self) -> None:
        """Wait until everything logged so far is delivered; raise a logging error that
        happened in the background since the last call."""
        if self._batching is not None:
            self._batching.flush()

    def close(self) -> None:
        """Flush, stop the logging thread and release connections."""
        try:
            if self._batching is not None:
                self._batching.close()
        finally:
            self._batching = self._direct = self._default = None
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- experiments -----------------------------------------------------------
    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        tag_list = [ExperimentTag(str(k), str(v)) for k, v in (tags or {}).items()]
        return self.backend.create_experiment(name, artifact_location, tag_list)

    def get_experiment(self, experiment_id: str | int) -> Experiment:
        return Experiment.from_record(self.backend.get_experiment(str(experiment_id)))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The active experiment of that name (else the most recently deleted), or None."""
        try:
            return Experiment.from_record(self.backend.get_experiment_by_name(name))
        except ResourceDoesNotExist:
            return None

    def search_experiments(
        self,
        view_type: int | str = ViewType.ACTIVE_ONLY,
        max_results: int | None = DEFAULT_SEARCH_RESULTS,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        page = self.backend.search_experiments(
            filter_string=filter_string or None,
            view_type=ViewType.name_of(view_type),
            max_results=max_results,
            order_by=list(order_by or ()),
            page_token=page_token,
        )
        return PagedList([Experiment.from_record(e) for e in page.items], page.next_page_token)

    def rename_experiment(self, experiment_id: str | int, new_name: str) -> None:
        self.backend.rename_experiment(str(experiment_id), new_name)

    def delete_experiment(self, experiment_id: str | int) -> None:
        self.backend.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str | int) -> None:
        self.backend.restore_experiment(str(experiment_id))

    def set_experiment_tag(self, experiment_id: str | int, key: str, value: Any) -> None:
        self.backend.set_experiment_tag(str(experiment_id), key, str(value))

    def delete_experiment_tag(self, experiment_id: str | int, key: str) -> None:
        self.backend.delete_experiment_tag(str(experiment_id), key)

    # -- runs ------------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str | int,
        start_time: int | None = None,
        tags: Mapping[str, Any] | None = None,
        run_name: str | None = None,
    ) -> Run:
        """A new RUNNING run with the context tags (user, source, git, host) under ``tags``."""
        merged = context.context_tags()
        merged.update({str(k): str(v) for k, v in (tags or {}).items()})
        record = self.backend.create_run(
            str(experiment_id),
            user_id=merged.get(context.USER),
            run_name=run_name,
            start_time=start_time,
            tags=[RunTag(k, v) for k, v in merged.items()],
        )
        self._artifact_uris[record.info.run_id] = record.info.artifact_uri
        return Run.from_record(record)

    def get_run(self, run_id: str) -> Run:
        self._settle()
        return Run.from_record(self.backend.get_run(run_id))

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None) -> None:
        self._settle()
        self.backend.update_run(
            run_id,
            status=RunStatus.check(status) if status else None,
            end_time=None,
            run_name=name,
        )

    def set_terminated(
        self, run_id: str, status: str | None = None, end_time: int | None = None
    ) -> None:
        """End a run: deliver what is queued, set its status (FINISHED by default) and end
        time, then raise any logging error still pending."""
        self._settle()
        self.backend.update_run(
            run_id,
            status=RunStatus.check(status or RunStatus.FINISHED),
            end_time=end_time if end_time is not None else now_ms(),
            run_name=None,
        )
        self.flush()

    def delete_run(self, run_id: str) -> None:
        self._settle()
        self.backend.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        self.backend.restore_run(run_id)

    def search_runs(
        self,
        experiment_ids: Iterable[str | int],
        filter_string: str = "",
        run_view_type: int | str = ViewType.ACTIVE_ONLY,
        max_results: int = DEFAULT_SEARCH_RESULTS,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        self._settle()
        page = self.backend.search_runs(
            [str(e) for e in experiment_ids],
            filter_string=filter_string or None,
            run_view_type=ViewType.name_of(run_view_type),
            max_results=max_results,
            order_by=list(order_by or ()),
            page_token=page_token,
        )
        return PagedList([Run.from_record(r) for r in page.items], page.next_page_token)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of one metric, all pages, in step order."""
        self._settle()
        points: list[Metric] = []
        token: str | None = None
        while True:
            page = self.backend.metric_history(run_id, key, max_results=None, page_token=token)
            points.extend(page.items)
            token = page.next_page_token
            if not token:
                return points

    # -- logging -----------------------------------------------------------------
    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool | None = None,
    ) -> None:
        # The hot path of a training loop: each line here is paid millions of times.
        if key not in self._checked_keys:
            self._check_metric_key(key)
        if value.__class__ is not float:
            value = _number(key, value)
        logger = self._default
        if logger is None or synchronous is not None:
            logger = self._logger_for(synchronous)
        logger.log_metric(
            run_id,
            key,
            value,
            int(_time() * 1000) if timestamp is None else int(timestamp),
            0 if step is None else step if step.__class__ is int else int(step),
        )

    def _check_metric_key(self, key: str) -> None:
        validation.check_key("key", key)
        self._checked_keys.add(key)

    def log_param(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> Any:
        validation.check_key("key", key)
        self._logger_for(synchronous).log_param(run_id, key, _text(value))
        return value

    def set_tag(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> None:
        validation.check_key("key", key)
        self._logger_for(synchronous).set_tag(run_id, key, _text(value))

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
        synchronous: bool | None = None,
    ) -> None:
        """Log many entries at once; the client cuts them into requests within the limits."""
        for i, m in enumerate(metrics):
            validation.check_key(f"metrics[{i}].key", m.key)
        for i, p in enumerate(params):
            validation.check_key(f"params[{i}].key", p.key)
        for i, t in enumerate(tags):
            validation.check_key(f"tags[{i}].key", t.key)
        self._logger_for(synchronous).log_batch(
            run_id,
            [(m.key, _number(m.key, m.value), int(m.timestamp), int(m.step)) for m in metrics],
            [Param(p.key, _text(p.value)) for p in params],
            [RunTag(t.key, _text(t.value)) for t in tags],
        )

    def delete_tag(self, run_id: str, key: str) -> None:
        self._settle()
        self.backend.delete_tag(run_id, key)

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        self._settle()
        self.backend.log_inputs(run_id, list(datasets))

    # -- artifacts -----------------------------------------------------------------
    def _artifact_uri(self, run_id: str) -> str:
        uri = self._artifact_uris.get(run_id)
        if uri is None:
            uri = self._artifact_uris[run_id] = self.backend.get_run(run_id).info.artifact_uri
        return uri

    def log_artifact(
        self, run_id: str, local_path: str | Path, artifact_path: str | None = None
    ) -> None:
        """Upload a file (or a directory, under its own name) into the run's artifacts."""
        path = Path(local_path)
        if path.is_dir():
            self.log_artifacts(run_id, path, artifacts.join(artifact_path, path.name))
            return
        if not path.is_file():
            raise InvalidParameter(f"local_path: {str(path)!r} is not a file")
        self._upload(run_id, path, artifacts.join(artifact_path, path.name))

    def log_artifacts(
        self, run_id: str, local_dir: str | Path, artifact_path: str | None = None
    ) -> None:
        """Upload every file below ``local_dir``, keeping the folder layout."""
        root = Path(local_dir)
        if not root.is_dir():
            raise InvalidParameter(f"local_dir: {str(root)!r} is not a directory")
        for file, relative in artifacts.files_under(root):
            self._upload(run_id, file, artifacts.join(artifact_path, relative))

    def _upload(self, run_id: str, file: Path, artifact_path: str) -> None:
        relative = artifacts.safe_relative_path("artifact_path", artifact_path)
        self.backend.upload_artifact(self._artifact_uri(run_id), file, relative)

    def _upload_written(self, run_id: str, artifact_file: str, write: Any) -> None:
        relative = artifacts.safe_relative_path("artifact_file", artifact_file)
        with tempfile.TemporaryDirectory(prefix="trackbook-") as tmp:
            path = Path(tmp) / Path(relative).name
            write(path)
            self._upload(run_id, path, relative)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self._upload_written(run_id, artifact_file, lambda p: artifacts.write_text(p, text))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """JSON, or YAML when ``artifact_file`` ends in ``.yml``/``.yaml``."""
        self._upload_written(run_id, artifact_file, lambda p: artifacts.write_dict(p, dictionary))

    def log_figure(
        self,
        run_id: str,
        figure: Any,
        artifact_file: str,
        *,
        save_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """A matplotlib or plotly figure, in the format ``artifact_file``'s extension names."""
        self._upload_written(
            run_id, artifact_file, lambda p: artifacts.write_figure(p, figure, save_kwargs)
        )


def _number(key: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"value: metric {key!r} needs a number, got {value!r}") from None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
