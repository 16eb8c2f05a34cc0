"""``/logged-models/*`` (MLflow 3) and ``/runs/outputs``.

``mlflow.<flavor>.log_model`` creates a logged model, records it as an output of
the active run, uploads its files to the model's own artifact location and
finally sets its status; ``runs:/<run>/<name>`` URIs are resolved by searching
models by name. The routes with an id in the path (``logged-models/{model_id}``)
are built by :func:`routes`, which passes path parameters on as fields.
"""

from __future__ import annotations

from typing import Any

from trackbook.errors import InvalidParameter
from trackbook.models import ModelOutput
from trackbook.store import Store
from trackbook.store.logged_models import STATUSES, LoggedModel
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import Endpoint

PREFIXES = ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/")


def serialize(m: LoggedModel) -> dict[str, Any]:
    info: dict[str, Any] = {
        "model_id": m.model_id,
        "experiment_id": m.experiment_id,
        "name": m.name,
        "creation_timestamp_ms": m.creation_timestamp_ms,
        "last_updated_timestamp_ms": m.last_updated_timestamp_ms,
        "artifact_uri": m.artifact_location,
        "status": m.status,
        "tags": [{"key": k, "value": v} for k, v in sorted(m.tags.items())],
    }
    for name in ("model_type", "source_run_id", "status_message"):
        value = getattr(m, name)
        if value:
            info[name] = value
    params = [{"key": k, "value": v} for k, v in sorted(m.params.items())]
    return {"info": info, "data": {"params": params, "metrics": []}}


def _pairs(f: Fields, key: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in f.messages(key):
        name = item.string("key", required=True) or ""
        out[name] = item.string("value") or ""
    return out


def create(store: Store, f: Fields) -> dict[str, Any]:
    model = store.logged_models.create(
        f.string("experiment_id", required=True),
        name=f.string("name") or None,
        model_type=f.string("model_type") or None,
        source_run_id=f.string("source_run_id") or None,
        params=_pairs(f, "params"),
        tags=_pairs(f, "tags"),
    )
    return {"model": serialize(model)}


def get(store: Store, f: Fields) -> dict[str, Any]:
    model = store.logged_models.get(
        f.string("model_id", required=True) or "",
        allow_deleted=bool(f.boolean("allow_deleted")),
    )
    return {"model": serialize(model)}


def finalize(store: Store, f: Fields) -> dict[str, Any]:
    status = f.enum("status", STATUSES, "")
    if not status:
        raise InvalidParameter(f"status: missing value; expected one of {', '.join(STATUSES)}")
    model = store.logged_models.finalize(f.string("model_id", required=True) or "", status)
    return {"model": serialize(model)}


def delete(store: Store, f: Fields) -> dict[str, Any]:
    store.logged_models.delete(f.string("model_id", required=True) or "")
    return {}


def set_tags(store: Store, f: Fields) -> dict[str, Any]:
    model_id = f.string("model_id", required=True) or ""
    store.logged_models.set_tags(model_id, _pairs(f, "tags"))
    return {"model": serialize(store.logged_models.get(model_id, allow_deleted=True))}


def delete_tag(store: Store, f: Fields) -> dict[str, Any]:
    store.logged_models.delete_tag(
        f.string("model_id", required=True) or "", f.string("tag_key", required=True) or ""
    )
    return {}


def log_params(store: Store, f: Fields) -> dict[str, Any]:
    store.logged_models.log_params(f.string("model_id", required=True) or "", _pairs(f, "params"))
    return {}


def search(store: Store, f: Fields) -> dict[str, Any]:
    experiment_ids = f.ids("experiment_ids")
    if not experiment_ids:
        raise InvalidParameter("experiment_ids: at least one experiment id is required")
    for d in f.messages("datasets"):
        # Datasets narrow the metrics a model is ranked by; models carry no metrics here
        # yet, so a dataset is checked for shape and has nothing to narrow.
        d.string("dataset_name", required=True)
    order_by = []
    for o in f.messages("order_by"):
        ascending = o.boolean("ascending")
        order_by.append((o.string("field_name", required=True) or "", ascending is not False))
    page = store.logged_models.search(
        experiment_ids,
        filter_string=f.string("filter"),
        order_by=order_by,
        max_results=f.int64("max_results"),
        page_token=f.string("page_token"),
    )
    out: dict[str, Any] = {"models": [serialize(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def log_outputs(store: Store, f: Fields) -> dict[str, Any]:
    outputs = [
        ModelOutput(m.string("model_id", required=True) or "", m.int64("step") or 0)
        for m in f.messages("models")
    ]
    store.logged_models.log_outputs(f.run_id(), outputs)
    return {}


ENDPOINTS = [
    Endpoint("logged-models", ("POST",), create),
    Endpoint("logged-models/search", ("POST",), search),
    Endpoint("runs/outputs", ("POST",), log_outputs),
]

#: Endpoints with parameters in their path; :func:`routes` serves them.
PATH_ENDPOINTS = [
    Endpoint("logged-models/{model_id}", ("GET",), get),
    Endpoint("logged-models/{model_id}", ("PATCH",), finalize),
    Endpoint("logged-models/{model_id}", ("DELETE",), delete),
    Endpoint("logged-models/{model_id}/tags", ("PATCH",), set_tags),
    Endpoint("logged-models/{model_id}/tags/{tag_key:path}", ("DELETE",), delete_tag),
    Endpoint("logged-models/{model_id}/params", ("POST",), log_params),
]
