"""Which keys each search understands, what their values look like, which operators apply.

A :class:`Vocabulary` turns what the user wrote (``attributes.created``,
``tags.mlflow.runName``, ``Run name``…) into a canonical :class:`Key` and says
how that key is compared. MLflow's spellings are all accepted; a few of ours
are added (``lifecycle_stage``, ``IN`` on any string key, ``IS NULL`` on any key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trackbook.search.ast import Key, KeyKind, Op

NUMERIC_OPS: frozenset[Op] = frozenset({"=", "!=", ">", ">=", "<", "<="})
STRING_OPS: frozenset[Op] = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})
NULL_OPS: frozenset[Op] = frozenset({"IS NULL", "IS NOT NULL"})
ID_OPS: frozenset[Op] = frozenset({"=", "!=", "IN", "NOT IN"})


@dataclass(frozen=True, slots=True)
class KeyType:
    """``values``: ``number`` (a bare numeric literal), ``string`` (a quoted string) or
    ``id`` (an integer, quoted or not)."""

    values: Literal["number", "string", "id"]
    ops: frozenset[Op]


NUMBER = KeyType("number", NUMERIC_OPS | NULL_OPS)
STRING = KeyType("string", STRING_OPS | NULL_OPS)
ID = KeyType("id", ID_OPS)

#: Every spelling of a key prefix (MLflow's, case-insensitive) and what it means.
PREFIXES: dict[str, KeyKind] = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
    "dataset": "dataset",
    "datasets": "dataset",
}


class UnknownKey(ValueError):
    """A key the vocabulary does not know; the parser adds the column."""


class Vocabulary:
    """The keys of one kind of entity. Subclasses fill in the tables."""

    #: canonical attribute name -> its type
    attributes: dict[str, KeyType] = {}
    #: other spellings (lower case) -> canonical attribute name
    aliases: dict[str, str] = {}
    #: what keys with a prefix may be about, e.g. {"metric", "param", "tag"}
    keyed_kinds: frozenset[KeyKind] = frozenset()
    keyed_types: dict[str, KeyType] = {}
    dataset_fields: frozenset[str] = frozenset()
    #: attributes that order_by accepts
    orderable: frozenset[str] = frozenset()
    entity = ""

    def resolve(self, kind: KeyKind, name: str) -> Key:
        if name == "":
            raise UnknownKey("empty key name")
        if kind == "attribute":
            attr = self.aliases.get(name.lower(), name.lower())
            if attr not in self.attributes:
                raise UnknownKey(
                    f"unknown {self.entity} attribute {name!r}; expected one of"
                    f" {', '.join(sorted(self.attributes))}{self.keyed_hint()}"
                )
            return Key("attribute", attr)
        if kind == "dataset":
            if name.lower() not in self.dataset_fields:
                raise UnknownKey(
                    f"unknown dataset field {name!r}; expected one of"
                    f" {', '.join(sorted(self.dataset_fields))}"
                )
            return Key("dataset", name.lower())
        if kind not in self.keyed_kinds:
            raise UnknownKey(
                f"{self.entity}s have no {kind}s; filter by"
                f" {', '.join(sorted(self.attributes))}{self.keyed_hint()}"
            )
        return Key(kind, name)

    def keyed_hint(self) -> str:
        if not self.keyed_kinds:
            return ""
        plural = {"metric": "metrics", "param": "params", "tag": "tags"}
        return " or " + ", ".join(f"{plural[k]}.<key>" for k in sorted(self.keyed_kinds))

    def key_type(self, key: Key) -> KeyType:
        if key.kind == "attribute":
            return self.attributes[key.name]
        if key.kind == "dataset":
            return STRING
        return self.keyed_types[key.kind]

    def check_orderable(self, key: Key) -> None:
        if key.kind == "attribute" and key.name not in self.orderable:
            raise UnknownKey(
                f"{self.entity}s cannot be ordered by {key.name}; order by one of"
                f" {', '.join(sorted(self.orderable))}{self.keyed_hint()}"
            )
        if key.kind == "dataset":
            raise UnknownKey(f"{self.entity}s cannot be ordered by dataset fields")


class RunVocabulary(Vocabulary):
    entity = "run"
    attributes = {
        "run_id": STRING,
        "run_name": STRING,
        "status": STRING,
        "user_id": STRING,
        "artifact_uri": STRING,
        "lifecycle_stage": STRING,
        "start_time": NUMBER,
        "end_time": NUMBER,
    }
    aliases = {
        "run_uuid": "run_id",
        "run name": "run_name",
        "name": "run_name",
        "created": "start_time",
    }
    keyed_kinds = frozenset({"metric", "param", "tag"})
    keyed_types = {"metric": NUMBER, "param": STRING, "tag": STRING}
    dataset_fields = frozenset({"name", "digest", "context"})
    orderable = frozenset(attributes)


class ExperimentVocabulary(Vocabulary):
    entity = "experiment"
    attributes = {
        "name": STRING,
        "experiment_id": ID,
        "creation_time": NUMBER,
        "last_update_time": NUMBER,
    }
    aliases = {"id": "experiment_id"}
    keyed_kinds = frozenset({"tag"})
    keyed_types = {"tag": STRING}
    orderable = frozenset(attributes)

    def check_orderable(self, key: Key) -> None:
        if key.kind != "attribute":
            raise UnknownKey(
                "experiments can be ordered by "
                + ", ".join(sorted(self.orderable))
                + f", not by {key.kind}s"
            )
        super().check_orderable(key)


RUNS = RunVocabulary()
EXPERIMENTS = ExperimentVocabulary()

__all__ = [
    "EXPERIMENTS",
    "ID",
    "NUMBER",
    "PREFIXES",
    "RUNS",
    "STRING",
    "KeyType",
    "UnknownKey",
    "Vocabulary",
]
