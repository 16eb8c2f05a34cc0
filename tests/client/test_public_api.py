"""The public surface of ``trackbook``: pinned, so that changing it is a decision."""

from __future__ import annotations

import subprocess
import sys

import pytest

import trackbook

EXPECTED = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert trackbook.__all__ == EXPECTED
    assert sorted(trackbook.__all__) == trackbook.__all__
    for name in trackbook.__all__:
        assert getattr(trackbook, name) is not None, name


def test_mlflow_names_are_mlflow_compatible_aliases() -> None:
    assert trackbook.MlflowClient is trackbook.Client
    assert trackbook.flush_async_logging is trackbook.flush
    assert (trackbook.ViewType.ACTIVE_ONLY, trackbook.ViewType.ALL) == (1, 3)


def test_importing_trackbook_loads_no_heavy_dependencies() -> None:
    # Scripts import trackbook first thing; the store, HTTP and pandas load when used.
    code = (
        "import sys, trackbook; "
        "print(sorted(m for m in ('sqlalchemy', 'httpx', 'pandas', 'alembic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_server_does_not_load_the_client() -> None:
    # The client API is imported on first use, so the server's start-up does not pay for it.
    code = "import sys, trackbook.web.app; print('trackbook.client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_function"):
        trackbook.no_such_function  # noqa: B018
