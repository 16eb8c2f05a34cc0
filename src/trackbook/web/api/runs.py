"""``/runs/*``: the run lifecycle and everything logged into a run."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from trackbook import validation
from trackbook.errors import InvalidParameter
from trackbook.models import (
    RUN_STATUSES,
    VIEW_TYPES,
    Dataset,
    DatasetInput,
    InputTag,
    Metric,
    Param,
    RunTag,
)
from trackbook.store import Store
from trackbook.web.api import serialize
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import Endpoint


def _tag(f: Fields) -> RunTag:
    return RunTag(f.string("key", required=True) or "", f.string("value") or "")


def _param(f: Fields) -> Param:
    value = f.string("value")
    if value is None:
        raise InvalidParameter(f"{f.name('value')}: missing value for a required field")
    return Param(f.string("key", required=True) or "", value)


def _metric(f: Fields) -> Metric:
    timestamp = f.int64("timestamp")
    return Metric(
        key=f.string("key", required=True) or "",
        value=f.double("value", required=True),  # type: ignore[arg-type]
        timestamp=int(time.time() * 1000) if timestamp is None else timestamp,
        step=f.int64("step") or 0,
    )


_INT64 = range(-(2**63), 2**63)


def _metrics(f: Fields) -> list[Metric]:
    """The ``metrics`` of a log-batch, read with a fast path for the usual shape.

    A thousand points per request is the hot path of the whole server: an entry whose
    fields have the plain JSON types (string key, number value, integer timestamp and
    step) is taken directly; anything else (numbers as strings, "NaN", a missing or
    wrong field) goes through ``Fields`` for protobuf-JSON leniency and an error that
    names the field.
    """
    raw = f.data.get("metrics")
    if type(raw) is not list:
        return [_metric(m) for m in f.messages("metrics")]
    now: int | None = None
    out = []
    for i, m in enumerate(raw):
        if type(m) is dict:
            key = m.get("key")
            value = m.get("value")
            timestamp = m.get("timestamp")
            step = m.get("step", 0)
            if (
                type(key) is str
                and key
                and (type(value) is float or type(value) is int)
                and type(step) is int
                and step in _INT64
            ):
                if type(timestamp) is int and timestamp in _INT64:
                    out.append(Metric(key, float(value), timestamp, step))
                    continue
                if timestamp is None:
                    if now is None:
                        now = int(time.time() * 1000)
                    out.append(Metric(key, float(value), now, step))
                    continue
            out.append(_metric(Fields(m, f"{f.name('metrics')}[{i}].")))
        else:
            out.append(_metric(f.messages("metrics")[i]))
    return out


@contextlib.contextmanager
def _one_of_a_batch(prefix: str) -> Iterator[None]:
    """Single-entity calls go through the batch code, whose messages say ``metrics[0].key``;
    this request's field is plain ``key``."""
    try:
        yield
    except InvalidParameter as exc:
        if exc.message.startswith(prefix):
            raise InvalidParameter(exc.message[len(prefix) :]) from None
        raise


def create(store: Store, f: Fields) -> dict[str, Any]:
    user_id = f.string("user_id")
    tags = [_tag(t) for t in f.messages("tags")]
    # The user column holds 256 characters; the mlflow.user tag stands in for user_id.
    if user_id:
        validation.check_length("user_id", user_id, validation.MAX_USER_ID_LENGTH)
    for i, t in enumerate(tags):
        if t.key == "mlflow.user" and not user_id:
            validation.check_length(f"tags[{i}].value", t.value, validation.MAX_USER_ID_LENGTH)
    run = store.runs.create(
        f.experiment_id(required=False) or "0",
        user_id=user_id,
        run_name=f.string("run_name"),
        start_time=f.int64("start_time"),
        tags=tags,
    )
    return {"run": serialize.run(run)}


def get(store: Store, f: Fields) -> dict[str, Any]:
    return {"run": serialize.run_record(store.runs.get_record(f.run_id()))}


