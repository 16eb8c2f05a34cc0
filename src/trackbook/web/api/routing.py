"""Turning a plain ``(store, fields) -> dict`` function into a Starlette endpoint.

Each API function is synchronous and thin: it reads fields, makes one store call
and returns the response dict. The wrapper reads and decodes the request on the
event loop, runs the function in the thread pool (database calls block), and
encodes the answer with orjson.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from trackbook.errors import BadRequest, InvalidParameter
from trackbook.store import Store
from trackbook.store.paging import cyclic_gc_paused
from trackbook.web.api.fields import Fields

Handler = Callable[[Store, Fields], dict[str, Any]]


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


@dataclass(frozen=True)
class Endpoint:
    path: str  # below /api/2.0/mlflow/
    methods: tuple[str, ...]
    handler: Handler
    #: A tighter body limit than the server-wide one (log-batch: 1 MB).
    max_body: int | None = None


async def read_fields(request: Request, limit: int, own_limit: int | None) -> Fields:
    if request.method in ("GET", "DELETE") and not request.headers.get("content-length"):
        return _query_fields(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        _check_size(int(declared), limit, own_limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        _check_size(len(body), limit, own_limit)
    if not body.strip():
        return _query_fields(request)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadRequest("request body: expected a JSON object")
    if request.query_params:
        merged = _query_dict(request)
        merged.update(data)
        data = merged
    return Fields(data)


def _check_size(size: int, limit: int, own_limit: int | None) -> None:
    if own_limit is not None and size > own_limit:
        raise InvalidParameter(
            f"request body: {size} bytes is more than this endpoint's limit of {own_limit} bytes"
        )
    if size > limit:
        raise PayloadTooLarge(f"request body: more than the server's limit of {limit} bytes")


class PayloadTooLarge(BadRequest):
    http_status = 413


def _query_dict(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in data:
            prior = data[key]
            data[key] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            data[key] = value
    return data


def _query_fields(request: Request) -> Fields:
    return Fields(_query_dict(request), from_query=True)


def make_endpoint(
    endpoint: Endpoint, get_store: Callable[[Request], Store], max_request_bytes: int
) -> Callable[[Request], Awaitable[Response]]:
    handler = endpoint.handler

    async def run(request: Request) -> Response:
        fields = await read_fields(request, max_request_bytes, endpoint.max_body)
        if request.path_params:
            # An id in the path wins over one in the body: it is what the route names.
            fields.data.update(request.path_params)
        result = await run_in_threadpool(_call, handler, get_store(request), fields)
        return JSONResponse(result)

    run.__name__ = handler.__name__
    return run


def _call(handler: Handler, store: Store, fields: Fields) -> dict[str, Any]:
    """Run one API function with the cycle collector paused: a search answer is tens of
    thousands of young objects that all live until it is sent, and the collector would
    scan them again and again without freeing one (see paging.cyclic_gc_paused)."""
    with cyclic_gc_paused():
        return handler(store, fields)
