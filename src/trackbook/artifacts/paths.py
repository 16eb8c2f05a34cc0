"""The one check every artifact path goes through before it reaches a store.

An artifact path is relative to the store's root and written with forward
slashes: ``plots/loss.png``. Anything that could make a store (or a layer
between the client and the store) look somewhere else is refused rather than
"cleaned up": a request that needs cleaning up is not one a client sends by
accident.

Refused, each with ``InvalidParameter("<field>: ...")``:

* ``..`` or ``.`` as a component, also spelled with look-alike characters that
  normalise to dots (full-width U+FF0E);
* absolute paths (``/etc/passwd``) and Windows drive or UNC forms (``C:/``, ``//host``);
* backslashes, which are separators on Windows and in some object-store tools;
* percent escapes (``%2e%2e%2f``, and so double-encoded ``%252e``): the HTTP layer
  has already decoded the URL once, so a ``%XX`` left in a path is an attempt to
  get a second decoding somewhere else;
* ``?`` and ``#``, which a later URL parse would read as a query or fragment;
* NUL and other control characters; empty components (``a//b``);
* components longer than 255 bytes and paths longer than 1,024 bytes (the
  limits of common file systems and of S3 keys).

Symbolic links are a property of one store, not of the text: the local store
resolves the final path and checks that it is still under its root.
"""

from __future__ import annotations

import re
import unicodedata

from trackbook.errors import InvalidParameter

MAX_PATH_BYTES = 1024
MAX_COMPONENT_BYTES = 255

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def clean_path(field: str, raw: str | None, *, allow_root: bool = True) -> str:
    """Return ``raw`` as a safe relative path ('' for the root) or raise InvalidParameter."""
    if raw is None or raw == "":
        if allow_root:
            return ""
        raise InvalidParameter(f"{field}: a non-empty artifact path is required")
    if not isinstance(raw, str):
        raise InvalidParameter(f"{field}: expected a string")
    problem = _problem(raw)
    if problem:
        raise InvalidParameter(f"{field}: invalid artifact path {raw!r}: {problem}")
    path = raw[:-1] if raw.endswith("/") else raw
    if path == "" and not allow_root:
        raise InvalidParameter(f"{field}: a non-empty artifact path is required")
    return path


def join(*parts: str) -> str:
    """Join clean relative paths; empty parts (the root) are skipped."""
    return "/".join(p for p in parts if p)


def _problem(raw: str) -> str | None:
    if _CONTROL.search(raw):
        return "control characters (such as NUL) are not allowed"
    if "\\" in raw:
        return "backslashes are not allowed; use '/' between folders"
    if "?" in raw or "#" in raw:
        return "'?' and '#' are not allowed"
    if _PERCENT_ESCAPE.search(raw):
        return "percent-encoded characters are not allowed (the URL is decoded once already)"
    if raw.startswith("/"):
        return "absolute paths are not allowed"
    if _DRIVE.match(raw):
        return "drive letters are not allowed"
    if len(raw.encode("utf-8")) > MAX_PATH_BYTES:
        return f"longer than {MAX_PATH_BYTES} bytes"
    body = raw[:-1] if raw.endswith("/") else raw
    for part in body.split("/") if body else []:
        if part == "":
            return "empty path components ('//') are not allowed"
        if unicodedata.normalize("NFKC", part) in (".", ".."):
            return "'.' and '..' components are not allowed"
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            return f"a component is longer than {MAX_COMPONENT_BYTES} bytes"
    return None
