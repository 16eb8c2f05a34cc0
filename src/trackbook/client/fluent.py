"""The fluent API: ``trackbook.start_run()``, ``trackbook.log_metric(...)``, …

Names, arguments and behaviour follow MLflow's ``mlflow.*`` functions, so that
``import trackbook as mlflow`` is the whole migration for most scripts. State
(the tracking URI, the active experiment and the stack of active runs) is
process-wide and created on first use; nothing happens at import time.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from trackbook.client.backend import resolve_tracking_uri
from trackbook.client.client import Client
from trackbook.client.config import ClientConfig
from trackbook.client.dataframe import runs_to_dataframe
from trackbook.client.entities import Experiment, Run, RunData, RunInputs, RunStatus, ViewType
from trackbook.errors import InvalidParameter, ResourceAlreadyExists
from trackbook.models import ACTIVE, Dataset, DatasetInput, InputTag, Metric, RunInfo

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("trackbook.client")

RUN_NAME_TAG = "mlflow.runName"
NOTE_TAG = "mlflow.note.content"
PARENT_RUN_TAG = "mlflow.parentRunId"
DATASET_CONTEXT_TAG = "mlflow.data.context"
SEARCH_MAX_RESULTS = 100_000
SEARCH_PAGE = 10_000


class ActiveRun:
    """The run ``start_run`` made active; ``with`` ends it (FINISHED, FAILED or KILLED).

    ``info``, ``data`` and ``inputs`` are a snapshot from when it started; use
    ``trackbook.get_run(run.info.run_id)`` for what was logged since.
    """

    def __init__(self, run: Run, client: Client) -> None:
        self.info: RunInfo = run.info
        self.data: RunData = run.data
        self.inputs: RunInputs = run.inputs
        self.client = client
        self.run_id = run.info.run_id

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not any(r.info.run_id == self.info.run_id for r in _state.runs):
            return
        if exc is None:
            end_run(RunStatus.FINISHED)
            return
        status = RunStatus.KILLED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED
        try:
            end_run(status)
        except Exception as err:  # don't hide the user's exception behind ours
            exc.add_note(f"trackbook: ending run {self.info.run_id} also failed: {err!r}")

    def __repr__(self) -> str:
        return f"<ActiveRun {self.info.run_id} {self.info.run_name!r}>"


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tracking_uri: str | None = None
        self.client: Client | None = None
        self.experiment_id: str | None = None
        self.runs: list[ActiveRun] = []
        self.last_run_id: str | None = None
        self.exit_hook = False


_state = _State()


def _client() -> Client:
    client = _state.client
    if client is None:
        with _state.lock:
            if _state.client is None:
                _state.client = Client(_state.tracking_uri)
            client = _state.client
    return client


# -- where runs go -------------------------------------------------------------
def set_tracking_uri(uri: str | Path) -> None:
    """Send new runs to ``uri``: ``http(s)://host:port``, a directory or ``sqlite:///…``.

    Active runs keep logging where they started. The active experiment is forgotten
    when the URI changes (an experiment id means nothing in another store).
    """
    resolved = resolve_tracking_uri(uri, ClientConfig.from_env())
    with _state.lock:
        old = _state.client
        if old is not None and old.tracking_uri == resolved:
            _state.tracking_uri = resolved
            return
        _state.tracking_uri = resolved
        _state.client = None
        _state.experiment_id = None
        if old is not None and not any(r.client is old for r in _state.runs):
            old.close()


def get_tracking_uri() -> str:
    if _state.client is not None:
        return _state.client.tracking_uri
    return resolve_tracking_uri(_state.tracking_uri, ClientConfig.from_env())


def flush() -> None:
    """Wait until everything logged so far is delivered; raise a background logging error."""
    clients = {id(r.client): r.client for r in _state.runs}
    if _state.client is not None:
        clients[id(_state.client)] = _state.client
    for client in clients.values():
        client.flush()


#: MLflow's name for :func:`flush`.
flush_async_logging = flush


# -- experiments ---------------------------------------------------------------
def set_experiment(
    experiment_name: str | None = None, experiment_id: str | int | None = None
) -> Experiment:
    """Make an experiment active for new runs: by name (created if missing) or by id."""
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameter(
            "set_experiment: give exactly one of experiment_name or experiment_id"
        )
    client = _client()
    if experiment_id is not None:
        experiment = client.get_experiment(experiment_id)
    else:
        assert experiment_name is not None
        experiment = _get_or_create_experiment(client, experiment_name)
    if experiment.lifecycle_stage != ACTIVE:
        raise InvalidParameter(
            f"experiment {experiment.experiment_id} ({experiment.name!r}) is deleted: restore it"
            " (trackbook experiments restore) or choose another name"
        )
    _state.experiment_id = experiment.experiment_id
    return experiment


def _get_or_create_experiment(client: Client, name: str) -> Experiment:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found
    try:
        return client.get_experiment(client.create_experiment(name))
    except ResourceAlreadyExists:  # another process created it a moment ago
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found


def _current_experiment_id() -> str:
    if _state.experiment_id is not None:
        return _state.experiment_id
    config = _client().config
    if config.experiment_name:
        experiment = _get_or_create_experiment(_client(), config.experiment_name)
        if config.experiment_id and config.experiment_id != experiment.experiment_id:
            raise InvalidParameter(
                f"the experiment id in the environment ({config.experiment_id}) is not the id of"
                f" experiment {config.experiment_name!r} ({experiment.experiment_id})"
            )
        return experiment.experiment_id
    if config.experiment_id:
        return _client().get_experiment(config.experiment_id).experiment_id
    return "0"


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str | int) -> Experiment:
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _client().get_experiment_by_name(name)


def delete_experiment(experiment_id: str | int) -> None:
    _client().delete_experiment(experiment_id)


def set_experiment_tag(key: str, value: Any) -> None:
    """Tag the active experiment."""
    _client().set_experiment_tag(_current_experiment_id(), key, value)


def set_experiment_tags(tags: Mapping[str, Any]) -> None:
    for key, value in tags.items():
        set_experiment_tag(key, value)


def search_experiments(
    view_type: int | str = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """Every matching experiment (all pages), or the first ``max_results``."""
    client = _client()
    found: list[Experiment] = []
    token: str | None = None
    while max_results is None or len(found) < max_results:
        want = None if max_results is None else min(max_results - len(found), 3000)
        page = client.search_experiments(view_type, want, filter_string, order_by, token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found


# -- runs ----------------------------------------------------------------------
def start_run(
    run_id: str | None = None,
    experiment_id: str | int | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ActiveRun:
    """Start a run (or resume ``run_id``) and make it active; use it with ``with``."""
    with _state.lock:
        if _state.runs and not nested:
            raise InvalidParameter(
                f"run {_state.runs[0].info.run_id} is already active: end it with end_run(),"
                " or pass nested=True to start a run inside it"
            )
        user_tags = {str(k): str(v) for k, v in (tags or {}).items()}
        if description:
            if NOTE_TAG in user_tags:
                raise InvalidParameter(
                    f"description: the {NOTE_TAG} tag also sets a description; give one of them"
                )
            user_tags[NOTE_TAG] = description
        client = _client()
        if run_id:
            run = _resume(client, run_id, run_name, user_tags)
        else:
            parent = _parent_of(client, parent_run_id)
            if parent is not None:
                user_tags[PARENT_RUN_TAG] = parent
            if run_name:
                user_tags[RUN_NAME_TAG] = run_name
            target = str(experiment_id) if experiment_id is not None else _current_experiment_id()
            run = client.create_run(target, tags=user_tags, run_name=run_name)
        active = ActiveRun(run, client)
        _state.runs.append(active)
        _state.last_run_id = run.info.run_id
        if not _state.exit_hook:
            _state.exit_hook = True
            atexit.register(_end_runs_at_exit)
        return active


def _parent_of(client: Client, parent_run_id: str | None) -> str | None:
    if parent_run_id is None:
        return _state.runs[-1].info.run_id if _state.runs else None
    if _state.runs and _state.runs[-1].info.run_id != parent_run_id:
        raise InvalidParameter(
            f"parent_run_id: {parent_run_id} is not the active run"
            f" {_state.runs[-1].info.run_id}; end that one first"
        )
    if client.get_run(parent_run_id).info.lifecycle_stage != ACTIVE:
        raise InvalidParameter(f"parent_run_id: run {parent_run_id} is deleted")
    return parent_run_id


def _resume(client: Client, run_id: str, run_name: str | None, tags: dict[str, str]) -> Run:
    existing = client.get_run(run_id)
    if existing.info.lifecycle_stage != ACTIVE:
        raise InvalidParameter(f"run_id: run {run_id} is deleted; restore it before resuming")
    if _state.experiment_id is not None and _state.experiment_id != existing.info.experiment_id:
        raise InvalidParameter(
            f"run_id: run {run_id} belongs to experiment {existing.info.experiment_id}, not to"
            f" the active experiment {_state.experiment_id}"
        )
    client.update_run(run_id, RunStatus.RUNNING, run_name)
    for key, value in tags.items():
        client.set_tag(run_id, key, value, synchronous=True)
    return client.get_run(run_id)


def active_run() -> ActiveRun | None:
    return _state.runs[-1] if _state.runs else None


def last_active_run() -> Run | None:
    """The run started last in this process (active or ended), as it is now."""
    if _state.last_run_id is None:
        return None
    return get_run(_state.last_run_id)


def end_run(status: str = RunStatus.FINISHED) -> None:
    """End the active run: deliver what it logged, then set its status and end time.

    A logging error still pending from the background is raised here, after the run
    has been ended."""
    status = RunStatus.check(status)
    with _state.lock:
        if not _state.runs:
            return
        run = _state.runs.pop()
    run.client.set_terminated(run.info.run_id, status)


def _end_runs_at_exit() -> None:
    # An uncaught exception is in sys.last_value by the time exit handlers run.
    failure = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    if failure is None:
        status = RunStatus.FINISHED
    elif isinstance(failure, KeyboardInterrupt):
        status = RunStatus.KILLED
    else:
        status = RunStatus.FAILED
    while _state.runs:
        try:
            end_run(status)
        except Exception as exc:
            log.error("trackbook: %s", exc)


def _active() -> ActiveRun:
    """The active run; logging without one starts one, as MLflow does."""
    if _state.runs:
        return _state.runs[-1]
    return start_run()


def _target(run_id: str | None) -> tuple[Client, str]:
    if run_id is None:
        run = _active()
        return run.client, run.info.run_id
    return _client(), run_id


def get_run(run_id: str) -> Run:
    return _client().get_run(run_id)


def delete_run(run_id: str) -> None:
    _client().delete_run(run_id)


def get_metric_history(run_id: str, key: str) -> list[Metric]:
    return _client().get_metric_history(run_id, key)


def search_runs(
    experiment_ids: Sequence[str | int] | None = None,
    filter_string: str = "",
    run_view_type: int | str = ViewType.ACTIVE_ONLY,
    max_results: int = SEARCH_MAX_RESULTS,
    order_by: Sequence[str] | None = None,
    output_format: Literal["pandas", "list"] = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> pd.DataFrame | list[Run]:
    """Runs matching a filter: a pandas DataFrame (MLflow's columns) or a list of runs."""
    if output_format not in ("pandas", "list"):
        raise InvalidParameter(f"output_format: {output_format!r} is not 'pandas' or 'list'")
    if experiment_ids and experiment_names:
        raise InvalidParameter("give experiment_ids or experiment_names, not both")
    client = _client()
    if experiment_names:
        found = [client.get_experiment_by_name(n) for n in experiment_names]
        ids = [e.experiment_id for e in found if e is not None]
    elif experiment_ids:
        ids = [str(e) for e in experiment_ids]
    elif search_all_experiments:
        ids = [e.experiment_id for e in search_experiments()]
    else:
        ids = [_current_experiment_id()]
    runs: list[Run] = []
    token: str | None = None
    while ids and len(runs) < max_results:
        want = min(max_results - len(runs), SEARCH_PAGE)
        page = client.search_runs(ids, filter_string, run_view_type, want, order_by, token)
        runs.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "list":
        return runs
    return runs_to_dataframe(runs)


# -- logging -------------------------------------------------------------------
def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    synchronous: bool | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
) -> None:
    runs = _state.runs
    if run_id is None and runs:
        run = runs[-1]
        run.client.log_metric(run.run_id, key, value, timestamp, step, synchronous)
        return
    client, target = _target(run_id)
    client.log_metric(target, key, value, timestamp, step, synchronous)


