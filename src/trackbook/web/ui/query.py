"""Reading the UI's query strings: comma-separated lists, bounded integers, choices.

The UI's JSON endpoints and pages take their state from the URL (so a link
reproduces a view). Every bad value becomes an ``InvalidParameter`` naming the
parameter, which the page shows inline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trackbook.errors import InvalidParameter


def split_list(value: str | None) -> list[str]:
    """``"a,b,,c"`` → ``["a", "b", "c"]``; order kept, duplicates dropped."""
    if not value:
        return []
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def experiment_ids(name: str, value: str | None) -> list[str]:
    ids = split_list(value)
    for item in ids:
        if not item.isdigit():
            raise InvalidParameter(f"{name}: {item!r} is not an experiment id")
    return ids


def run_ids(name: str, value: str | None, *, maximum: int) -> list[str]:
    ids = split_list(value)
    for item in ids:
        if not item.isalnum() or len(item) > 64:
            raise InvalidParameter(f"{name}: {item!r} is not a run id")
    if len(ids) > maximum:
        raise InvalidParameter(f"{name}: {len(ids)} runs given; the limit is {maximum}")
    return ids


def integer(
    params: Mapping[str, str],
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not text.lstrip("-").isdigit():
        raise InvalidParameter(f"{name}: expected an integer, got {raw!r}")
    value = int(text)
    if minimum is not None and value < minimum:
        raise InvalidParameter(f"{name}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InvalidParameter(f"{name}: must be at most {maximum}, got {value}")
    return value


def choice(params: Mapping[str, str], name: str, options: Sequence[str], default: str) -> str:
    raw = params.get(name) or default
    if raw not in options:
        raise InvalidParameter(f"{name}: {raw!r} is not one of {', '.join(options)}")
    return raw
