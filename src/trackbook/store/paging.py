"""Page sizes and opaque page tokens."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from trackbook.errors import InvalidParameter


def page_size(field: str, requested: int | None, default: int, maximum: int) -> int:
    """A missing or zero size means the default (clients send 0 for "unset")."""
    if requested is None or requested == 0:
        return default
    if requested < 0:
        raise InvalidParameter(f"{field}: must be a positive number, got {requested}")
    if requested > maximum:
        raise InvalidParameter(f"{field}: {requested} is more than the maximum of {maximum}")
    return requested


def encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode("ascii")


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        state = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise InvalidParameter(f"page_token: {token!r} is not a valid page token") from None
    if not isinstance(state, dict):
        raise InvalidParameter(f"page_token: {token!r} is not a valid page token")
    return state


def encode_offset(offset: int) -> str:
    return encode_token({"offset": offset})


def decode_offset(token: str | None) -> int:
    state = decode_token(token)
    if state is None:
        return 0
    offset = state.get("offset")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidParameter(f"page_token: {token!r} is not a valid page token")
    return offset