def log_metrics(
    metrics: Mapping[str, float],
    step: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
    timestamp: int | None = None,
) -> None:
    client, target = _target(run_id)
    for key, value in metrics.items():
        client.log_metric(target, key, value, timestamp, step, synchronous)


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    client, target = _target(None)
    return client.log_param(target, key, value, synchronous)


def log_params(
    params: Mapping[str, Any], synchronous: bool | None = None, run_id: str | None = None
) -> None:
    client, target = _target(run_id)
    for key, value in params.items():
        client.log_param(target, key, value, synchronous)


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> None:
    client, target = _target(None)
    client.set_tag(target, key, value, synchronous)


def set_tags(tags: Mapping[str, Any], synchronous: bool | None = None) -> None:
    client, target = _target(None)
    for key, value in tags.items():
        client.set_tag(target, key, value, synchronous)


def delete_tag(key: str) -> None:
    client, target = _target(None)
    client.delete_tag(target, key)


def log_input(
    dataset: Any,
    context: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    """Record a dataset the run used: a :class:`trackbook.Dataset`, or an MLflow dataset."""
    input_tags = [InputTag(str(k), str(v)) for k, v in (tags or {}).items()]
    if context:
        input_tags.append(InputTag(DATASET_CONTEXT_TAG, context))
    client, target = _target(None)
    client.log_inputs(target, [DatasetInput(_dataset_record(dataset), input_tags)])


def _dataset_record(dataset: Any) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    to_entity = getattr(dataset, "_to_mlflow_entity", None)
    source = to_entity() if callable(to_entity) else dataset
    try:
        return Dataset(
            name=str(source.name),
            digest=str(source.digest),
            source_type=str(source.source_type),
            source=str(source.source),
            schema=getattr(source, "schema", None),
            profile=getattr(source, "profile", None),
        )
    except AttributeError as exc:
        raise InvalidParameter(
            f"dataset: {type(dataset).__name__} is not a dataset (missing {exc.name!r})"
        ) from None


# -- artifacts -----------------------------------------------------------------
def get_artifact_uri(artifact_path: str | None = None) -> str:
    run = _active()
    root = run.info.artifact_uri
    return root if not artifact_path else root.rstrip("/") + "/" + artifact_path.lstrip("/")


def log_artifact(
    local_path: str | Path, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    client, target = _target(run_id)
    client.log_artifact(target, local_path, artifact_path)


def log_artifacts(
    local_dir: str | Path, artifact_path: str | None = None, run_id: str | None = None
) -> None:
    client, target = _target(run_id)
    client.log_artifacts(target, local_dir, artifact_path)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    client, target = _target(run_id)
    client.log_text(target, text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    client, target = _target(run_id)
    client.log_dict(target, dictionary, artifact_file)


def log_figure(
    figure: Any, artifact_file: str, *, save_kwargs: dict[str, Any] | None = None
) -> None:
    client, target = _target(None)
    client.log_figure(target, figure, artifact_file, save_kwargs=save_kwargs)


def reset() -> None:
    """Forget all fluent state after ending active runs (for tests and long-lived hosts)."""
    try:
        while _state.runs:
            end_run()
    finally:
        with _state.lock:
            if _state.client is not None:
                _state.client.close()
            _state.client = None
            _state.tracking_uri = None
            _state.experiment_id = None
            _state.last_run_id = None
