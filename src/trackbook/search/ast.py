"""The typed syntax tree of a search filter. No SQL here; see ``store/filters.py``."""

from __future__ import annotations

from dataclasses import dataclass

Value = str | float | tuple[str | float, ...] | None


@dataclass(frozen=True, slots=True)
class Key:
    """What a condition is about: ``kind`` is metric, param, tag, attribute or dataset."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Comparison:
    key: Key
    op: str  # = != > >= < <= LIKE ILIKE IN NOT IN, IS NULL, IS NOT NULL
    value: Value


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


Node = Comparison | And | Or


@dataclass(frozen=True, slots=True)
class OrderBy:
    key: Key
    ascending: bool = True