def update(store: Store, f: Fields) -> dict[str, Any]:
    info = store.runs.update(
        f.run_id(),
        status=f.optional_enum("status", RUN_STATUSES),
        end_time=f.int64("end_time"),
        run_name=f.string("run_name"),
    )
    return {"run_info": serialize.run_info(info)}


def delete(store: Store, f: Fields) -> dict[str, Any]:
    store.runs.delete(f.run_id())
    return {}


def restore(store: Store, f: Fields) -> dict[str, Any]:
    store.runs.restore(f.run_id())
    return {}


def log_metric(store: Store, f: Fields) -> dict[str, Any]:
    run_id, metric = f.run_id(), _metric(f)
    with _one_of_a_batch("metrics[0]."):
        store.runs.log_metric(run_id, metric)
    return {}


def log_param(store: Store, f: Fields) -> dict[str, Any]:
    run_id, param = f.run_id(), _param(f)
    with _one_of_a_batch("params[0]."):
        store.runs.log_param(run_id, param)
    return {}


def set_tag(store: Store, f: Fields) -> dict[str, Any]:
    run_id, tag = f.run_id(), _tag(f)
    with _one_of_a_batch("tags[0]."):
        store.runs.set_tag(run_id, tag)
    return {}


def delete_tag(store: Store, f: Fields) -> dict[str, Any]:
    store.runs.delete_tag(f.run_id(), f.string("key", required=True) or "")
    return {}


def log_batch(store: Store, f: Fields) -> dict[str, Any]:
    store.runs.log_batch(
        f.run_id(),
        metrics=_metrics(f),
        params=[_param(p) for p in f.messages("params")],
        tags=[_tag(t) for t in f.messages("tags")],
    )
    return {}


def log_inputs(store: Store, f: Fields) -> dict[str, Any]:
    items = []
    for d in f.messages("datasets"):
        ds = d.message("dataset", required=True)
        assert ds is not None
        items.append(
            DatasetInput(
                dataset=Dataset(
                    name=ds.string("name", required=True) or "",
                    digest=ds.string("digest", required=True) or "",
                    source_type=ds.string("source_type", required=True) or "",
                    source=ds.string("source", required=True) or "",
                    schema=ds.string("schema"),
                    profile=ds.string("profile"),
                ),
                tags=[
                    InputTag(t.string("key", required=True) or "", t.string("value") or "")
                    for t in d.messages("tags")
                ],
            )
        )
    store.runs.log_inputs(f.run_id(), items)
    return {}


def log_model(store: Store, f: Fields) -> dict[str, Any]:
    store.runs.log_model(f.run_id(), f.string("model_json", required=True) or "")
    return {}


def search(store: Store, f: Fields) -> dict[str, Any]:
    page = store.runs.search_records(
        f.experiment_ids(),
        filter_string=f.string("filter"),
        run_view_type=f.enum("run_view_type", VIEW_TYPES, "ACTIVE_ONLY"),
        max_results=f.int64("max_results"),
        order_by=f.strings("order_by"),
        page_token=f.string("page_token"),
    )
    out: dict[str, Any] = {"runs": [serialize.run_record(r) for r in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


ENDPOINTS = [
    Endpoint("runs/create", ("POST",), create),
    Endpoint("runs/get", ("GET",), get),
    Endpoint("runs/update", ("POST",), update),
    Endpoint("runs/delete", ("POST",), delete),
    Endpoint("runs/restore", ("POST",), restore),
    Endpoint("runs/log-metric", ("POST",), log_metric),
    Endpoint("runs/log-parameter", ("POST",), log_param),
    Endpoint("runs/set-tag", ("POST",), set_tag),
    Endpoint("runs/delete-tag", ("POST",), delete_tag),
    Endpoint("runs/log-batch", ("POST",), log_batch, max_body=validation.MAX_BATCH_REQUEST_BYTES),
    Endpoint("runs/log-inputs", ("POST",), log_inputs),
    Endpoint("runs/log-model", ("POST",), log_model),
    Endpoint("runs/search", ("GET", "POST"), search),
]
