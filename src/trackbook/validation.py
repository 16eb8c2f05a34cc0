"""Checks on names and values shared by the store, the API and the client.

Every failure is an :class:`InvalidParameter` whose message starts with the
field it is about (``metrics[3].key: ...``), so a user can find the culprit in
a batch of a thousand.
"""

from __future__ import annotations

import functools
import posixpath
import re

from trackbook.errors import InvalidParameter

MAX_KEY_LENGTH = 250
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20_000
MAX_RUN_NAME_LENGTH = 250
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_BATCH_REQUEST_BYTES = 1_000_000
MAX_DATASET_NAME_LENGTH = 500
MAX_DATASET_DIGEST_LENGTH = 36
MAX_DATASET_SOURCE_TYPE_LENGTH = 36
MAX_DATASET_SOURCE_LENGTH = 65_535
MAX_DATASET_SCHEMA_LENGTH = 1_048_575
MAX_DATASET_PROFILE_LENGTH = 16_777_215
MAX_INPUT_TAG_KEY_LENGTH = 255
MAX_INPUT_TAG_VALUE_LENGTH = 500
MAX_USER_ID_LENGTH = 256
# A run's artifact_uri is "<artifact_location>/<32-digit run id>/artifacts" in a column of
# 1,000 characters, so an experiment's own location may take 1,000 - 43 of them.
MAX_ARTIFACT_LOCATION_LENGTH = 957

# Tags the mlflow client writes with long, structured values; exempt from the tag limit.
UNBOUNDED_TAGS = frozenset({"mlflow.note.content", "mlflow.log-model.history"})

_KEY_CHARS = re.compile(r"^[/\w.\- :]*$")


def check_key(field: str, key: object) -> str:
    """A metric, param or tag key: 1 to 250 characters that are also a safe relative path."""
    if not isinstance(key, str) or key == "":
        raise InvalidParameter(f"{field}: a non-empty key is required")
    problem = _key_problem(key)
    if problem is not None:
        raise InvalidParameter(f"{field}: {problem}")
    return key


@functools.lru_cache(maxsize=8192)
def _key_problem(key: str) -> str | None:
    # Cached: a training job logs the same few keys thousands of times.
    if len(key) > MAX_KEY_LENGTH:
        return f"key of {len(key)} characters exceeds the limit of {MAX_KEY_LENGTH}"
    if not _KEY_CHARS.match(key):
        return (
            f"invalid key {key!r}: names may only contain alphanumerics, underscores,"
            " dashes, periods, spaces, colons and slashes"
        )
    normal = posixpath.normpath(key)
    if normal != key or normal == "." or normal.startswith("..") or normal.startswith("/"):
        return (
            f"invalid key {key!r}: names are also used as file paths and must not"
            f" resolve to another name (this one resolves to {normal!r})"
        )
    return None


def check_length(field: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidParameter(
            f"{field}: value of {len(value)} characters exceeds the limit of {limit}"
        )
    return value


def check_experiment_name(field: str, name: object) -> str:
    if not isinstance(name, str) or name.strip() == "":
        raise InvalidParameter(f"{field}: experiment name must be a non-empty string")
    return check_length(field, name, MAX_EXPERIMENT_NAME_LENGTH)


def check_metric_value(field: str, value: object) -> float:
    """A finite or non-finite double; JSON clients send NaN and infinities as strings."""
    if isinstance(value, bool):
        raise InvalidParameter(f"{field}: expected a number, got a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    raise InvalidParameter(f"{field}: expected a number, got {shown}")
