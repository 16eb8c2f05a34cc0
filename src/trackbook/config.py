"""Settings: defaults < ``TRACKBOOK_*`` environment variables < explicit overrides.

One frozen object is built once (by the CLI, a test or the client) and passed
down; nothing reads the environment after that.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = "trackbook-data"
ENV_PREFIX = "TRACKBOOK_"


def default_store_uri(data_dir: str | Path = DEFAULT_DATA_DIR) -> str:
    return f"sqlite:///{Path(data_dir) / 'trackbook.db'}"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the server can be told. Each field is also ``TRACKBOOK_<FIELD>``."""

    #: SQLAlchemy-style URI of the metadata store: ``sqlite:///path.db``,
    #: ``postgresql://user@host/db`` or ``mysql://user@host/db``.
    backend_store_uri: str = dataclasses.field(default_factory=default_store_uri)
    #: Where the server's artifact proxy keeps files (a local folder or ``s3://bucket/prefix``).
    artifacts_destination: str = str(Path(DEFAULT_DATA_DIR) / "artifacts")
    #: Artifact root given to new experiments that do not name their own location.
    default_artifact_root: str = "mlflow-artifacts:/"
    #: Largest artifact upload accepted through the proxy, in bytes; 0 means no limit.
    max_upload_bytes: int = 0
    #: Endpoint of an S3-compatible server (MinIO, Ceph…) for an ``s3://`` destination;
    #: empty means AWS S3.
    s3_endpoint_url: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    #: Largest JSON request body the API accepts, in bytes (log-batch has its own 1 MB limit).
    max_request_bytes: int = 16 * 1024 * 1024
    #: Longest parameter value accepted. The seeds say 250; MLflow accepts 6,000 and its
    #: clients send long values, so we accept up to 6,000 by default.
    max_param_value_length: int = 6000
    #: Longest run-tag value accepted (MLflow: 8,000; system tags such as notes are exempt).
    max_tag_value_length: int = 8000
    #: Quotas (0 = no limit). Hitting one is a RESOURCE_EXHAUSTED error naming it, and
    #: nothing of the request is written.
    #: Runs per experiment, deleted ones included until they are removed for good.
    max_runs_per_experiment: int = 0
    #: Params per run.
    max_params_per_run: int = 0
    #: Tags per run (system tags such as mlflow.runName count too).
    max_tags_per_run: int = 0
    #: Points per metric key in one run (its history length).
    max_metric_steps_per_run: int = 0
    #: Run database migrations when the server starts.
    migrate_on_start: bool = True
    #: Log each request (uvicorn's access log).
    access_log: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``TRACKBOOK_*`` variables, then apply non-None overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _coerce(field, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The ``TRACKBOOK_*`` variables that rebuild these settings (for worker processes)."""
        out = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool):
                value = "true" if value else "false"
            out[ENV_PREFIX + field.name.upper()] = str(value)
        return out


def _coerce(field: dataclasses.Field[Any], raw: str) -> Any:
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(
                f"{ENV_PREFIX}{field.name.upper()}: expected an integer, got {raw!r}"
            ) from None
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{ENV_PREFIX}{field.name.upper()}: expected true or false, got {raw!r}")
    return raw
