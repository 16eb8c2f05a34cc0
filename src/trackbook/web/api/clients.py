"""What the real clients call around the tracking API (found by running them).

* The Databricks SDK probes ``/.well-known/databricks-config`` before anything else.
* The ``mlflow`` client asks ``/api/3.0/mlflow/server-info`` for upload capabilities and
  lists logged models when it lists or downloads run artifacts.
"""

from __future__ import annotations

from typing import Any

from trackbook.store import Store
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import Endpoint


def search_logged_models(store: Store, f: Fields) -> dict[str, Any]:
    # Logged models (MLflow 3) are stored by the artifacts feature; until a run has
    # some, the honest answer is an empty page.
    f.ids("experiment_ids")
    return {"models": []}


ENDPOINTS = [
    Endpoint("logged-models/search", ("POST",), search_logged_models),
]
