"""What the client reads from the environment, read once into one frozen object.

Every ``TRACKBOOK_*`` variable here has an ``MLFLOW_*`` fallback where MLflow has
an equivalent, so a script moved from MLflow keeps working with its old set-up.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    #: Where runs go: ``http(s)://host:port``, a directory, or a store URI (``sqlite:///…``).
    tracking_uri: str | None = None
    #: Sent as ``Authorization: Bearer <token>`` to a server.
    token: str | None = None
    experiment_name: str | None = None
    experiment_id: str | None = None
    #: Queue metrics, params and tags and send them from a background thread.
    async_logging: bool = True
    #: Entries the logging queue holds before a logging call waits for room.
    queue_size: int = 100_000
    #: Attempts after the first one when the server is unreachable or answers 429/5xx.
    http_max_retries: int = 7
    #: First wait between attempts; it doubles each time, up to ``http_max_backoff``.
    http_backoff: float = 0.25
    http_max_backoff: float = 30.0
    #: Seconds a single HTTP request may take.
    http_timeout: float = 120.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        env = os.environ if environ is None else environ

        def first(*names: str) -> str | None:
            for name in names:
                value = env.get(name)
                if value:
                    return value
            return None

        defaults = cls()
        return cls(
            tracking_uri=first("TRACKBOOK_TRACKING_URI", "MLFLOW_TRACKING_URI"),
            token=first("TRACKBOOK_TOKEN", "MLFLOW_TRACKING_TOKEN"),
            experiment_name=first("TRACKBOOK_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_NAME"),
            experiment_id=first("TRACKBOOK_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_ID"),
            async_logging=_boolean(env, "TRACKBOOK_ASYNC_LOGGING", defaults.async_logging),
            queue_size=_int(env, "TRACKBOOK_ASYNC_QUEUE_SIZE", defaults.queue_size),
            http_max_retries=_int(env, "TRACKBOOK_HTTP_MAX_RETRIES", defaults.http_max_retries),
            http_backoff=_float(env, "TRACKBOOK_HTTP_BACKOFF", defaults.http_backoff),
            http_max_backoff=_float(env, "TRACKBOOK_HTTP_MAX_BACKOFF", defaults.http_max_backoff),
            http_timeout=_float(env, "TRACKBOOK_HTTP_TIMEOUT", defaults.http_timeout),
        )


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}: expected true or false, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(_number(env, name, default, integer=True))


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, integer=False)


def _number(env: Mapping[str, str], name: str, default: float, *, integer: bool) -> float:
    raw = env.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name}: expected {kind}, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name}: must not be negative, got {raw!r}")
    return value
