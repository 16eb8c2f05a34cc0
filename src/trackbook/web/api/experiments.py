"""``/experiments/*``: create, read, rename, delete, restore, tag and search experiments."""

from __future__ import annotations

from typing import Any

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
    experiment_id = store.experiments.create(
        f.string("name", required=True) or "",
        artifact_location=f.string("artifact_location"),
        tags=tags,
    )
    return {"experiment_id": experiment_id}


def get(store: Store, f: Fields) -> dict[str, Any]:
    e = store.experiments.get(f.string("experiment_id", required=True))
    return {"experiment": serialize.experiment(e)}


def get_by_name(store: Store, f: Fields) -> dict[str, Any]:
    e = store.experiments.get_by_name(f.string("experiment_name", required=True) or "")
    return {"experiment": serialize.experiment(e)}


def update(store: Store, f: Fields) -> dict[str, Any]:
    experiment_id = f.string("experiment_id", required=True)
    new_name = f.string("new_name")
    if new_name is None:
        store.experiments.get(experiment_id)  # still report an unknown id
        return {}
    store.experiments.rename(experiment_id, new_name)
    return {}


def delete(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.delete(f.string("experiment_id", required=True))
    return {}


def restore(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.restore(f.string("experiment_id", required=True))
    return {}


def set_tag(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.set_tag(
        f.string("experiment_id", required=True),
        f.string("key", required=True) or "",
        f.string("value") or "",
    )
    return {}


def delete_tag(store: Store, f: Fields) -> dict[str, Any]:
    store.experiments.delete_tag(
        f.string("experiment_id", required=True), f.string("key", required=True) or ""
    )
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


def list_all(store: Store, f: Fields) -> dict[str, Any]:
    """The 2.0 ``experiments/list`` call that the Databricks SDK still makes."""
    page = store.experiments.search(
        view_type=f.enum("view_type", VIEW_TYPES, "ACTIVE_ONLY"),
        max_results=f.int64("max_results"),
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
