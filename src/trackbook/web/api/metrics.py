"""``/metrics/*``: a metric's full history, and sampled histories of many runs for charts."""

from __future__ import annotations

from typing import Any

from trackbook.store import Store
from trackbook.web.api import serialize
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import Endpoint


def get_history(store: Store, f: Fields) -> dict[str, Any]:
    page = store.metric_history_documents(
        f.run_id(),
        f.string("metric_key", required=True) or "",
        max_results=f.int64("max_results"),
        page_token=f.string("page_token"),
    )
    out: dict[str, Any] = {"metrics": page.items}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def get_history_bulk_interval(store: Store, f: Fields) -> dict[str, Any]:
    points = store.metric_history_bulk_interval(
        f.run_ids(),
        f.string("metric_key", required=True) or "",
        start_step=f.int64("start_step"),
        end_step=f.int64("end_step"),
        max_results=f.int64("max_results"),
    )
    return {"metrics": [serialize.metric(m) for m in points]}


ENDPOINTS = [
    Endpoint("metrics/get-history", ("GET",), get_history),
    Endpoint("metrics/get-history-bulk-interval", ("GET",), get_history_bulk_interval),
]
