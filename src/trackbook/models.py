"""Plain records passed between the store, the API and the client.

They hold data only; serialisation to MLflow's JSON lives in ``web/api/serialize.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

ACTIVE = "active"
DELETED = "deleted"

RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
VIEW_TYPES = ("ACTIVE_ONLY", "DELETED_ONLY", "ALL")


@dataclass(slots=True)
class ExperimentTag:
    key: str
    value: str


@dataclass(slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int | None
    last_update_time: int | None
    tags: list[ExperimentTag] = field(default_factory=list)


@dataclass(slots=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0
    run_id: str | None = None


@dataclass(slots=True)
class Param:
    key: str
    value: str


@dataclass(slots=True)
class RunTag:
    key: str
    value: str


@dataclass(slots=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(slots=True)
class InputTag:
    key: str
    value: str


@dataclass(slots=True)
class DatasetInput:
    dataset: Dataset
    tags: list[InputTag] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """A logged model that a run produced, at a step."""

    model_id: str
    step: int = 0


@dataclass(slots=True)
class RunInfo:
    run_id: str
    run_name: str
    experiment_id: str
    user_id: str
    status: str
    start_time: int | None
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str


@dataclass(slots=True)
class Run:
    info: RunInfo
    metrics: list[Metric] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    tags: list[RunTag] = field(default_factory=list)
    inputs: list[DatasetInput] = field(default_factory=list)
    outputs: list[ModelOutput] = field(default_factory=list)


@dataclass(slots=True)
class RunRecord:
    """A run as the API sends it: ``data_json`` holds its latest metrics, params and tags
    already as MLflow's ``RunData`` JSON, the way the store keeps it (store/run_data.py)."""

    info: RunInfo
    data_json: str
    inputs: list[DatasetInput] = field(default_factory=list)
    outputs: list[ModelOutput] = field(default_factory=list)


@dataclass(slots=True)
class Page(Generic[T]):
    """One page of a listing and the token of the next (None when this is the last)."""

    items: list[T]
    next_page_token: str | None = None
