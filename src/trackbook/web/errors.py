"""One mapping from exceptions to MLflow's JSON error responses."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from trackbook.errors import EndpointNotFound, InternalError, TrackbookError
from trackbook.web.api.routing import JSONResponse

log = logging.getLogger("trackbook.web")

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    405: "BAD_REQUEST",
    413: "BAD_REQUEST",
}


def error_response(err: TrackbookError) -> Response:
    return JSONResponse(err.to_json(), status_code=err.http_status)


async def on_trackbook_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrackbookError)
    return error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(EndpointNotFound(f"no endpoint {request.method} {request.url.path}"))
    if exc.status_code == 405:
        body = {
            "error_code": "BAD_REQUEST",
            "message": f"{request.url.path} does not accept {request.method}",
        }
        return JSONResponse(body, status_code=405, headers=exc.headers)
    code = _STATUS_CODES.get(exc.status_code, "INTERNAL_ERROR")
    return JSONResponse(
        {"error_code": code, "message": str(exc.detail)},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    return error_response(InternalError(f"internal error: {type(exc).__name__}"))
