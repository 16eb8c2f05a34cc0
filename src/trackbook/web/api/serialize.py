"""Records → MLflow's JSON shapes. Unset fields are left out, as protobuf-JSON does."""

from __future__ import annotations

import math
from typing import Any

import orjson

from trackbook.models import DatasetInput, Experiment, Metric, Run, RunInfo, RunRecord


def json_double(value: float) -> float | str:
    """Protobuf-JSON spells non-finite doubles as strings; plain JSON cannot hold them."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def experiment(e: Experiment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "last_update_time": e.last_update_time,
        "creation_time": e.creation_time,
    }
    if e.tags:
        out["tags"] = [{"key": t.key, "value": t.value} for t in e.tags]
    return out


def run_info(i: RunInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "run_id": i.run_id,
        "run_uuid": i.run_id,
        "run_name": i.run_name,
        "experiment_id": i.experiment_id,
        "user_id": i.user_id,
        "status": i.status,
        "start_time": i.start_time,
        "artifact_uri": i.artifact_uri,
        "lifecycle_stage": i.lifecycle_stage,
    }
    if i.end_time is not None:
        out["end_time"] = i.end_time
    return out


def metric(m: Metric) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": m.key,
        "value": json_double(m.value),
        "timestamp": m.timestamp,
        "step": m.step,
    }
    if m.run_id is not None:
        out["run_id"] = m.run_id
    return out


def dataset_input(d: DatasetInput) -> dict[str, Any]:
    ds: dict[str, Any] = {
        "name": d.dataset.name,
        "digest": d.dataset.digest,
        "source_type": d.dataset.source_type,
        "source": d.dataset.source,
    }
    if d.dataset.schema is not None:
        ds["schema"] = d.dataset.schema
    if d.dataset.profile is not None:
        ds["profile"] = d.dataset.profile
    return {"tags": [{"key": t.key, "value": t.value} for t in d.tags], "dataset": ds}


def run(r: Run) -> dict[str, Any]:
    return {
        "info": run_info(r.info),
        "data": {
            "metrics": [metric(m) for m in r.metrics],
            "params": [{"key": p.key, "value": p.value} for p in r.params],
            "tags": [{"key": t.key, "value": t.value} for t in r.tags],
        },
        "inputs": {"dataset_inputs": [dataset_input(d) for d in r.inputs]},
        "outputs": {"model_outputs": [{"model_id": o.model_id, "step": o.step} for o in r.outputs]},
    }


def run_record(r: RunRecord) -> dict[str, Any]:
    """Like :func:`run`, with the data spliced in as the JSON the store keeps."""
    return {
        "info": run_info(r.info),
        "data": orjson.Fragment(r.data_json),
        "inputs": {"dataset_inputs": [dataset_input(d) for d in r.inputs]},
        "outputs": {"model_outputs": [{"model_id": o.model_id, "step": o.step} for o in r.outputs]},
    }
