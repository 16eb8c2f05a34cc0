"""A metric's history, page by page: every point once, in order, on every backend."""

from __future__ import annotations

import math
import uuid

import pytest

from trackbook.errors import InvalidParameter
from trackbook.models import Metric
from trackbook.store import Store
from trackbook.store.paging import encode_token


def _points() -> list[Metric]:
    """Points that agree on step, on step and timestamp, and differ only in value."""
    points = []
    for step in range(6):
        for timestamp in (10, 20):
            for value in (0.5, -1.0, math.inf, -math.inf, math.nan):
                points.append(Metric("loss", value, timestamp, step))
    return points


def _key(m: Metric) -> tuple[int, int, str]:
    return (m.step, m.timestamp, repr(m.value))


def test_pages_hold_every_point_once_in_order(store: Store) -> None:
    eid = store.experiments.create(f"history-{uuid.uuid4().hex[:8]}")
    run_id = store.runs.create(eid).info.run_id
    store.runs.log_batch(run_id, metrics=_points())
    seen: list[Metric] = []
    token = None
    pages = 0
    while True:
        page = store.metric_history(run_id, "loss", max_results=7, page_token=token)
        seen += page.items
        pages += 1
        token = page.next_page_token
        if token is None:
            break
    assert pages == math.ceil(60 / 7)
    assert sorted(map(_key, seen)) == sorted(map(_key, _points()))
    assert len({_key(m) for m in seen}) == 60
    assert [(m.step, m.timestamp) for m in seen] == sorted((m.step, m.timestamp) for m in seen)
    documents = store.metric_history_documents(run_id, "loss", max_results=100).items
    assert [d["value"] for d in documents[:5]] == [-1.0, 0.5, "NaN", "Infinity", "-Infinity"]
    assert [(d["step"], d["timestamp"]) for d in documents] == [(m.step, m.timestamp) for m in seen]


@pytest.mark.parametrize(
    "state",
    [
        {"offset": 3},
        {"after": [1, 2, 3]},
        {"after": [1, 2, "x", 4.0]},
        {"after": [True, 1, 0, 1.0]},
    ],
)
def test_a_forged_token_is_refused(sqlite_store: Store, state: dict[str, object]) -> None:
    eid = sqlite_store.experiments.create("forged")
    run_id = sqlite_store.runs.create(eid).info.run_id
    with pytest.raises(InvalidParameter, match="page_token"):
        sqlite_store.metric_history(run_id, "loss", page_token=encode_token(state))
