"""Experiment semantics on every backend."""

from __future__ import annotations

import uuid

import pytest

from trackbook.errors import InvalidParameter, ResourceAlreadyExists, ResourceDoesNotExist
from trackbook.models import ExperimentTag
from trackbook.store import Store


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_default_experiment_exists(store: Store) -> None:
    default = store.experiments.get("0")
    assert default.name == "Default"
    assert default.lifecycle_stage == "active"
    with pytest.raises(InvalidParameter, match="Default"):
        store.experiments.delete("0")


def test_create_get_and_default_location(store: Store) -> None:
    name = _name("exp")
    eid = store.experiments.create(name, tags=[ExperimentTag("team", "vision")])
    e = store.experiments.get(eid)
    assert e.name == name
    assert e.artifact_location == f"mlflow-artifacts:/{eid}"
    assert [(t.key, t.value) for t in e.tags] == [("team", "vision")]
    assert store.experiments.get_by_name(name).experiment_id == eid
    own = store.experiments.create(_name("own"), artifact_location="s3://bucket/x")
    assert store.experiments.get(own).artifact_location == "s3://bucket/x"


def test_one_active_experiment_per_name(store: Store) -> None:
    name = _name("unique")
    first = store.experiments.create(name)
    with pytest.raises(ResourceAlreadyExists, match="name"):
        store.experiments.create(name)
    store.experiments.delete(first)
    second = store.experiments.create(name)  # a deleted one may share the name
    assert store.experiments.get_by_name(name).experiment_id == second
    with pytest.raises(ResourceAlreadyExists):
        store.experiments.restore(first)
    other = store.experiments.create(_name("other"))
    with pytest.raises(ResourceAlreadyExists):
        store.experiments.rename(other, name)


def test_delete_and_restore_cascade_to_runs(store: Store) -> None:
    eid = store.experiments.create(_name("cascade"))
    kept = store.runs.create(eid).info.run_id
    gone_before = store.runs.create(eid).info.run_id
    store.runs.delete(gone_before)
    store.experiments.delete(eid)
    assert store.experiments.get(eid).lifecycle_stage == "deleted"
    assert store.runs.get(kept).info.lifecycle_stage == "deleted"
    store.experiments.restore(eid)
    assert store.runs.get(kept).info.lifecycle_stage == "active"
    # A run deleted on its own stays deleted.
    assert store.runs.get(gone_before).info.lifecycle_stage == "deleted"


def test_tags_overwrite_and_delete(store: Store) -> None:
    eid = store.experiments.create(_name("tags"))
    store.experiments.set_tag(eid, "k", "1")
    store.experiments.set_tag(eid, "k", "2")
    assert [(t.key, t.value) for t in store.experiments.get(eid).tags] == [("k", "2")]
    store.experiments.delete_tag(eid, "k")
    assert store.experiments.get(eid).tags == []
    with pytest.raises(ResourceDoesNotExist):
        store.experiments.delete_tag(eid, "k")


def test_search_by_name_view_type_and_paging(store: Store) -> None:
    prefix = _name("search")
    ids = [store.experiments.create(f"{prefix}-{i}") for i in range(5)]
    store.experiments.delete(ids[0])
    found = store.experiments.search(filter_string=f"name LIKE '{prefix}%'")
    assert sorted(e.experiment_id for e in found.items) == sorted(ids[1:])
    deleted = store.experiments.search(
        filter_string=f"name LIKE '{prefix}%'", view_type="DELETED_ONLY"
    )
    assert [e.experiment_id for e in deleted.items] == [ids[0]]
    seen: list[str] = []
    token = None
    while True:
        page = store.experiments.search(
            filter_string=f"name LIKE '{prefix}%'",
            view_type="ALL",
            max_results=2,
            order_by=["name ASC"],
            page_token=token,
        )
        seen.extend(e.experiment_id for e in page.items)
        token = page.next_page_token
        if token is None:
            break
    assert seen == ids


def test_unknown_and_invalid_ids(store: Store) -> None:
    with pytest.raises(ResourceDoesNotExist, match="experiment_id"):
        store.experiments.get("987654")
    with pytest.raises(InvalidParameter, match="experiment_id"):
        store.experiments.get("abc")
