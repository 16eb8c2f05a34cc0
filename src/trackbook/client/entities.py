"""What the client hands back to users, shaped like MLflow's entities.

The store's records keep tags and metrics as lists (that is how they are stored
and sent); users of the ``mlflow`` client expect ``run.data.params["lr"]`` and
``experiment.tags["team"]``, so the client converts once, here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from trackbook import models
from trackbook.errors import InvalidParameter
from trackbook.models import DatasetInput, RunInfo

T = TypeVar("T")


@dataclass(slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int | None
    last_update_time: int | None
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_record(cls, e: models.Experiment) -> Experiment:
        return cls(
            experiment_id=e.experiment_id,
            name=e.name,
            artifact_location=e.artifact_location,
            lifecycle_stage=e.lifecycle_stage,
            creation_time=e.creation_time,
            last_update_time=e.last_update_time,
            tags={t.key: t.value for t in e.tags},
        )


@dataclass(slots=True)
class RunData:
    """The latest value of each metric, and the params and tags, keyed by name."""

    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RunInputs:
    dataset_inputs: list[DatasetInput] = field(default_factory=list)


@dataclass(slots=True)
class Run:
    info: RunInfo
    data: RunData
    inputs: RunInputs

    @classmethod
    def from_record(cls, r: models.Run) -> Run:
        return cls(
            info=r.info,
            data=RunData(
                metrics={m.key: m.value for m in r.metrics},
                params={p.key: p.value for p in r.params},
                tags={t.key: t.value for t in r.tags},
            ),
            inputs=RunInputs(list(r.inputs)),
        )


class PagedList(list[T]):
    """One page of results; ``token`` fetches the next page (None on the last one)."""

    def __init__(self, items: Iterable[T], token: str | None) -> None:
        super().__init__(items)
        self.token = token


class ViewType:
    """Which lifecycle stages a search returns (the same numbers as MLflow's ``ViewType``)."""

    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    _NAMES = {1: "ACTIVE_ONLY", 2: "DELETED_ONLY", 3: "ALL"}

    @classmethod
    def name_of(cls, value: int | str) -> str:
        """``ViewType.ALL``, ``3`` and ``"all"`` all mean ``"ALL"``."""
        if isinstance(value, int) and not isinstance(value, bool) and value in cls._NAMES:
            return cls._NAMES[value]
        if isinstance(value, str) and value.upper() in models.VIEW_TYPES:
            return value.upper()
        raise InvalidParameter(f"view_type: {value!r} is not one of {', '.join(models.VIEW_TYPES)}")


class RunStatus:
    """Run status names, for code that spells them as constants."""

    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @staticmethod
    def check(status: str) -> str:
        upper = str(status).upper()
        if upper not in models.RUN_STATUSES:
            raise InvalidParameter(
                f"status: {status!r} is not one of {', '.join(models.RUN_STATUSES)}"
            )
        return upper
