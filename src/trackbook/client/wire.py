"""MLflow's JSON shapes ↔ the store's records, for the HTTP backend.

Lenient on input: a real MLflow server sends 64-bit integers as strings and
non-finite doubles as ``"NaN"``/``"Infinity"``, and leaves out empty fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackbook.models import (
    Dataset,
    DatasetInput,
    Experiment,
    ExperimentTag,
    InputTag,
    Metric,
    Param,
    Run,
    RunInfo,
    RunTag,
)


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _pairs(items: Any) -> list[tuple[str, str]]:
    return [(str(t["key"]), str(t.get("value", ""))) for t in items or ()]


def experiment(data: dict[str, Any]) -> Experiment:
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=str(data.get("name", "")),
        artifact_location=str(data.get("artifact_location", "")),
        lifecycle_stage=str(data.get("lifecycle_stage", "active")),
        creation_time=_int(data.get("creation_time")),
        last_update_time=_int(data.get("last_update_time")),
        tags=[ExperimentTag(k, v) for k, v in _pairs(data.get("tags"))],
    )


def run_info(data: dict[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=str(data.get("run_id") or data.get("run_uuid")),
        run_name=str(data.get("run_name", "")),
        experiment_id=str(data.get("experiment_id", "")),
        user_id=str(data.get("user_id", "")),
        status=str(data.get("status", "RUNNING")),
        start_time=_int(data.get("start_time")),
        end_time=_int(data.get("end_time")),
        artifact_uri=str(data.get("artifact_uri", "")),
        lifecycle_stage=str(data.get("lifecycle_stage", "active")),
    )


def metric(data: dict[str, Any]) -> Metric:
    return Metric(
        key=str(data["key"]),
        value=float(data["value"]),
        timestamp=int(data.get("timestamp", 0)),
        step=int(data.get("step", 0)),
        run_id=data.get("run_id"),
    )


def dataset_input(data: dict[str, Any]) -> DatasetInput:
    ds = data.get("dataset", {})
    return DatasetInput(
        dataset=Dataset(
            name=str(ds.get("name", "")),
            digest=str(ds.get("digest", "")),
            source_type=str(ds.get("source_type", "")),
            source=str(ds.get("source", "")),
            schema=ds.get("schema"),
            profile=ds.get("profile"),
        ),
        tags=[InputTag(k, v) for k, v in _pairs(data.get("tags"))],
    )


def run(data: dict[str, Any]) -> Run:
    body = data.get("data", {})
    inputs = data.get("inputs", {})
    return Run(
        info=run_info(data["info"]),
        metrics=[metric(m) for m in body.get("metrics", ())],
        params=[Param(k, v) for k, v in _pairs(body.get("params"))],
        tags=[RunTag(k, v) for k, v in _pairs(body.get("tags"))],
        inputs=[dataset_input(d) for d in inputs.get("dataset_inputs", ())],
    )


def json_double(value: float) -> float | str:
    """Protobuf-JSON spells non-finite doubles as strings; plain JSON cannot hold them."""
    if value - value == 0.0:  # false for NaN and both infinities
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def metric_rows_json(rows: Sequence[tuple[str, float, int, int]]) -> list[dict[str, Any]]:
    """``(key, value, timestamp, step)`` rows as log-batch metrics (the hot path: inlined)."""
    return [
        {
            "key": key,
            "value": value if value - value == 0.0 else json_double(value),
            "timestamp": timestamp,
            "step": step,
        }
        for key, value, timestamp, step in rows
    ]


def pairs_json(items: Sequence[Param | RunTag | ExperimentTag]) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value} for t in items]


def dataset_input_json(item: DatasetInput) -> dict[str, Any]:
    ds = item.dataset
    dataset: dict[str, Any] = {
        "name": ds.name,
        "digest": ds.digest,
        "source_type": ds.source_type,
        "source": ds.source,
    }
    if ds.schema is not None:
        dataset["schema"] = ds.schema
    if ds.profile is not None:
        dataset["profile"] = ds.profile
    return {"dataset": dataset, "tags": [{"key": t.key, "value": t.value} for t in item.tags]}
