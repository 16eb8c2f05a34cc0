"""The backend that talks to a tracking server over MLflow's REST API.

One keep-alive ``httpx.Client`` per backend, shared by the caller's thread and
the logging thread. Connection failures and 429/5xx answers are retried with
exponential backoff; any other error answer is rebuilt into the exception class
the server raised (:func:`trackbook.errors.error_from_json`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx
import orjson

from trackbook import validation
from trackbook.client import artifacts, wire
from trackbook.client.backend import MetricRow
from trackbook.client.config import ClientConfig
from trackbook.errors import InvalidParameter, ServerUnreachable, TrackbookError, error_from_json
from trackbook.models import (
    DatasetInput,
    Experiment,
    ExperimentTag,
    Metric,
    Page,
    Param,
    Run,
    RunInfo,
    RunTag,
)

API = "/api/2.0/mlflow/"
ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts/"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CODES_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
}


class HttpBackend:
    def __init__(
        self,
        tracking_uri: str,
        config: ClientConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from trackbook import __version__

        self.tracking_uri = tracking_uri.rstrip("/")
        self.max_retries = config.http_max_retries
        self.backoff = config.http_backoff
        self.max_backoff = config.http_max_backoff
        self._sleep = sleep
        headers = {"User-Agent": f"trackbook/{__version__}"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self._http = httpx.Client(
            base_url=self.tracking_uri,
            headers=headers,
            timeout=config.http_timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        )

    # -- transport -----------------------------------------------------------
    def _send(self, build: Callable[[], httpx.Request]) -> httpx.Response:
        """Send with retries; ``build`` makes a fresh request for every attempt."""
        delay = self.backoff
        attempt = 0
        while True:
            request = build()
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise ServerUnreachable(
                        f"{request.method} {request.url}: {type(exc).__name__}: {exc}"
                        f" (gave up after {attempt + 1} attempts)"
                    ) from exc
            else:
                if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                    return response
                response.close()
            attempt += 1
            self._sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    def _post_bytes(self, endpoint: str, content: bytes) -> Any:
        url = API + endpoint

        def build() -> httpx.Request:
            return self._http.build_request(
                "POST", url, content=content, headers={"Content-Type": "application/json"}
            )

        return _decode(self._send(build))

    def _call(self, method: str, endpoint: str, body: dict[str, Any] | None = None) -> Any:
        url = API + endpoint
        if method == "GET":

            def build() -> httpx.Request:
                return self._http.build_request("GET", url, params=_query(body or {}))

            return _decode(self._send(build))
        if method != "POST":
            raise ValueError(f"unsupported method {method}")
        return self._post_bytes(endpoint, orjson.dumps(body or {}))

    # -- experiments ---------------------------------------------------------
    def create_experiment(
        self, name: str, artifact_location: str | None, tags: Sequence[ExperimentTag]
    ) -> str:
        body: dict[str, Any] = {"name": name, "tags": wire.pairs_json(tags)}
        if artifact_location:
            body["artifact_location"] = artifact_location
        return str(self._call("POST", "experiments/create", body)["experiment_id"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        answer = self._call("GET", "experiments/get", {"experiment_id": experiment_id})
        return wire.experiment(answer["experiment"])

    def get_experiment_by_name(self, name: str) -> Experiment:
        answer = self._call("GET", "experiments/get-by-name", {"experiment_name": name})
        return wire.experiment(answer["experiment"])

    def search_experiments(
        self,
        *,
        filter_string: str | None,
        view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Experiment]:
        body: dict[str, Any] = {"view_type": view_type, "order_by": list(order_by)}
        if filter_string:
            body["filter"] = filter_string
        if max_results:
            body["max_results"] = max_results
        if page_token:
            body["page_token"] = page_token
        answer = self._call("POST", "experiments/search", body)
        return Page(
            [wire.experiment(e) for e in answer.get("experiments", ())],
            answer.get("next_page_token") or None,
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._call(
            "POST", "experiments/update", {"experiment_id": experiment_id, "new_name": new_name}
        )

    def delete_experiment(self, experiment_id: str) -> None:
        self._call("POST", "experiments/delete", {"experiment_id": experiment_id})

    def restore_experiment(self, experiment_id: str) -> None:
        self._call("POST", "experiments/restore", {"experiment_id": experiment_id})

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self._call(
            "POST",
            "experiments/set-experiment-tag",
            {"experiment_id": experiment_id, "key": key, "value": value},
        )

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self._call(
            "POST",
            "experiments/delete-experiment-tag",
            {"experiment_id": experiment_id, "key": key},
        )

    # -- runs ----------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        *,
        user_id: str | None,
        run_name: str | None,
        start_time: int | None,
        tags: Sequence[RunTag],
    ) -> Run:
        body: dict[str, Any] = {"experiment_id": experiment_id, "tags": wire.pairs_json(tags)}
        if user_id:
            body["user_id"] = user_id
        if run_name:
            body["run_name"] = run_name
        if start_time is not None:
            body["start_time"] = start_time
        return wire.run(self._call("POST", "runs/create", body)["run"])

    def get_run(self, run_id: str) -> Run:
        return wire.run(self._call("GET", "runs/get", {"run_id": run_id})["run"])

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None,
        end_time: int | None,
        run_name: str | None,
    ) -> RunInfo:
        body: dict[str, Any] = {"run_id": run_id}
        if status is not None:
            body["status"] = status
        if end_time is not None:
            body["end_time"] = end_time
        if run_name:
            body["run_name"] = run_name
        return wire.run_info(self._call("POST", "runs/update", body)["run_info"])

    def delete_run(self, run_id: str) -> None:
        self._call("POST", "runs/delete", {"run_id": run_id})

    def restore_run(self, run_id: str) -> None:
        self._call("POST", "runs/restore", {"run_id": run_id})

    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[MetricRow],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> None:
        body: dict[str, Any] = {"run_id": run_id}
        if metrics:
            body["metrics"] = wire.metric_rows_json(metrics)
        if params:
            body["params"] = wire.pairs_json(params)
        if tags:
            body["tags"] = wire.pairs_json(tags)
        content = orjson.dumps(body)
        if (
            len(content) > validation.MAX_BATCH_REQUEST_BYTES
            and len(metrics) + len(params) + len(tags) > 1
        ):
            # Over the server's 1 MB limit for one request: send it as two halves.
            for half in _halves(metrics, params, tags):
                self.log_batch(run_id, metrics=half[0], params=half[1], tags=half[2])
            return
        self._post_bytes("runs/log-batch", content)

    def delete_tag(self, run_id: str, key: str) -> None:
        self._call("POST", "runs/delete-tag", {"run_id": run_id, "key": key})

    def log_inputs(self, run_id: str, inputs: Sequence[DatasetInput]) -> None:
        body = {"run_id": run_id, "datasets": [wire.dataset_input_json(d) for d in inputs]}
        self._call("POST", "runs/log-inputs", body)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str | None,
        run_view_type: str,
        max_results: int | None,
        order_by: Sequence[str],
        page_token: str | None,
    ) -> Page[Run]:
        body: dict[str, Any] = {
            "experiment_ids": list(experiment_ids),
            "run_view_type": run_view_type,
            "order_by": list(order_by),
        }
        if filter_string:
            body["filter"] = filter_string
        if max_results:
            body["max_results"] = max_results
        if page_token:
            body["page_token"] = page_token
        answer = self._call("POST", "runs/search", body)
        return Page(
            [wire.run(r) for r in answer.get("runs", ())], answer.get("next_page_token") or None
        )

    def metric_history(
        self, run_id: str, key: str, *, max_results: int | None, page_token: str | None
    ) -> Page[Metric]:
        query: dict[str, Any] = {"run_id": run_id, "metric_key": key}
        if max_results:
            query["max_results"] = max_results
        if page_token:
            query["page_token"] = page_token
        answer = self._call("GET", "metrics/get-history", query)
        return Page(
            [wire.metric(m) for m in answer.get("metrics", ())],
            answer.get("next_page_token") or None,
        )

    # -- artifacts -----------------------------------------------------------
    def upload_artifact(self, artifact_uri: str, local_file: Path, artifact_path: str) -> None:
        relative = artifacts.safe_relative_path("artifact_path", artifact_path)
        proxied = artifacts.proxy_path(artifact_uri)
        if proxied is not None:
            url = ARTIFACTS_API + quote(artifacts.join(proxied, relative))

            opened: list[BinaryIO] = []

            def build() -> httpx.Request:
                # A file object streams in chunks with its Content-Length; reopened per attempt.
                opened.append(local_file.open("rb"))
                return self._http.build_request("PUT", url, content=opened[-1])

            try:
                _decode(self._send(build))
            finally:
                for f in opened:
                    f.close()
            return
        root = artifacts.local_root(artifact_uri)
        if root is None:
            raise InvalidParameter(
                f"artifact_uri: this client cannot write to {artifact_uri!r}; use the server's"
                " artifact proxy (an experiment without its own artifact location)"
            )
        artifacts.copy_into(root, local_file, relative)

    def close(self) -> None:
        self._http.close()


def _halves(
    metrics: Sequence[MetricRow], params: Sequence[Param], tags: Sequence[RunTag]
) -> list[tuple[Sequence[MetricRow], Sequence[Param], Sequence[RunTag]]]:
    """Split the largest of the three lists in two; the others go with the first half."""
    sizes = {"m": len(metrics), "p": len(params), "t": len(tags)}
    biggest = max(sizes, key=lambda k: sizes[k])
    if biggest == "m":
        mid = len(metrics) // 2
        return [(metrics[:mid], params, tags), (metrics[mid:], (), ())]
    if biggest == "p":
        mid = len(params) // 2
        return [(metrics, params[:mid], tags), ((), params[mid:], ())]
    mid = len(tags) // 2
    return [(metrics, params, tags[:mid]), ((), (), tags[mid:])]


def _query(body: dict[str, Any]) -> list[tuple[str, str | int | float | bool | None]]:
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((key, str(item)))
    return out


def _decode(response: httpx.Response) -> Any:
    content = response.read()
    if response.is_success:
        return orjson.loads(content) if content.strip() else {}
    raise error_of(response.status_code, content)


def error_of(status: int, content: bytes) -> TrackbookError:
    """The exception a server's error answer stands for (non-JSON bodies included)."""
    try:
        payload = orjson.loads(content)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict) or "error_code" not in payload:
        text = content.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
        code = _CODES_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST")
        payload = {"error_code": code, "message": f"HTTP {status}: {text}"}
    return error_from_json(payload, status)
