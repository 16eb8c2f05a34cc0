"""The HTTP backend's transport behaviour: retries, backoff, errors, the token.

These drive ``HttpBackend`` through httpx's mock transport, which plays a server
that fails in ways a real one rarely does on demand.
"""

from __future__ import annotations

import httpx
import orjson
import pytest

from trackbook.client.config import ClientConfig
from trackbook.client.http import HttpBackend
from trackbook.errors import (
    InvalidParameter,
    PermissionDenied,
    ResourceExhausted,
    ServerUnreachable,
    TrackbookError,
)


class Script:
    """Answers requests from a list of responses (or exceptions), recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def backend(script: Script, **config: object) -> tuple[HttpBackend, list[float]]:
    sleeps: list[float] = []
    settings = ClientConfig(http_backoff=0.1, http_max_backoff=0.3, **config)  # type: ignore[arg-type]
    made = HttpBackend(
        "http://tracking.test", settings, transport=httpx.MockTransport(script), sleep=sleeps.append
    )
    return made, sleeps


def ok(body: object) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(body))


def test_connection_errors_and_5xx_are_retried_with_growing_waits() -> None:
    script = Script(
        httpx.ConnectError("refused"),
        httpx.Response(503, text="unavailable"),
        httpx.Response(429, content=b'{"error_code": "RESOURCE_EXHAUSTED", "message": "slow"}'),
        httpx.ReadTimeout("slow"),
        ok({"experiment_id": "7"}),
    )
    made, sleeps = backend(script)
    assert made.create_experiment("e", None, []) == "7"
    assert len(script.requests) == 5
    assert sleeps == [0.1, 0.2, 0.3, 0.3]
    assert {orjson.loads(r.content)["name"] for r in script.requests} == {"e"}


def test_retries_give_up_with_server_unreachable() -> None:
    script = Script(*[httpx.ConnectError("refused")] * 3)
    made, sleeps = backend(script, http_max_retries=2)
    with pytest.raises(ServerUnreachable, match="gave up after 3 attempts"):
        made.get_run("abc")
    assert len(sleeps) == 2


def test_a_lasting_429_surfaces_as_resource_exhausted() -> None:
    body = b'{"error_code": "RESOURCE_EXHAUSTED", "message": "quota: too many runs"}'
    script = Script(*[httpx.Response(429, content=body)] * 2)
    made, _ = backend(script, http_max_retries=1)
    with pytest.raises(ResourceExhausted, match="too many runs"):
        made.delete_run("abc")


@pytest.mark.parametrize(
    ("status", "content", "error"),
    [
        (400, b'{"error_code": "INVALID_PARAMETER_VALUE", "message": "bad"}', InvalidParameter),
        (403, b'{"error_code": "PERMISSION_DENIED", "message": "no"}', PermissionDenied),
        (403, b"<html>forbidden by proxy</html>", PermissionDenied),
        (418, b"teapot", TrackbookError),
    ],
)
def test_other_errors_are_not_retried_and_keep_their_class(
    status: int, content: bytes, error: type[TrackbookError]
) -> None:
    script = Script(httpx.Response(status, content=content))
    made, sleeps = backend(script)
    with pytest.raises(error) as raised:
        made.delete_run("abc")
    assert sleeps == [] and len(script.requests) == 1
    assert raised.value.error_code == error.error_code or error is TrackbookError


def test_the_token_is_sent_as_a_bearer_header() -> None:
    script = Script(ok({}), ok({}))
    made, _ = backend(script, token="s3cret")
    made.delete_run("abc")
    anonymous, _ = backend(script)
    anonymous.delete_run("abc")
    assert script.requests[0].headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in script.requests[1].headers
