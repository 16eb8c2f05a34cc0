"""Runs as a pandas DataFrame, with the columns ``mlflow.search_runs`` gives.

``run_id, experiment_id, status, artifact_uri, start_time, end_time`` (times as
timezone-aware UTC datetimes, NaT while a run has not ended), then one
``metrics.<key>`` column per metric (float, NaN where a run lacks it), one
``params.<key>`` and one ``tags.<key>`` column per param and tag (strings, None
where missing). Within each group the keys are sorted, so the columns are the
same however the runs were ordered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from trackbook.client.entities import Run

if TYPE_CHECKING:
    import pandas as pd

INFO_COLUMNS = ("run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time")


def import_pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "search_runs returns a pandas DataFrame: install pandas"
            " (pip install 'trackbook[pandas]'), or pass output_format='list'"
        ) from None
    return pandas


def runs_to_dataframe(runs: Sequence[Run]) -> pd.DataFrame:
    pd = import_pandas()
    metric_keys = sorted({k for r in runs for k in r.data.metrics})
    param_keys = sorted({k for r in runs for k in r.data.params})
    tag_keys = sorted({k for r in runs for k in r.data.tags})

    def times(values: list[int | None]) -> Any:
        millis = pd.Series(
            [float("nan") if v is None else float(v) for v in values], dtype="float64"
        )
        return pd.to_datetime(millis, unit="ms", utc=True)

    columns: dict[str, Any] = {
        "run_id": [r.info.run_id for r in runs],
        "experiment_id": [r.info.experiment_id for r in runs],
        "status": [r.info.status for r in runs],
        "artifact_uri": [r.info.artifact_uri for r in runs],
        "start_time": times([r.info.start_time for r in runs]),
        "end_time": times([r.info.end_time for r in runs]),
    }
    for key in metric_keys:
        columns["metrics." + key] = pd.Series(
            [r.data.metrics.get(key, float("nan")) for r in runs], dtype="float64"
        )
    for key in param_keys:
        columns["params." + key] = [r.data.params.get(key) for r in runs]
    for key in tag_keys:
        columns["tags." + key] = [r.data.tags.get(key) for r in runs]
    return pd.DataFrame(columns)
