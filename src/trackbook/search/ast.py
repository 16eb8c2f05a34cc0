"""The typed syntax tree of a search filter and an order-by clause.

No SQL here: ``store/filters.py`` compiles these nodes. Every node is a frozen
dataclass, so two parses of the same text compare equal (the parser tests rely
on that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: What a key is about. ``attribute`` covers the columns of a run or an experiment.
KeyKind = Literal["metric", "param", "tag", "attribute", "dataset"]

Op = Literal[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
]

Scalar = str | int | float
#: A scalar for the comparison operators, a tuple for IN / NOT IN, None for IS [NOT] NULL.
Value = Scalar | tuple[Scalar, ...] | None


@dataclass(frozen=True, slots=True)
class Key:
    kind: str  # one of KeyKind's values
    name: str

    def __str__(self) -> str:
        """The key as a user writes it, for error messages: ``metrics.loss``."""
        return f"{_PREFIX.get(self.kind, self.kind)}.{self.name}"


_PREFIX = {
    "metric": "metrics",
    "param": "params",
    "tag": "tags",
    "attribute": "attributes",
    "dataset": "dataset",
}


@dataclass(frozen=True, slots=True)
class Comparison:
    key: Key
    op: Op
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
