"""Logged models (MLflow 3): create, finalize, tag, search; and the outputs of runs.

A logged model is what ``mlflow.<flavor>.log_model`` makes: an id (``m-<hex>``),
a name, an artifact location of its own under its experiment's
(``<experiment location>/models/<model_id>/artifacts``), params, tags and a
status that goes from PENDING to READY (or UPLOAD_FAILED). Deleting one is soft.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from trackbook import validation
from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import ACTIVE, DELETED, ModelOutput, Page
from trackbook.search import FilterParser, Vocabulary
from trackbook.search.ast import And, Comparison, Node, Or
from trackbook.search.keys import NUMBER, STRING
from trackbook.store import paging
from trackbook.store.engine import Database
from trackbook.store.experiments import (
    join_location,
    now_ms,
    parse_experiment_id,
    require_active_experiment,
)
from trackbook.store.filters import compare
from trackbook.store.run_names import random_run_name
from trackbook.store.schema import (
    logged_model_params,
    logged_model_tags,
    logged_models,
    run_model_outputs,
    runs,
)

STATUSES = ("LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED")
PENDING, READY, UPLOAD_FAILED = STATUSES
DEFAULT_SEARCH_PAGE = 100
MAX_SEARCH_PAGE = 1000
MAX_NAME_LENGTH = 500
_NAME_FORBIDDEN = ("/", ":", ".", "%", '"', "'")


@dataclass(slots=True)
class LoggedModel:
    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp_ms: int
    last_updated_timestamp_ms: int
    status: str
    lifecycle_stage: str
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def normalise_status(field_name: str, value: str) -> str:
    """``READY`` or ``LOGGED_MODEL_READY`` → ``LOGGED_MODEL_READY``."""
    upper = value.upper()
    full = upper if upper.startswith("LOGGED_MODEL_") else "LOGGED_MODEL_" + upper
    if full not in STATUSES:
        raise InvalidParameter(f"{field_name}: {value!r} is not one of {', '.join(STATUSES)}")
    return full


class LoggedModelStore:
    def __init__(
        self, db: Database, *, max_param_value_length: int, max_tag_value_length: int
    ) -> None:
        self.db = db
        self.max_param_value_length = max_param_value_length
        self.max_tag_value_length = max_tag_value_length

    # -- writes --------------------------------------------------------------
    def create(
        self,
        experiment_id: object,
        *,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoggedModel:
        eid = parse_experiment_id(experiment_id)
        name = _check_name(name) if name else random_run_name()
        if model_type is not None:
            validation.check_length("model_type", model_type, MAX_NAME_LENGTH)
        if source_run_id is not None and len(source_run_id) > 32:
            raise InvalidParameter(f"source_run_id: {source_run_id!r} is not a run id")
        param_rows = self._param_rows(params or {})
        tag_rows = self._tag_rows(tags or {})
        model_id = "m-" + uuid.uuid4().hex
        now = now_ms()
        with self.db.write() as conn:
            exp = require_active_experiment(
                conn, eid, "models can only be logged to active experiments"
            )
            conn.execute(
                logged_models.insert().values(
                    model_id=model_id,
                    experiment_id=eid,
                    name=name,
                    artifact_location=join_location(
                        exp.artifact_location, "models", model_id, "artifacts"
                    ),
                    creation_timestamp_ms=now,
                    last_updated_timestamp_ms=now,
                    status=PENDING,
                    lifecycle_stage=ACTIVE,
                    model_type=model_type or None,
                    source_run_id=source_run_id or None,
                )
            )
            if param_rows:
                conn.execute(
                    logged_model_params.insert(), [dict(r, model_id=model_id) for r in param_rows]
                )
            if tag_rows:
                conn.execute(
                    logged_model_tags.insert(), [dict(r, model_id=model_id) for r in tag_rows]
                )
            return self._load(conn, [model_id])[0]

    def finalize(self, model_id: str, status: str) -> LoggedModel:
        status = normalise_status("status", status)
        with self.db.write() as conn:
            self._require(conn, model_id)
            conn.execute(
                logged_models.update()
                .where(logged_models.c.model_id == model_id)
                .values(status=status, last_updated_timestamp_ms=now_ms())
            )
            return self._load(conn, [model_id])[0]

    def delete(self, model_id: str) -> None:
        with self.db.write() as conn:
            self._require(conn, model_id)
            conn.execute(
                logged_models.update()
                .where(logged_models.c.model_id == model_id)
                .values(lifecycle_stage=DELETED, last_updated_timestamp_ms=now_ms())
            )

    def set_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        rows = self._tag_rows(tags)
        with self.db.write() as conn:
            self._require(conn, model_id)
            if rows:
                conn.execute(
                    self.db.upsert(logged_model_tags, ["model_id", "key"], ["value"]),
                    [dict(r, model_id=model_id) for r in rows],
                )
                self._touch(conn, model_id)

    def delete_tag(self, model_id: str, key: str) -> None:
        with self.db.write() as conn:
            self._require(conn, model_id)
            deleted = conn.execute(
                logged_model_tags.delete().where(
                    logged_model_tags.c.model_id == model_id, logged_model_tags.c.key == key
                )
            )
            if deleted.rowcount == 0:
                raise ResourceDoesNotExist(f"tag_key: model '{model_id}' has no tag {key!r}")
            self._touch(conn, model_id)

    def log_params(self, model_id: str, params: Mapping[str, str]) -> None:
        rows = self._param_rows(params)
        with self.db.write() as conn:
            self._require(conn, model_id)
            if rows:
                conn.execute(
                    self.db.upsert(logged_model_params, ["model_id", "key"], ["value"]),
                    [dict(r, model_id=model_id) for r in rows],
                )
                self._touch(conn, model_id)

    def log_outputs(self, run_id: str, outputs: Sequence[ModelOutput]) -> None:
        """Record that ``run_id`` produced these models (``runs/outputs``)."""
        with self.db.write() as conn:
            run = conn.execute(
                sa.select(runs.c.lifecycle_stage).where(runs.c.run_uuid == run_id)
            ).first()
            if run is None:
                raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")
            if run.lifecycle_stage != ACTIVE:
                raise InvalidParameter(
                    f"run_id: run '{run_id}' is deleted; restore it before changing it"
                )
            ids = sorted({o.model_id for o in outputs})
            found = set(
                conn.execute(
                    sa.select(logged_models.c.model_id).where(logged_models.c.model_id.in_(ids))
                ).scalars()
            )
            for i, o in enumerate(outputs):
                if o.model_id not in found:
                    raise ResourceDoesNotExist(
                        f"models[{i}].model_id: no logged model with id '{o.model_id}'"
                    )
            latest = {o.model_id: o.step for o in outputs}
            if latest:
                conn.execute(
                    self.db.upsert(run_model_outputs, ["run_uuid", "model_id"], ["step"]),
                    [{"run_uuid": run_id, "model_id": m, "step": s} for m, s in latest.items()],
                )

    # -- reads ---------------------------------------------------------------
    def get(self, model_id: str, *, allow_deleted: bool = False) -> LoggedModel:
        with self.db.read() as conn:
            loaded = self._load(conn, [model_id])
        if not loaded or (loaded[0].lifecycle_stage != ACTIVE and not allow_deleted):
            raise ResourceDoesNotExist(f"model_id: logged model '{model_id}' not found")
        return loaded[0]

    def search(
        self,
        experiment_ids: Sequence[object],
        *,
        filter_string: str | None = None,
        order_by: Sequence[tuple[str, bool]] = (),
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[LoggedModel]:
        """Active models of these experiments; ``order_by`` holds (field name, ascending)."""
        limit = paging.page_size("max_results", max_results, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE)
        eids = [
            parse_experiment_id(e, f"experiment_ids[{i}]") for i, e in enumerate(experiment_ids)
        ]
        condition = parse_filter(filter_string)
        ordering = _ordering(order_by)
        offset = paging.decode_offset(page_token)
        if not eids:
            raise InvalidParameter("experiment_ids: at least one experiment id is required")
        stmt = sa.select(logged_models.c.model_id).where(
            logged_models.c.experiment_id.in_(eids),
            logged_models.c.lifecycle_stage == ACTIVE,
        )
        if condition is not None:
            stmt = stmt.where(_condition(condition))
        stmt = stmt.order_by(*ordering).limit(limit + 1).offset(offset)
        with self.db.read() as conn:
            ids = list(conn.execute(stmt).scalars())
            items = self._load(conn, ids[:limit])
        token = paging.encode_offset(offset + limit) if len(ids) > limit else None
        return Page(items, token)

    # -- helpers -------------------------------------------------------------
    def _param_rows(self, params: Mapping[str, str]) -> list[dict[str, str]]:
        rows = []
        for key, value in params.items():
            validation.check_length(f"params[{key!r}].key", key, validation.MAX_KEY_LENGTH)
            if not key:
                raise InvalidParameter("params: a non-empty key is required")
            validation.check_length(f"params[{key!r}].value", value, self.max_param_value_length)
            rows.append({"key": key, "value": value})
        return rows

    def _tag_rows(self, tags: Mapping[str, str]) -> list[dict[str, str]]:
        rows = []
        for key, value in tags.items():
            if not key:
                raise InvalidParameter("tags: a non-empty key is required")
            validation.check_length(f"tags[{key!r}].key", key, validation.MAX_KEY_LENGTH)
            validation.check_length(f"tags[{key!r}].value", value, self.max_tag_value_length)
            rows.append({"key": key, "value": value})
        return rows

    @staticmethod
    def _require(conn: sa.Connection, model_id: str) -> None:
        found = conn.execute(
            sa.select(logged_models.c.model_id).where(logged_models.c.model_id == model_id)
        ).first()
        if found is None:
            raise ResourceDoesNotExist(f"model_id: logged model '{model_id}' not found")

    @staticmethod
    def _touch(conn: sa.Connection, model_id: str) -> None:
        conn.execute(
            logged_models.update()
            .where(logged_models.c.model_id == model_id)
            .values(last_updated_timestamp_ms=now_ms())
        )

    @staticmethod
    def _load(conn: sa.Connection, model_ids: Sequence[str]) -> list[LoggedModel]:
        """Whole models for a list of ids, in that order: one query per table."""
        if not model_ids:
            return []
        wanted = list(model_ids)
        found: dict[str, LoggedModel] = {}
        for r in conn.execute(sa.select(logged_models).where(logged_models.c.model_id.in_(wanted))):
            found[r.model_id] = LoggedModel(
                model_id=r.model_id,
                experiment_id=str(r.experiment_id),
                name=r.name,
                artifact_location=r.artifact_location,
                creation_timestamp_ms=r.creation_timestamp_ms,
                last_updated_timestamp_ms=r.last_updated_timestamp_ms,
                status=r.status,
                lifecycle_stage=r.lifecycle_stage,
                model_type=r.model_type,
                source_run_id=r.source_run_id,
                status_message=r.status_message,
            )
        for table, attr in ((logged_model_params, "params"), (logged_model_tags, "tags")):
            rows = conn.execute(
                sa.select(table.c.model_id, table.c.key, table.c.value).where(
                    table.c.model_id.in_(list(found))
                )
            )
            for r in rows:
                getattr(found[r.model_id], attr)[r.key] = r.value
        return [found[m] for m in wanted if m in found]


def _check_name(name: str) -> str:
    validation.check_length("name", name, MAX_NAME_LENGTH)
    bad = [c for c in _NAME_FORBIDDEN if c in name]
    if bad:
        raise InvalidParameter(
            f"name: model name {name!r} may not contain {' '.join(repr(c) for c in bad)}"
            " (it becomes part of artifact paths and model URIs)"
        )
    return name


# -- the search language ------------------------------------------------------

_STRING_ATTRIBUTES = {
    "name": logged_models.c.name,
    "model_id": logged_models.c.model_id,
    "model_type": logged_models.c.model_type,
    "status": logged_models.c.status,
    "source_run_id": logged_models.c.source_run_id,
}
_NUMERIC_ATTRIBUTES = {
    "creation_timestamp": logged_models.c.creation_timestamp_ms,
    "last_updated_timestamp": logged_models.c.last_updated_timestamp_ms,
}
_ALIASES = {
    "creation_time": "creation_timestamp",
    "creation_timestamp_ms": "creation_timestamp",
    "last_updated_timestamp_ms": "last_updated_timestamp",
    "last_update_time": "last_updated_timestamp",
    "id": "model_id",
    "run_id": "source_run_id",
}
_ATTRIBUTE_NAMES = ", ".join(sorted({*_STRING_ATTRIBUTES, *_NUMERIC_ATTRIBUTES}))


class LoggedModelVocabulary(Vocabulary):
    """The keys a logged-model filter may use: its attributes, params.<key> and tags.<key>."""

    entity = "logged model"
    attributes = {
        **{name: STRING for name in _STRING_ATTRIBUTES},
        **{name: NUMBER for name in _NUMERIC_ATTRIBUTES},
    }
    aliases = _ALIASES
    keyed_kinds = frozenset({"param", "tag"})
    keyed_types = {"param": STRING, "tag": STRING}
    orderable = frozenset(attributes)


LOGGED_MODELS = LoggedModelVocabulary()


def parse_filter(text: str | None, field_name: str = "filter") -> Node | None:
    if text is None or not text.strip():
        return None
    return FilterParser(field_name, text, LOGGED_MODELS).parse_filter()


def _condition(node: Node) -> sa.ColumnElement[bool]:
    if isinstance(node, And):
        return sa.and_(*(_condition(p) for p in node.parts))
    if isinstance(node, Or):
        return sa.or_(*(_condition(p) for p in node.parts))
    return _comparison(node)


def _comparison(cmp: Comparison) -> sa.ColumnElement[bool]:
    key, op, value = cmp.key, cmp.op, cmp.value
    if key.kind == "attribute":
        column = _STRING_ATTRIBUTES.get(key.name)
        if column is None:
            column = _NUMERIC_ATTRIBUTES[key.name]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
        elif key.name == "status" and op in ("=", "!=", "IN", "NOT IN"):
            if isinstance(value, tuple):
                value = tuple(normalise_status("filter", str(v)) for v in value)
            elif value is not None:
                value = normalise_status("filter", str(value))
        if op == "IS NULL":
            return column.is_(None)
        if op == "IS NOT NULL":
            return column.is_not(None)
        return compare(column, op, value)
    table = logged_model_params if key.kind == "param" else logged_model_tags
    exists = sa.select(sa.literal(1)).where(
        table.c.model_id == logged_models.c.model_id, table.c.key == key.name
    )
    if op == "IS NULL":
        return ~exists.exists()
    if op == "IS NOT NULL":
        return exists.exists()
    return exists.where(compare(table.c.value, op, value)).exists()


_ORDER_COLUMNS: dict[str, Any] = {**_STRING_ATTRIBUTES, **_NUMERIC_ATTRIBUTES}


def _ordering(order_by: Sequence[tuple[str, bool]]) -> list[Any]:
    out: list[Any] = []
    for i, (name, ascending) in enumerate(order_by):
        key = _ALIASES.get(name.lower(), name.lower())
        column = _ORDER_COLUMNS.get(key)
        if column is None:
            raise InvalidParameter(
                f"order_by[{i}].field_name: cannot order logged models by {name!r};"
                f" expected one of {_ATTRIBUTE_NAMES}"
            )
        out.append(column.asc() if ascending else column.desc())
    if not order_by:
        out.append(logged_models.c.creation_timestamp_ms.desc())
    out.append(logged_models.c.model_id.asc())
    return out
