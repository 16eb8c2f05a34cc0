"""``/experiments/*``: create, read, rename, delete, restore, tag and search experiments."""

from __future__ import annotations

from typing import Any

from trackbook import validation
from trackbook.models import VIEW_TYPES, ExperimentTag
from trackbook.store import Store
from trackbook.web.api import serialize
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import Endpoint


def create(store: Store, f: Fields) -> dict[str, Any]:
    tags = [
        ExperimentTag(t.string("key", required=True) or "", t.string("value") or "")
        for t in f.messages("tags")
    ]
    artifact_location = f.string("artifact_location")
    if artifact_location:
        validation.check_length(
            "artifact_location", artifact_location, validation.MAX_ARTIFACT_LOCATION_LENGTH
        )
    experiment_id = store.experiments.create(
        f.string("name", required=True) or "",
        artifact_location=artifact_location,
        tags=tags,
    )
    return {"experiment_id": experiment_id}


def get(store: Store, f: Fields) -> dict[str, Any]:
    e = store.experiments.get(f.experiment_id())
    return {"experiment": serialize.experiment(e)}


def get_by_name(store: Store, f: Fields) -> dict[str, Any]:
    e = store.experiments.get_by_name(f.string("experiment_name", required=True) or "")
    return {"experiment": serialize.experiment(e)}


def update(store: Store, f: Fields) -> dict[str, Any]:
    experiment_id = f.experiment_id()
    new_name = f.string("new_name")
    if new_name is None:
        store.experiments.get(experiment_id)  # still report an unknown id
        return {}
    store.experiments.rename(experiment_id, new_name)
    return {}


def delete(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.delete(f.experiment_id())
    return {}


def restore(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.restore(f.experiment_id())
    return {}


def set_tag(store: Store, f: Fields) -> dict[str, Any]:
    experiment_id = f.experiment_id()
    # Checked here too so that the message names this request's fields, not a tag list's.
    key = validation.check_key("key", f.string("key", required=True))
    value = f.string("value") or ""
    validation.check_length("value", value, validation.MAX_EXPERIMENT_TAG_VALUE_LENGTH)
    store.experiments.set_tag(experiment_id, key, value)
    return {}


def delete_tag(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.delete_tag(f.experiment_id(), f.string("key", required=True) or "")
    return {}


def search(store: Store, f: Fields) -> dict[str, Any]:
    page = store.experiments.search(
        filter_string=f.string("filter"),
        view_type=f.enum("view_type", VIEW_TYPES, "ACTIVE_ONLY"),
        max_results=f.int64("max_results"),
        order_by=f.strings("order_by"),
        page_token=f.string("page_token"),
    )
    out: dict[str, Any] = {"experiments": [serialize.experiment(e) for e in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


LIST_PAGE_CAP = 1000


def list_all(store: Store, f: Fields) -> dict[str, Any]:
    """The 2.0 ``experiments/list`` call that the Databricks SDK still makes.

    Seed 004: a ``max_results`` above 1,000 is capped at 1,000, not refused."""
    max_results = f.int64("max_results")
    page = store.experiments.search(
        view_type=f.enum("view_type", VIEW_TYPES, "ACTIVE_ONLY"),
        max_results=min(max_results, LIST_PAGE_CAP) if max_results else max_results,
        page_token=f.string("page_token"),
    )
    out: dict[str, Any] = {"experiments": [serialize.experiment(e) for e in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


ENDPOINTS = [
    Endpoint("experiments/create", ("POST",), create),
    Endpoint("experiments/get", ("GET",), get),
    Endpoint("experiments/get-by-name", ("GET",), get_by_name),
    Endpoint("experiments/update", ("POST", "PATCH"), update),
    Endpoint("experiments/delete", ("POST",), delete),
    Endpoint("experiments/restore", ("POST",), restore),
    Endpoint("experiments/set-experiment-tag", ("POST",), set_tag),
    Endpoint("experiments/delete-experiment-tag", ("POST",), delete_tag),
    Endpoint("experiments/search", ("GET", "POST"), search),
    Endpoint("experiments/list", ("GET",), list_all),
]
