"""What the real clients call around the tracking API (found by running them).

* The Databricks SDK probes ``/.well-known/databricks-config`` before anything else
  (served by ``web/app.py``).
* The ``mlflow`` client asks ``/api/3.0/mlflow/server-info`` for upload capabilities
  (``web/app.py``) and searches logged models when it lists or downloads run
  artifacts (``web/api/logged_models.py``).
"""

from __future__ import annotations

from trackbook.web.api.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
