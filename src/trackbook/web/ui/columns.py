"""Names of the runs table's columns, as they appear in URLs: ``start``, ``metrics.loss``…

Fixed columns have short names; the columns a user picks are the search
language's keys (``metrics.<key>``, ``params.<key>``, ``tags.<key>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trackbook.errors import InvalidParameter

KeyedKind = Literal["metric", "param", "tag"]

#: Prefix in a column name -> what the column holds.
KEYED_PREFIXES: dict[str, KeyedKind] = {"metrics": "metric", "params": "param", "tags": "tag"}
PREFIX_OF: dict[KeyedKind, str] = {kind: prefix for prefix, kind in KEYED_PREFIXES.items()}

#: Fixed columns that can be sorted on.
FIXED = ("name", "experiment", "user", "source", "status", "start", "end", "duration")

MAX_PICKED = 200


@dataclass(frozen=True, slots=True)
class KeyedColumn:
    kind: KeyedKind
    key: str

    @property
    def name(self) -> str:
        return f"{PREFIX_OF[self.kind]}.{self.key}"


def keyed(field: str, name: str) -> KeyedColumn:
    prefix, dot, key = name.partition(".")
    kind = KEYED_PREFIXES.get(prefix)
    if not dot or kind is None or not key:
        raise InvalidParameter(
            f"{field}: {name!r} is not a column; expected metrics.<key>, params.<key> or tags.<key>"
        )
    return KeyedColumn(kind, key)


def picked(field: str, names: list[str]) -> list[KeyedColumn]:
    if len(names) > MAX_PICKED:
        raise InvalidParameter(f"{field}: {len(names)} columns; the limit is {MAX_PICKED}")
    return [keyed(field, n) for n in names]


@dataclass(frozen=True, slots=True)
class Sort:
    """A sort on a fixed column (``column``) or a keyed one (``keyed``)."""

    column: str | None
    keyed: KeyedColumn | None
    ascending: bool

    def __str__(self) -> str:
        name = self.column or (self.keyed.name if self.keyed else "")
        return f"{name}:{'asc' if self.ascending else 'desc'}"


DEFAULT_SORT = Sort("start", None, False)


def parse_sort(field: str, value: str | None) -> Sort:
    """``"start:desc"``, ``"metrics.loss:asc"``; keys may hold colons, so split on the last."""
    if not value:
        return DEFAULT_SORT
    name, sep, direction = value.rpartition(":")
    if not sep:
        name, direction = value, "asc"
    if direction not in ("asc", "desc"):
        raise InvalidParameter(f"{field}: direction must be asc or desc, got {direction!r}")
    ascending = direction == "asc"
    if name in FIXED:
        return Sort(name, None, ascending)
    return Sort(None, keyed(field, name), ascending)
