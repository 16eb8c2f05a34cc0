"""The client's environment variables: read as documented, and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackbook.client.config import ClientConfig

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({}, "tracking_uri", None),
        ({"MLFLOW_TRACKING_URI": "http://m"}, "tracking_uri", "http://m"),
        (
            {"TRACKBOOK_TRACKING_URI": "http://t", "MLFLOW_TRACKING_URI": "http://m"},
            "tracking_uri",
            "http://t",
        ),
        ({"MLFLOW_TRACKING_TOKEN": "a"}, "token", "a"),
        ({"TRACKBOOK_TOKEN": "b", "MLFLOW_TRACKING_TOKEN": "a"}, "token", "b"),
        ({"MLFLOW_EXPERIMENT_NAME": "e"}, "experiment_name", "e"),
        ({"TRACKBOOK_EXPERIMENT_NAME": "f"}, "experiment_name", "f"),
        ({"MLFLOW_EXPERIMENT_ID": "3"}, "experiment_id", "3"),
        ({"TRACKBOOK_EXPERIMENT_ID": "4"}, "experiment_id", "4"),
        ({}, "async_logging", True),
        ({"TRACKBOOK_ASYNC_LOGGING": "false"}, "async_logging", False),
        ({"TRACKBOOK_ASYNC_LOGGING": "0"}, "async_logging", False),
        ({"TRACKBOOK_ASYNC_QUEUE_SIZE": "10"}, "queue_size", 10),
        ({"TRACKBOOK_HTTP_MAX_RETRIES": "0"}, "http_max_retries", 0),
        ({"TRACKBOOK_HTTP_BACKOFF": "0.5"}, "http_backoff", 0.5),
        ({"TRACKBOOK_HTTP_MAX_BACKOFF": "2"}, "http_max_backoff", 2.0),
        ({"TRACKBOOK_HTTP_TIMEOUT": "9"}, "http_timeout", 9.0),
    ],
)
def test_variables_are_read(env: dict[str, str], field: str, expected: object) -> None:
    assert getattr(ClientConfig.from_env(env), field) == expected
    for name in env:
        assert f"`{name}`" in QUICKSTART.read_text(), f"document {name} in docs/quickstart.md"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACKBOOK_ASYNC_LOGGING": "maybe"}, "TRACKBOOK_ASYNC_LOGGING: expected true or false"),
        ({"TRACKBOOK_ASYNC_QUEUE_SIZE": "lots"}, "TRACKBOOK_ASYNC_QUEUE_SIZE: expected an integer"),
        ({"TRACKBOOK_HTTP_BACKOFF": "-1"}, "TRACKBOOK_HTTP_BACKOFF: must not be negative"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClientConfig.from_env(env)
