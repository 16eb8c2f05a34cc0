"""One exception tree for the whole project.

Each class carries the MLflow error code and the HTTP status it maps to, so one
handler in the web layer turns any of them into MLflow's JSON error and the
client raises the same classes back from an error response.
"""

from __future__ import annotations


class TrackbookError(Exception):
    """Base of every error trackbook raises on purpose."""

    error_code = "INTERNAL_ERROR"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameter(TrackbookError):
    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class BadRequest(TrackbookError):
    error_code = "BAD_REQUEST"
    http_status = 400


class ResourceAlreadyExists(TrackbookError):
    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class ResourceDoesNotExist(TrackbookError):
    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class ResourceExhausted(TrackbookError):
    error_code = "RESOURCE_EXHAUSTED"
    http_status = 429


class Unauthenticated(TrackbookError):
    error_code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDenied(TrackbookError):
    error_code = "PERMISSION_DENIED"
    http_status = 403


class EndpointNotFound(TrackbookError):
    error_code = "ENDPOINT_NOT_FOUND"
    http_status = 404


class ServerUnreachable(TrackbookError):
    """The server could not be reached, or kept answering 429/5xx, through every retry."""

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class InternalError(TrackbookError):
    error_code = "INTERNAL_ERROR"
    http_status = 500


_BY_CODE: dict[str, type[TrackbookError]] = {
    cls.error_code: cls
    for cls in (
        InvalidParameter,
        BadRequest,
        ResourceAlreadyExists,
        ResourceDoesNotExist,
        ResourceExhausted,
        Unauthenticated,
        PermissionDenied,
        EndpointNotFound,
        ServerUnreachable,
        InternalError,
    )
}


def error_from_json(payload: dict[str, object], status: int) -> TrackbookError:
    """Rebuild the exception a server sent as ``{"error_code", "message"}``."""
    code = str(payload.get("error_code", ""))
    message = str(payload.get("message", f"HTTP {status}"))
    cls = _BY_CODE.get(code)
    if cls is None:
        err = TrackbookError(message)
        err.error_code = code or "INTERNAL_ERROR"
        err.http_status = status
        return err
    return cls(message)
