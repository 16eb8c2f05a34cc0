"""A seeded experiment of 30 runs whose params, metrics, tags, statuses and datasets are
chosen so that each search case picks out a known set of runs.

Run ``i`` (0..29) is named ``run-{i:02d}`` and has:

* start_time ``START + (i // 2) * 1000``: runs come in pairs with equal start times,
  so the run-id tie-break matters; end_time = start_time + 500, except RUNNING runs;
* status FAILED for 10-12, KILLED for 27, RUNNING for 28-29, else FINISHED;
  user ``alice`` for even i, ``bob`` for odd i; run 26 is deleted;
* params ``model`` = resnet / vit / mlp by ``i % 3``; ``lr`` = 0.1 (i < 10),
  0.01 (i < 20), 0.001; ``opt`` only on even runs (adam if i % 4 == 0, else sgd);
  ``batch size`` = 32 when i % 5 == 0;
* metrics ``acc`` = i / 100 (run 0 logged 0.9 first, then 0.0 later), except run 5 (NaN)
  and run 6 (no acc); ``loss`` = (30 - i) / 100 for i < 23, +inf for run 23, none after;
* tags ``team`` = a (i < 15) or b; ``quote`` = it's on run 7; ``pattern`` = 50%_off on
  run 8 and 50x_off on run 9;
* datasets: mnist (digest d1, context training) on runs 0-4, cifar (d2, eval) on 3-6.

A second experiment holds three more runs (``other-0..2``) for multi-experiment search.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import BACKENDS
from trackbook.config import Settings
from trackbook.models import Dataset, DatasetInput, InputTag, Metric, Param, Run, RunTag
from trackbook.store import Store

START = 1_000_000
N = 30
DELETED = 26
ALL = frozenset(range(N))
ACTIVE = ALL - {DELETED}


def start_time(i: int) -> int:
    return START + (i // 2) * 1000


def status(i: int) -> str:
    if i in (10, 11, 12):
        return "FAILED"
    if i == 27:
        return "KILLED"
    if i in (28, 29):
        return "RUNNING"
    return "FINISHED"


@dataclass
class Seeded:
    store: Store
    experiment_id: str
    other_experiment_id: str
    ids: dict[int, str] = field(default_factory=dict)  # i -> run id
    other_ids: list[str] = field(default_factory=list)

    @property
    def index(self) -> dict[str, int]:
        return {rid: i for i, rid in self.ids.items()}

    def numbers(self, found: list[Run]) -> list[int]:
        """The seed numbers of runs of the main experiment, in the order found."""
        index = self.index
        return [index[r.info.run_id] for r in found]

    def default_order(self, which: set[int] | frozenset[int]) -> list[int]:
        """MLflow's order without order_by: start_time DESC, then run id ASC."""
        return sorted(which, key=lambda i: (-start_time(i), self.ids[i]))


def seed(store: Store) -> Seeded:
    tag = uuid.uuid4().hex[:8]
    eid = store.experiments.create(f"search-{tag}")
    other = store.experiments.create(f"search-other-{tag}")
    seeded = Seeded(store, eid, other)
    runs = store.runs
    for i in range(N):
        run = runs.create(
            eid,
            run_name=f"run-{i:02d}",
            user_id="alice" if i % 2 == 0 else "bob",
            start_time=start_time(i),
            tags=[RunTag("team", "a" if i < 15 else "b")],
        )
        rid = run.info.run_id
        seeded.ids[i] = rid
        params = [
            Param("model", ("resnet", "vit", "mlp")[i % 3]),
            Param("lr", "0.1" if i < 10 else "0.01" if i < 20 else "0.001"),
        ]
        if i % 2 == 0:
            params.append(Param("opt", "adam" if i % 4 == 0 else "sgd"))
        if i % 5 == 0:
            params.append(Param("batch size", "32"))
        metrics = []
        if i == 0:
            metrics += [Metric("acc", 0.9, timestamp=1, step=0), Metric("acc", 0.0, 2, 1)]
        elif i == 5:
            metrics.append(Metric("acc", math.nan, 1, 0))
        elif i != 6:
            metrics.append(Metric("acc", i / 100, 1, 0))
        if i < 23:
            metrics.append(Metric("loss", (30 - i) / 100, 1, 0))
        elif i == 23:
            metrics.append(Metric("loss", math.inf, 1, 0))
        tags = []
        if i == 7:
            tags.append(RunTag("quote", "it's"))
        if i in (8, 9):
            tags.append(RunTag("pattern", "50%_off" if i == 8 else "50x_off"))
        runs.log_batch(rid, metrics=metrics, params=params, tags=tags)
        inputs = []
        if i <= 4:
            inputs.append(_dataset("mnist", "d1", "training"))
        if 3 <= i <= 6:
            inputs.append(_dataset("cifar", "d2", "eval"))
        if inputs:
            runs.log_inputs(rid, inputs)
        finished = status(i) != "RUNNING"
        runs.update(
            rid,
            status=status(i),
            end_time=start_time(i) + 500 if finished else None,
        )
    runs.delete(seeded.ids[DELETED])
    for j in range(3):
        other_run = runs.create(other, run_name=f"other-{j}", start_time=START + j)
        runs.log_batch(
            other_run.info.run_id,
            params=[Param("model", "resnet")],
            metrics=[Metric("acc", 0.5 + j / 10, 1, 0)],
        )
        seeded.other_ids.append(other_run.info.run_id)
    return seeded


def _dataset(name: str, digest: str, context: str) -> DatasetInput:
    return DatasetInput(
        Dataset(name=name, digest=digest, source_type="local", source=f"/data/{name}"),
        [InputTag("mlflow.data.context", context)],
    )


def open_store(
    backend: str, tmp_path_factory: pytest.TempPathFactory, server_database_uris: dict[str, str]
) -> Store:
    """A store on ``backend`` for a module's worth of tests (PostgreSQL and MariaDB use the
    session's shared database; SQLite a file of its own)."""
    data = tmp_path_factory.mktemp(f"search-{backend}")
    uri = f"sqlite:///{data / 'trackbook.db'}" if backend == "sqlite" else None
    return Store.open(
        Settings(
            backend_store_uri=uri or server_database_uris[backend],
            artifacts_destination=str(data / "artifacts"),
        )
    )


@pytest.fixture(scope="module", params=BACKENDS, name="seeded")
def seeded_store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_database_uris: dict[str, str],
) -> Iterator[Seeded]:
    """The seeded experiments on each backend, once per test module (searches only read)."""
    store = open_store(str(request.param), tmp_path_factory, server_database_uris)
    try:
        yield seed(store)
    finally:
        store.close()
