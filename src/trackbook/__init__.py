"""trackbook: a fast, MLflow-compatible experiment tracker.

The fluent functions (``trackbook.start_run``, ``trackbook.log_metric``, …) and
``Client`` have MLflow's names and behaviour: ``import trackbook as mlflow``.
"""

from __future__ import annotations

from trackbook.client.client import Client
from trackbook.client.entities import (
    Experiment,
    PagedList,
    Run,
    RunData,
    RunInputs,
    RunStatus,
    ViewType,
)
from trackbook.client.fluent import (
    ActiveRun,
    active_run,
    create_experiment,
    delete_experiment,
    delete_run,
    delete_tag,
    end_run,
    flush,
    flush_async_logging,
    get_artifact_uri,
    get_experiment,
    get_experiment_by_name,
    get_metric_history,
    get_run,
    get_tracking_uri,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    search_experiments,
    search_runs,
    set_experiment,
    set_experiment_tag,
    set_experiment_tags,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from trackbook.errors import TrackbookError
from trackbook.models import Dataset, Metric, Param, RunInfo, RunTag

__version__ = "0.1.0"

#: MLflow's name for :class:`Client`, so ``mlflow.MlflowClient()`` keeps working.
MlflowClient = Client

__all__ = [
    "ActiveRun",
    "Client",
    "Dataset",
    "Experiment",
    "Metric",
    "MlflowClient",
    "PagedList",
    "Param",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunStatus",
    "RunTag",
    "TrackbookError",
    "ViewType",
    "__version__",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush",
    "flush_async_logging",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_metric_history",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
