"""trackbook: a fast, MLflow-compatible experiment tracker.

The fluent functions (``trackbook.start_run``, ``trackbook.log_metric``, …) and
``Client`` have MLflow's names and behaviour: ``import trackbook as mlflow``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
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

    #: MLflow's name for :class:`Client`, so ``mlflow.MlflowClient()`` keeps working.
    MlflowClient = Client

# The client API is imported on first use, not with the package: the server and the CLI
# import ``trackbook.*`` modules and would otherwise pay for the whole client at start-up.
_SOURCES: dict[str, tuple[str, str]] = {
    "Client": ("trackbook.client.client", "Client"),
    "MlflowClient": ("trackbook.client.client", "Client"),
    "Experiment": ("trackbook.client.entities", "Experiment"),
    "PagedList": ("trackbook.client.entities", "PagedList"),
    "Run": ("trackbook.client.entities", "Run"),
    "RunData": ("trackbook.client.entities", "RunData"),
    "RunInputs": ("trackbook.client.entities", "RunInputs"),
    "RunStatus": ("trackbook.client.entities", "RunStatus"),
    "ViewType": ("trackbook.client.entities", "ViewType"),
    "ActiveRun": ("trackbook.client.fluent", "ActiveRun"),
    "active_run": ("trackbook.client.fluent", "active_run"),
    "create_experiment": ("trackbook.client.fluent", "create_experiment"),
    "delete_experiment": ("trackbook.client.fluent", "delete_experiment"),
    "delete_run": ("trackbook.client.fluent", "delete_run"),
    "delete_tag": ("trackbook.client.fluent", "delete_tag"),
    "end_run": ("trackbook.client.fluent", "end_run"),
    "flush": ("trackbook.client.fluent", "flush"),
    "flush_async_logging": ("trackbook.client.fluent", "flush_async_logging"),
    "get_artifact_uri": ("trackbook.client.fluent", "get_artifact_uri"),
    "get_experiment": ("trackbook.client.fluent", "get_experiment"),
    "get_experiment_by_name": ("trackbook.client.fluent", "get_experiment_by_name"),
    "get_metric_history": ("trackbook.client.fluent", "get_metric_history"),
    "get_run": ("trackbook.client.fluent", "get_run"),
    "get_tracking_uri": ("trackbook.client.fluent", "get_tracking_uri"),
    "last_active_run": ("trackbook.client.fluent", "last_active_run"),
    "log_artifact": ("trackbook.client.fluent", "log_artifact"),
    "log_artifacts": ("trackbook.client.fluent", "log_artifacts"),
    "log_dict": ("trackbook.client.fluent", "log_dict"),
    "log_figure": ("trackbook.client.fluent", "log_figure"),
    "log_input": ("trackbook.client.fluent", "log_input"),
    "log_metric": ("trackbook.client.fluent", "log_metric"),
    "log_metrics": ("trackbook.client.fluent", "log_metrics"),
    "log_param": ("trackbook.client.fluent", "log_param"),
    "log_params": ("trackbook.client.fluent", "log_params"),
    "log_text": ("trackbook.client.fluent", "log_text"),
    "search_experiments": ("trackbook.client.fluent", "search_experiments"),
    "search_runs": ("trackbook.client.fluent", "search_runs"),
    "set_experiment": ("trackbook.client.fluent", "set_experiment"),
    "set_experiment_tag": ("trackbook.client.fluent", "set_experiment_tag"),
    "set_experiment_tags": ("trackbook.client.fluent", "set_experiment_tags"),
    "set_tag": ("trackbook.client.fluent", "set_tag"),
    "set_tags": ("trackbook.client.fluent", "set_tags"),
    "set_tracking_uri": ("trackbook.client.fluent", "set_tracking_uri"),
    "start_run": ("trackbook.client.fluent", "start_run"),
    "TrackbookError": ("trackbook.errors", "TrackbookError"),
    "Dataset": ("trackbook.models", "Dataset"),
    "Metric": ("trackbook.models", "Metric"),
    "Param": ("trackbook.models", "Param"),
    "RunInfo": ("trackbook.models", "RunInfo"),
    "RunTag": ("trackbook.models", "RunTag"),
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'trackbook' has no attribute {name!r}")
    value = getattr(importlib.import_module(source[0]), source[1])
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])


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
