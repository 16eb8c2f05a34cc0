"""Experiments and their tags."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from trackbook import validation
from trackbook.errors import InvalidParameter, ResourceAlreadyExists, ResourceDoesNotExist
from trackbook.models import ACTIVE, DELETED, Experiment, ExperimentTag, Page
from trackbook.search import parse_experiment_filter, parse_experiment_order_by
from trackbook.store import filters, paging
from trackbook.store.engine import Database, Prepared, RowsForIds
from trackbook.store.schema import experiment_tags, experiments, runs

DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"
DEFAULT_SEARCH_PAGE = 1000
MAX_SEARCH_PAGE = 3000


def now_ms() -> int:
    return int(time.time() * 1000)


def parse_experiment_id(value: object, field: str = "experiment_id") -> int:
    """Experiment ids are decimal integers on the wire (strings in protobuf-JSON)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isascii() and digits.isdigit():
            number = int(text)
    if number is None or not -(2**63) <= number < 2**63:
        raise InvalidParameter(f"{field}: {value!r} is not a valid experiment id")
    return number


def join_location(root: str, *parts: str) -> str:
    return root.rstrip("/") + "/" + "/".join(parts) if root.rstrip("/") else "/".join(parts)


class ExperimentStore:
    def __init__(self, db: Database, default_artifact_root: str) -> None:
        self.db = db
        self.default_artifact_root = default_artifact_root
        self._plans: dict[str, tuple[paging.Ordering, Any, dict[int | None, Any]]] = {}

    # -- writes --------------------------------------------------------------
    def ensure_default(self) -> None:
        """Create the Default experiment (id 0) if it is missing."""
        with self.db.write() as conn:
            found = conn.execute(
                sa.select(experiments.c.experiment_id).where(
                    experiments.c.experiment_id == DEFAULT_EXPERIMENT_ID
                )
            ).first()
            if found is not None:
                return
            if self.db.is_mysql:
                # MySQL replaces an explicit 0 in an AUTO_INCREMENT column with the next id.
                conn.exec_driver_sql(
                    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')"
                )
            now = now_ms()
            name_taken = conn.execute(
                sa.select(experiments.c.experiment_id).where(
                    experiments.c.active_name == DEFAULT_EXPERIMENT_NAME
                )
            ).first()
            conn.execute(
                experiments.insert().values(
                    experiment_id=DEFAULT_EXPERIMENT_ID,
                    name=DEFAULT_EXPERIMENT_NAME,
                    active_name=None if name_taken else DEFAULT_EXPERIMENT_NAME,
                    artifact_location=join_location(
                        self.default_artifact_root, str(DEFAULT_EXPERIMENT_ID)
                    ),
                    lifecycle_stage=ACTIVE if not name_taken else DELETED,
                    creation_time=now,
                    last_update_time=now,
                )
            )

    def create(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[ExperimentTag] = (),
    ) -> str:
        name = validation.check_experiment_name("name", name)
        if artifact_location:
            validation.check_length(
                "artifact_location", artifact_location, validation.MAX_ARTIFACT_LOCATION_LENGTH
            )
        tag_rows = self._tag_rows(tags)
        now = now_ms()
        with _name_race_guard(name), self.db.write() as conn:
            self._require_free_name(conn, name)
            result = conn.execute(
                experiments.insert().values(
                    name=name,
                    active_name=name,
                    artifact_location=artifact_location or "",
                    lifecycle_stage=ACTIVE,
                    creation_time=now,
                    last_update_time=now,
                )
            )
            experiment_id = result.inserted_primary_key[0]  # type: ignore[index]
            if not artifact_location:
                conn.execute(
                    experiments.update()
                    .where(experiments.c.experiment_id == experiment_id)
                    .values(
                        artifact_location=join_location(
                            self.default_artifact_root, str(experiment_id)
                        )
                    )
                )
            if tag_rows:
                conn.execute(
                    experiment_tags.insert(),
                    [dict(row, experiment_id=experiment_id) for row in tag_rows],
                )
        return str(experiment_id)

    def rename(self, experiment_id: object, new_name: str) -> None:
        eid = parse_experiment_id(experiment_id)
        new_name = validation.check_experiment_name("new_name", new_name)
        with self.db.write() as conn:
            row = require_active_experiment(conn, eid, "restore it before renaming")
            if row.name == new_name:
                return
            self._require_free_name(conn, new_name)
            with _name_race_guard(new_name):
                conn.execute(
                    experiments.update()
                    .where(experiments.c.experiment_id == eid)
                    .values(name=new_name, active_name=new_name, last_update_time=now_ms())
                )

    def delete(self, experiment_id: object) -> None:
        """Soft-delete the experiment and its active runs."""
        eid = parse_experiment_id(experiment_id)
        if eid == DEFAULT_EXPERIMENT_ID:
            raise InvalidParameter("experiment_id: the Default experiment (0) cannot be deleted")
        with self.db.write() as conn:
            row = self._row(conn, eid)
            if row.lifecycle_stage == DELETED:
                return
            now = now_ms()
            conn.execute(
                experiments.update()
                .where(experiments.c.experiment_id == eid)
                .values(lifecycle_stage=DELETED, active_name=None, last_update_time=now)
            )
            conn.execute(
                runs.update()
                .where(runs.c.experiment_id == eid, runs.c.lifecycle_stage == ACTIVE)
                .values(lifecycle_stage=DELETED, deleted_time=now)
            )

    def restore(self, experiment_id: object) -> None:
        """Undo a delete, bringing back the runs that were deleted with the experiment."""
        eid = parse_experiment_id(experiment_id)
        with self.db.write() as conn:
            row = self._row(conn, eid)
            if row.lifecycle_stage == ACTIVE:
                return
            taken = conn.execute(
                sa.select(experiments.c.experiment_id).where(experiments.c.active_name == row.name)
            ).first()
            if taken is not None:
                raise ResourceAlreadyExists(
                    f"experiment_id: cannot restore experiment {eid}: an active experiment"
                    f" named {row.name!r} exists (id {taken.experiment_id}); rename one first"
                )
            conn.execute(
                experiments.update()
                .where(experiments.c.experiment_id == eid)
                .values(lifecycle_stage=ACTIVE, active_name=row.name, last_update_time=now_ms())
            )
            conn.execute(
                runs.update()
                .where(
                    runs.c.experiment_id == eid,
                    runs.c.lifecycle_stage == DELETED,
                    runs.c.deleted_time == row.last_update_time,
                )
                .values(lifecycle_stage=ACTIVE, deleted_time=None)
            )

    def set_tag(self, experiment_id: object, key: str, value: str) -> None:
        eid = parse_experiment_id(experiment_id)
        (row,) = self._tag_rows([ExperimentTag(key, value)], prefix="")
        with self.db.write() as conn:
            require_active_experiment(conn, eid, "tags can only be set on active experiments")
            updated = conn.execute(
                experiment_tags.update()
                .where(experiment_tags.c.experiment_id == eid, experiment_tags.c.key == key)
                .values(value=row["value"])
            )
            if updated.rowcount == 0:
                conn.execute(experiment_tags.insert().values(experiment_id=eid, **row))
            conn.execute(
                experiments.update()
                .where(experiments.c.experiment_id == eid)
                .values(last_update_time=now_ms())
            )

    def delete_tag(self, experiment_id: object, key: str) -> None:
        eid = parse_experiment_id(experiment_id)
        with self.db.write() as conn:
            require_active_experiment(conn, eid, "tags can only be deleted on active experiments")
            deleted = conn.execute(
                experiment_tags.delete().where(
                    experiment_tags.c.experiment_id == eid, experiment_tags.c.key == key
                )
            )
            if deleted.rowcount == 0:
                raise ResourceDoesNotExist(f"key: experiment {eid} has no tag {key!r}")

    # -- reads ---------------------------------------------------------------
    def get(self, experiment_id: object) -> Experiment:
        eid = parse_experiment_id(experiment_id)
        with self.db.read() as conn:
            return self._load(conn, [self._row(conn, eid)])[0]

    def get_by_name(self, name: str) -> Experiment:
        """The active experiment of that name, else the most recently deleted one."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(experiments)
                .where(experiments.c.name == name)
                .order_by(
                    sa.case((experiments.c.lifecycle_stage == ACTIVE, 0), else_=1),
                    experiments.c.last_update_time.desc(),
                )
                .limit(1)
            ).first()
            if row is None:
                raise ResourceDoesNotExist(f"experiment_name: no experiment named {name!r}")
            return self._load(conn, [row])[0]

    def search(
        self,
        *,
        filter_string: str | None = None,
        view_type: str = "ACTIVE_ONLY",
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """One page of experiments, keyset-paged like runs (see docs/search.md)."""
        limit = paging.page_size("max_results", max_results, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE)
        stage = stage_condition(experiments.c.lifecycle_stage, view_type)
        condition = parse_experiment_filter(filter_string)
        scope = paging.fingerprint("experiments", filter_string or "", order_by or [], view_type)
        plan = self._plans.get(scope)
        if plan is None:
            # Kept per search: the statement and the ordering whose expressions it uses.
            ordering = filters.experiment_ordering(parse_experiment_order_by(order_by))
            stmt = sa.select(experiments, *ordering.columns())
            if stage is not None:
                stmt = stmt.where(stage)
            if condition is not None:
                stmt = stmt.where(filters.experiment_condition(condition))
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()
            plan = self._plans[scope] = (ordering, stmt, {})
        ordering, stmt, built = plan
        after = paging.decode_cursor(page_token, scope, ordering.terms)
        with self.db.read() as conn:
            rows = paging.fetch(
                conn, lambda _index, _phase: stmt, ordering, after, limit + 1, built
            )
            items = self._load(conn, rows[:limit])
        token = None
        if len(rows) > limit:
            last = tuple(rows[limit - 1])[len(experiments.c) :]
            token = paging.encode_cursor(scope, paging.cursor_values(ordering.terms, last))
        return Page(items, token)

    # -- helpers -------------------------------------------------------------
    def _row(self, conn: sa.Connection, eid: int) -> Any:
        row = conn.execute(sa.select(experiments).where(experiments.c.experiment_id == eid)).first()
        if row is None:
            raise ResourceDoesNotExist(f"experiment_id: no experiment with id '{eid}'")
        return row

    def _require_free_name(self, conn: sa.Connection, name: str) -> None:
        taken = conn.execute(
            sa.select(experiments.c.experiment_id).where(experiments.c.active_name == name)
        ).first()
        if taken is not None:
            raise ResourceAlreadyExists(
                f"name: an active experiment named {name!r} already exists"
                f" (id {taken.experiment_id})"
            )

    @staticmethod
    def _tag_rows(tags: Sequence[ExperimentTag], prefix: str | None = None) -> list[dict[str, str]]:
        """Checked tag rows; errors name ``tags[i].key`` (or ``<prefix>key`` if given)."""
        rows: dict[str, dict[str, str]] = {}
        for i, tag in enumerate(tags):
            field = f"tags[{i}]." if prefix is None else prefix
            validation.check_key(f"{field}key", tag.key)
            if not isinstance(tag.value, str):
                raise InvalidParameter(f"{field}value: expected a string")
            validation.check_length(
                f"{field}value", tag.value, validation.MAX_EXPERIMENT_TAG_VALUE_LENGTH
            )
            rows[tag.key] = {"key": tag.key, "value": tag.value}
        return list(rows.values())

    @staticmethod
    def _load(conn: sa.Connection, rows: Sequence[Any]) -> list[Experiment]:
        """Experiments from rows that start with the experiments table's columns (read by
        position, which costs a fraction of a lookup by name), with their tags."""
        out: dict[int, Experiment] = {}
        for r in rows:
            eid, name, _active, location, stage, created, updated = r[:7]
            out[eid] = Experiment(str(eid), name, location, stage, created, updated, [])
        if out:
            for eid, key, value in _TAGS_OF_EXPERIMENTS.rows(conn, list(out)):
                out[eid].tags.append(ExperimentTag(key, value))
        return list(out.values())


_TAGS_OF_EXPERIMENTS = RowsForIds(
    sa.select(experiment_tags.c.experiment_id, experiment_tags.c.key, experiment_tags.c.value),
    experiment_tags.c.experiment_id,
)
#: Searches whose statements are kept (see ExperimentStore.search).
_PLANS_KEPT = 256

_EXPERIMENT_ROW = Prepared(
    lambda _dialect: sa.select(experiments).where(
        experiments.c.experiment_id == sa.bindparam("experiment_id")
    )
)


def require_active_experiment(conn: sa.Connection, eid: int, why: str) -> Any:
    """The experiment's row, or a field-named error if it is missing or deleted."""
    row = _EXPERIMENT_ROW.execute(conn, {"experiment_id": eid}).first()
    if row is None:
        raise ResourceDoesNotExist(f"experiment_id: no experiment with id '{eid}'")
    if row.lifecycle_stage != ACTIVE:
        raise InvalidParameter(f"experiment_id: experiment {eid} is deleted; {why}")
    return row


@contextlib.contextmanager
def _name_race_guard(name: str) -> Iterator[None]:
    """Two concurrent creates of one name: the unique index stops the second."""
    try:
        yield
    except sa.exc.IntegrityError:
        raise ResourceAlreadyExists(
            f"name: an active experiment named {name!r} already exists"
        ) from None


def stage_condition(column: Any, view_type: str) -> Any:
    if view_type == "ACTIVE_ONLY":
        return column == ACTIVE
    if view_type == "DELETED_ONLY":
        return column == DELETED
    if view_type == "ALL":
        return None
    raise InvalidParameter(f"view_type: {view_type!r} is not one of ACTIVE_ONLY, DELETED_ONLY, ALL")
