"""Runs and everything logged into them: params, tags, metrics, inputs, models."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa

from trackbook import validation
from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import (
    ACTIVE,
    DELETED,
    RUN_STATUSES,
    Dataset,
    DatasetInput,
    InputTag,
    Metric,
    ModelOutput,
    Page,
    Param,
    Run,
    RunInfo,
    RunRecord,
    RunTag,
)
from trackbook.search import parse_run_filter, parse_run_order_by
from trackbook.store import filters, paging, run_data
from trackbook.store import metrics as metric_points
from trackbook.store.engine import Database, Prepared, RowsForIds, upsert_statement
from trackbook.store.experiments import (
    join_location,
    now_ms,
    parse_experiment_id,
    require_active_experiment,
    stage_condition,
)
from trackbook.store.quotas import Quotas
from trackbook.store.run_data import METRICS_OF_RUNS, PARAMS_OF_RUNS, TAGS_OF_RUNS
from trackbook.store.run_names import random_run_name
from trackbook.store.schema import (
    datasets,
    experiments,
    input_tags,
    inputs,
    run_model_outputs,
    runs,
)
from trackbook.store.schema import params as run_params
from trackbook.store.schema import tags as run_tags
from trackbook.store.statistics import PlannerStatistics

T = TypeVar("T")

RUN_NAME_TAG = "mlflow.runName"
USER_TAG = "mlflow.user"
MODEL_HISTORY_TAG = "mlflow.log-model.history"
DEFAULT_SEARCH_PAGE = 1000
MAX_SEARCH_PAGE = 50_000
MAX_SEARCH_EXPERIMENTS = 1000
#: Ids per IN list when loading a page: within SQLite's and PostgreSQL's limits on bound
#: parameters, and a modest statement for MySQL, even for a page of 50,000 runs.
LOAD_CHUNK = 5000


class RunStore:
    def __init__(
        self,
        db: Database,
        *,
        max_param_value_length: int,
        max_tag_value_length: int,
        quotas: Quotas | None = None,
    ) -> None:
        self.db = db
        self.max_param_value_length = max_param_value_length
        self.max_tag_value_length = max_tag_value_length
        self.quotas = quotas or Quotas()
        self.statistics = PlannerStatistics(db)
        self._plans: dict[tuple[str, int], _Plan] = {}
        self._scope_sizes: dict[tuple[tuple[int, ...], str], tuple[bool, float]] = {}

    # -- lifecycle -----------------------------------------------------------
    def create(
        self,
        experiment_id: object,
        *,
        user_id: str | None = None,
        run_name: str | None = None,
        start_time: int | None = None,
        tags: Sequence[RunTag] = (),
    ) -> Run:
        eid = parse_experiment_id(experiment_id)
        tag_map = {t.key: t for t in self.check_tags(tags)}
        if run_name and RUN_NAME_TAG in tag_map and tag_map[RUN_NAME_TAG].value != run_name:
            raise InvalidParameter(
                f"run_name: {run_name!r} differs from the {RUN_NAME_TAG} tag"
                f" {tag_map[RUN_NAME_TAG].value!r}; give one name"
            )
        name = run_name or (tag_map[RUN_NAME_TAG].value if RUN_NAME_TAG in tag_map else "")
        name = validation.check_length(
            "run_name", name or random_run_name(), validation.MAX_RUN_NAME_LENGTH
        )
        tag_map[RUN_NAME_TAG] = RunTag(RUN_NAME_TAG, name)
        user = user_id or (tag_map[USER_TAG].value if USER_TAG in tag_map else "")
        validation.check_length("user_id", user, validation.MAX_USER_ID_LENGTH)
        run_id = uuid.uuid4().hex
        with self.db.write() as conn:
            exp = require_active_experiment(
                conn, eid, "runs can only be created in active experiments"
            )
            self.quotas.check_new_run(conn, eid)
            self.quotas.check_tags(conn, run_id, tag_map)
            info = RunInfo(
                run_id=run_id,
                run_name=name,
                experiment_id=str(eid),
                user_id=user,
                status="RUNNING",
                start_time=start_time if start_time is not None else now_ms(),
                end_time=None,
                artifact_uri=join_location(exp.artifact_location, run_id, "artifacts"),
                lifecycle_stage=ACTIVE,
            )
            document = run_data.encode((), (), [(run_id, t.key, t.value) for t in tag_map.values()])
            _INSERT_RUN.execute(
                conn,
                {
                    "run_uuid": run_id,
                    "experiment_id": eid,
                    "name": name,
                    "user_id": user,
                    "status": info.status,
                    "start_time": info.start_time,
                    "end_time": None,
                    "artifact_uri": info.artifact_uri,
                    "lifecycle_stage": ACTIVE,
                    "deleted_time": None,
                    "data_json": document,
                },
            )
            _INSERT_TAG.execute_many(
                conn,
                [{"run_uuid": run_id, "key": t.key, "value": t.value} for t in tag_map.values()],
            )
        self.statistics.runs_created()
        return Run(info=info, tags=list(tag_map.values()))

    def update(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        values: dict[str, Any] = {}
        if status is not None:
            if status not in RUN_STATUSES:
                raise InvalidParameter(
                    f"status: {status!r} is not one of {', '.join(RUN_STATUSES)}"
                )
            values["status"] = status
        if end_time is not None:
            values["end_time"] = end_time
        if run_name:
            values["name"] = validation.check_length(
                "run_name", run_name, validation.MAX_RUN_NAME_LENGTH
            )
        with self.db.write() as conn:
            row = self._require_active(conn, run_id)
            if values:
                conn.execute(runs.update().where(runs.c.run_uuid == run_id).values(**values))
            if run_name:
                self._write_tags(conn, run_id, [RunTag(RUN_NAME_TAG, run_name)])
                change = run_data.Change(tags=[(RUN_NAME_TAG, run_name)])
                run_data.refresh(conn, run_id, row.data_json, change)
            return self._infos(conn, [run_id])[run_id]

    def delete(self, run_id: str) -> None:
        with self.db.write() as conn:
            self._row(conn, run_id)
            conn.execute(
                runs.update()
                .where(runs.c.run_uuid == run_id)
                .values(lifecycle_stage=DELETED, deleted_time=now_ms())
            )

    def restore(self, run_id: str) -> None:
        with self.db.write() as conn:
            row = self._row(conn, run_id)
            stage = conn.execute(
                sa.select(experiments.c.lifecycle_stage).where(
                    experiments.c.experiment_id == row.experiment_id
                )
            ).scalar_one()
            if stage != ACTIVE:
                raise InvalidParameter(
                    f"run_id: run '{run_id}' belongs to deleted experiment"
                    f" {row.experiment_id}; restore the experiment first"
                )
            conn.execute(
                runs.update()
                .where(runs.c.run_uuid == run_id)
                .values(lifecycle_stage=ACTIVE, deleted_time=None)
            )

    # -- logging -------------------------------------------------------------
    def log_batch(
        self,
        run_id: str,
        *,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Write metrics, params and tags of one run in one transaction, or nothing."""
        _check_batch_sizes(len(metrics), len(params), len(tags))
        checked_params = self.check_params(params)
        checked_tags = self.check_tags(tags)
        checked_metrics = check_metrics(metrics)
        with self.db.write() as conn:
            row = self._require_active(conn, run_id)
            if checked_params:
                self.quotas.check_params(conn, run_id, (p.key for p in checked_params))
                self._write_params(conn, run_id, checked_params)
            if checked_tags:
                self.quotas.check_tags(conn, run_id, (t.key for t in checked_tags))
                self._write_tags(conn, run_id, checked_tags)
            if checked_metrics:
                self.quotas.check_metric_steps(
                    conn, run_id, Counter(m.key for m in checked_metrics)
                )
                metric_points.insert_points(self.db, conn, run_id, checked_metrics)
            if checked_params or checked_tags or checked_metrics:
                change = run_data.Change(
                    params=[(p.key, p.value) for p in checked_params],
                    tags=[(t.key, t.value) for t in checked_tags],
                    metric_keys=list({m.key: None for m in checked_metrics}),
                )
                run_data.refresh(conn, run_id, row.data_json, change)

    def log_metric(self, run_id: str, metric: Metric) -> None:
        self.log_batch(run_id, metrics=[metric])

    def log_param(self, run_id: str, param: Param) -> None:
        self.log_batch(run_id, params=[param])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        self.log_batch(run_id, tags=[tag])

    def delete_tag(self, run_id: str, key: str) -> None:
        with self.db.write() as conn:
            row = self._require_active(conn, run_id)
            deleted = conn.execute(
                run_tags.delete().where(run_tags.c.run_uuid == run_id, run_tags.c.key == key)
            )
            if deleted.rowcount == 0:
                raise ResourceDoesNotExist(f"key: run '{run_id}' has no tag {key!r}")
            run_data.refresh(conn, run_id, row.data_json, run_data.Change(deleted_tags=[key]))

    def log_inputs(self, run_id: str, dataset_inputs: Sequence[DatasetInput]) -> None:
        checked = [_check_dataset_input(f"datasets[{i}]", d) for i, d in enumerate(dataset_inputs)]
        with self.db.write() as conn:
            row = self._require_active(conn, run_id)
            for item in checked:
                ds = item.dataset
                found = conn.execute(
                    sa.select(datasets.c.dataset_uuid).where(
                        datasets.c.experiment_id == row.experiment_id,
                        datasets.c.name == ds.name,
                        datasets.c.digest == ds.digest,
                    )
                ).first()
                if found is None:
                    dataset_id = uuid.uuid4().hex
                    conn.execute(
                        datasets.insert().values(
                            dataset_uuid=dataset_id,
                            experiment_id=row.experiment_id,
                            name=ds.name,
                            digest=ds.digest,
                            source_type=ds.source_type,
                            source=ds.source,
                            schema=ds.schema,
                            profile=ds.profile,
                        )
                    )
                else:
                    dataset_id = found.dataset_uuid
                conn.execute(
                    self.db.insert_ignore(inputs, ["run_uuid", "dataset_uuid"]),
                    [{"run_uuid": run_id, "dataset_uuid": dataset_id}],
                )
                if item.tags:
                    conn.execute(
                        self.db.upsert(input_tags, ["run_uuid", "dataset_uuid", "key"], ["value"]),
                        [
                            {
                                "run_uuid": run_id,
                                "dataset_uuid": dataset_id,
                                "key": t.key,
                                "value": t.value,
                            }
                            for t in item.tags
                        ],
                    )

    def log_model(self, run_id: str, model_json: str) -> None:
        """Append an MLmodel description to the run's ``mlflow.log-model.history`` tag."""
        try:
            model = orjson.loads(model_json)
        except orjson.JSONDecodeError as exc:
            raise InvalidParameter(f"model_json: not valid JSON ({exc})") from None
        if not isinstance(model, dict):
            raise InvalidParameter("model_json: expected a JSON object")
        with self.db.write() as conn:
            row = self._require_active(conn, run_id)
            current = conn.execute(
                sa.select(run_tags.c.value).where(
                    run_tags.c.run_uuid == run_id, run_tags.c.key == MODEL_HISTORY_TAG
                )
            ).scalar()
            history = orjson.loads(current) if current else []
            history.append(model)
            value = orjson.dumps(history).decode()
            self._write_tags(conn, run_id, [RunTag(MODEL_HISTORY_TAG, value)])
            change = run_data.Change(tags=[(MODEL_HISTORY_TAG, value)])
            run_data.refresh(conn, run_id, row.data_json, change)

    # -- reads ---------------------------------------------------------------
    def get(self, run_id: str) -> Run:
        with self.db.read() as conn:
            loaded = self._load(conn, [run_id])
        if not loaded:
            raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")
        return loaded[0]

    def get_record(self, run_id: str) -> RunRecord:
        """The run as the API sends it: its data as the stored JSON document."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*_RECORD_COLUMNS).where(runs.c.run_uuid == run_id)).all()
            if not rows:
                raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")
            return self._records(conn, rows)[0]

    def search(
        self,
        experiment_ids: Sequence[object],
        *,
        filter_string: str | None = None,
        run_view_type: str = "ACTIVE_ONLY",
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        """One page of the runs of ``experiment_ids`` that match ``filter_string``.

        The page is read with one query for the runs (filtered, ordered and cut at the
        page's end by the keyset in ``page_token``) and one per entity type for their
        params, tags, metrics and inputs. See docs/search.md.
        """
        return self._search(
            experiment_ids,
            filter_string,
            run_view_type,
            max_results,
            order_by,
            page_token,
            _INFO_COLUMNS,
            lambda conn, rows: self._attach(conn, [_run_info(r) for r in rows]),
        )

    def search_records(
        self,
        experiment_ids: Sequence[object],
        *,
        filter_string: str | None = None,
        run_view_type: str = "ACTIVE_ONLY",
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RunRecord]:
        """:meth:`search` for the API: each run's data is its stored JSON document, so a
        page is one row per run rather than one per param, tag and metric."""
        return self._search(
            experiment_ids,
            filter_string,
            run_view_type,
            max_results,
            order_by,
            page_token,
            _RECORD_COLUMNS,
            self._records,
        )

    def _search(
        self,
        experiment_ids: Sequence[object],
        filter_string: str | None,
        run_view_type: str,
        max_results: int | None,
        order_by: list[str] | None,
        page_token: str | None,
        columns: Sequence[Any],
        materialize: Callable[[sa.Connection, Sequence[Any]], list[T]],
    ) -> Page[T]:
        limit = paging.page_size("max_results", max_results, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE)
        if len(experiment_ids) > MAX_SEARCH_EXPERIMENTS:
            raise InvalidParameter(
                f"experiment_ids: {len(experiment_ids)} given;"
                f" the limit is {MAX_SEARCH_EXPERIMENTS}"
            )
        eids = sorted(
            {parse_experiment_id(e, f"experiment_ids[{i}]") for i, e in enumerate(experiment_ids)}
        )
        stage = stage_condition(runs.c.lifecycle_stage, run_view_type)
        condition = parse_run_filter(filter_string)
        search_id = paging.fingerprint(
            "runs", eids, filter_string or "", list(order_by or []), run_view_type
        )
        plan = self._plans.get((search_id, len(columns)))
        if plan is None:
            plan = _Plan(filters.run_ordering(parse_run_order_by(order_by)))
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()
            self._plans[(search_id, len(columns))] = plan
        ordering = plan.ordering
        after = paging.decode_cursor(page_token, search_id, ordering.terms)
        if not eids:
            return Page([], None)
        in_scope = [
            runs.c.experiment_id == eids[0] if len(eids) == 1 else runs.c.experiment_id.in_(eids)
        ]
        if stage is not None:
            in_scope.append(stage)
        with self.db.read() as conn, paging.cyclic_gc_paused():
            walk_sort_index = bool(ordering.phases) and self._walk_sort_index(
                conn, (tuple(eids), run_view_type), in_scope
            )

            def build(index: int | None, phase: paging.Phase | None) -> Any:
                """The SELECT of a phase: filters tested through the sort row while its
                index is walked (and, on SQLite, the scope kept from driving the plan)."""
                sort_row_id = None if phase is None else phase.run_id
                where = in_scope
                if sort_row_id is not None and walk_sort_index:
                    where = _not_indexable(eids, run_view_type)
                stmt = sa.select(*columns, *ordering.columns(index)).where(*where)
                if condition is None:
                    return stmt
                return stmt.where(filters.run_condition(condition, run_id=sort_row_id))

            built = plan.walking if walk_sort_index else plan.scanning
            rows = paging.fetch(conn, build, ordering, after, limit + 1, built)
            items = materialize(conn, rows[:limit])
        token = None
        if len(rows) > limit:
            last = tuple(rows[limit - 1])[len(columns) :]
            token = paging.encode_cursor(search_id, paging.cursor_values(ordering.terms, last))
        return Page(items, token)

    # -- validation ----------------------------------------------------------
    def check_params(self, items: Sequence[Param]) -> list[Param]:
        seen: dict[str, str] = {}
        out = []
        for i, p in enumerate(items):
            field = f"params[{i}]"
            validation.check_key(f"{field}.key", p.key)
            if not isinstance(p.value, str):
                raise InvalidParameter(f"{field}.value: expected a string")
            validation.check_length(f"{field}.value", p.value, self.max_param_value_length)
            if p.key in seen:
                if seen[p.key] != p.value:
                    raise InvalidParameter(
                        f"{field}: param {p.key!r} is given twice with different values"
                        f" ({seen[p.key]!r} and {p.value!r})"
                    )
                continue
            seen[p.key] = p.value
            out.append(p)
        return out

    def check_tags(self, items: Sequence[RunTag]) -> list[RunTag]:
        latest: dict[str, RunTag] = {}
        for i, t in enumerate(items):
            field = f"tags[{i}]"
            validation.check_key(f"{field}.key", t.key)
            if not isinstance(t.value, str):
                raise InvalidParameter(f"{field}.value: expected a string")
            if t.key not in validation.UNBOUNDED_TAGS:
                validation.check_length(f"{field}.value", t.value, self.max_tag_value_length)
            if t.key == RUN_NAME_TAG:
                validation.check_length(f"{field}.value", t.value, validation.MAX_RUN_NAME_LENGTH)
            latest[t.key] = t
        return list(latest.values())

    # -- helpers -------------------------------------------------------------
    def _row(self, conn: sa.Connection, run_id: str) -> Any:
        row = conn.execute(
            sa.select(runs.c.run_uuid, runs.c.experiment_id, runs.c.lifecycle_stage).where(
                runs.c.run_uuid == run_id
            )
        ).first()
        if row is None:
            raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")
        return row

    def _require_active(self, conn: sa.Connection, run_id: str) -> Any:
        """The run's row, locked until the transaction ends (PostgreSQL and MySQL; SQLite
        has one writer at a time anyway): writers of one run queue here, so each one
        rewrites the data document from what the ones before it committed."""
        row = _LOCK_RUN.execute(conn, {"run_id": run_id}).first()
        if row is None:
            raise ResourceDoesNotExist(f"run_id: run '{run_id}' not found")
        if row.lifecycle_stage != ACTIVE:
            raise InvalidParameter(
                f"run_id: run '{run_id}' is deleted; restore it before changing it"
            )
        return row

    def _write_params(self, conn: sa.Connection, run_id: str, items: list[Param]) -> None:
        keys = [p.key for p in items]
        existing: dict[str, str] = {
            key: value
            for key, value in run_data.rows_of_keys(conn, "params", ["value"], run_id, keys)
        }
        for p in items:
            old = existing.get(p.key)
            if old is not None and old != p.value:
                raise InvalidParameter(
                    f"params: param {p.key!r} of run '{run_id}' is already {old!r}; params are"
                    f" write-once and cannot be changed to {p.value!r}"
                )
        new = [
            {"run_uuid": run_id, "key": p.key, "value": p.value}
            for p in items
            if p.key not in existing
        ]
        if new:
            try:
                _INSERT_PARAM.execute_many(conn, new)
            except sa.exc.IntegrityError:
                raise InvalidParameter(
                    f"params: another request wrote params of run '{run_id}' at the same"
                    " time; retry to see whether the values agree"
                ) from None

    def _write_tags(self, conn: sa.Connection, run_id: str, items: Sequence[RunTag]) -> None:
        _UPSERT_TAG.execute_many(
            conn, [{"run_uuid": run_id, "key": t.key, "value": t.value} for t in items]
        )
        for t in items:
            if t.key == RUN_NAME_TAG:
                conn.execute(runs.update().where(runs.c.run_uuid == run_id).values(name=t.value))

    def _infos(self, conn: sa.Connection, run_ids: Sequence[str]) -> dict[str, RunInfo]:
        rows = conn.execute(sa.select(*_INFO_COLUMNS).where(runs.c.run_uuid.in_(run_ids)))
        return {r[0]: _run_info(r) for r in rows}

    def _load(self, conn: sa.Connection, run_ids: Sequence[str]) -> list[Run]:
        """Whole runs for a list of ids, in that order (unknown ids are left out)."""
        if not run_ids:
            return []
        infos = self._infos(conn, run_ids)
        return self._attach(conn, [infos[rid] for rid in run_ids if rid in infos])

    def _attach(self, conn: sa.Connection, infos: Sequence[RunInfo]) -> list[Run]:
        """Runs with their params, tags, latest metrics and inputs: one query per entity
        type for each chunk of ids, never one per run."""
        out = {info.run_id: Run(info=info) for info in infos}
        ids = list(out)
        params_of = {rid: run.params for rid, run in out.items()}
        tags_of = {rid: run.tags for rid, run in out.items()}
        metrics_of = {rid: run.metrics for rid, run in out.items()}
        finite = metric_points.FINITE
        for start in range(0, len(ids), LOAD_CHUNK):
            chunk = ids[start : start + LOAD_CHUNK]
            # Rows arrive grouped by run, so the list to append to is looked up only when
            # the run changes (a dict lookup hashes the 32-character id).
            current, params = "", []
            for rid, key, value in PARAMS_OF_RUNS.rows(conn, chunk):
                if rid != current:
                    current, params = rid, params_of[rid]
                params.append(Param(key, value))
            current, tags = "", []
            for rid, key, value in TAGS_OF_RUNS.rows(conn, chunk):
                if rid != current:
                    current, tags = rid, tags_of[rid]
                tags.append(RunTag(key, value))
            current, points = "", []
            for rid, key, value, kind, timestamp, step in METRICS_OF_RUNS.rows(conn, chunk):
                if rid != current:
                    current, points = rid, metrics_of[rid]
                if kind != finite:
                    value = metric_points.decode(value, kind)
                points.append(Metric(key, value, timestamp, step))
            self._load_inputs(conn, out, chunk)
            for r in _OUTPUTS_OF_RUNS.rows(conn, chunk):
                out[r.run_uuid].outputs.append(ModelOutput(r.model_id, r.step))
        return list(out.values())

    def _walk_sort_index(
        self, conn: sa.Connection, scope: tuple[tuple[int, ...], str], in_scope: list[Any]
    ) -> bool:
        """Whether to make SQLite walk the sort key's (key, value) index rather than the
        runs of the experiments searched.

        PostgreSQL and MySQL know from their statistics how many runs an experiment has
        and choose themselves. SQLite does not: it assumes a handful and would read every
        run of a 100,000-run experiment to sort them, where walking the index in order
        stops after one page. Below SORTED_WALK_MIN_RUNS runs in scope, reading them all
        is cheap and safe (the sort key may belong to many runs of other experiments);
        from there on, the index walk wins. Counting up to the threshold reads at most
        that many index entries; the answer is kept for a while (it only steers the plan,
        both plans return the same rows).
        """
        if conn.dialect.name != "sqlite":
            return False
        now = time.monotonic()
        known = self._scope_sizes.get(scope)
        if known is not None and known[1] > now:
            return known[0]
        large = _count_reaches_threshold(conn, in_scope)
        if len(self._scope_sizes) >= _PLANS_KEPT:
            self._scope_sizes.clear()
        ttl = _LARGE_SCOPE_SECONDS if large else _SMALL_SCOPE_SECONDS
        self._scope_sizes[scope] = (large, now + ttl)
        return large

    def _records(self, conn: sa.Connection, rows: Sequence[Any]) -> list[RunRecord]:
        """Records from rows that start with the _RECORD_COLUMNS; runs whose row keeps no
        document (too large) get one built from their child rows."""
        out: dict[str, RunRecord] = {}
        missing, with_inputs, with_outputs = [], [], []
        at = len(_INFO_COLUMNS)
        for r in rows:
            rid, document, has_inputs, has_outputs = r[0], r[at], r[at + 1], r[at + 2]
            out[rid] = RunRecord(_run_info(r), document)
            if document is None:
                missing.append(rid)
            if has_inputs:
                with_inputs.append(rid)
            if has_outputs:
                with_outputs.append(rid)
        for start in range(0, len(missing), LOAD_CHUNK):
            chunk = missing[start : start + LOAD_CHUNK]
            for rid, document in run_data.encode_runs(conn, chunk).items():
                out[rid].data_json = document
        for start in range(0, len(with_inputs), LOAD_CHUNK):
            self._load_inputs(conn, out, with_inputs[start : start + LOAD_CHUNK])
        for start in range(0, len(with_outputs), LOAD_CHUNK):
            for o in _OUTPUTS_OF_RUNS.rows(conn, with_outputs[start : start + LOAD_CHUNK]):
                out[o.run_uuid].outputs.append(ModelOutput(o.model_id, o.step))
        return list(out.values())

    @staticmethod
    def _load_inputs(
        conn: sa.Connection, out: Mapping[str, Run] | Mapping[str, RunRecord], run_ids: list[str]
    ) -> None:
        rows = _INPUTS_OF_RUNS.rows(conn, run_ids)
        if not rows:
            return
        tag_rows = _INPUT_TAGS_OF_RUNS.rows(conn, run_ids)
        by_input: dict[tuple[str, str], list[InputTag]] = {}
        for t in tag_rows:
            by_input.setdefault((t.run_uuid, t.dataset_uuid), []).append(InputTag(t.key, t.value))
        for r in rows:
            ds = Dataset(
                name=r.name,
                digest=r.digest,
                source_type=r.source_type,
                source=r.source,
                schema=r.schema,
                profile=r.profile,
            )
            out[r.run_uuid].inputs.append(
                DatasetInput(ds, by_input.get((r.run_uuid, r.dataset_uuid), []))
            )


_INPUTS_OF_RUNS = RowsForIds(
    sa.select(inputs.c.run_uuid, datasets).select_from(
        inputs.join(datasets, inputs.c.dataset_uuid == datasets.c.dataset_uuid)
    ),
    inputs.c.run_uuid,
)
_INPUT_TAGS_OF_RUNS = RowsForIds(sa.select(input_tags), input_tags.c.run_uuid)
_OUTPUTS_OF_RUNS = RowsForIds(
    sa.select(run_model_outputs), run_model_outputs.c.run_uuid, order_by=("step", "model_id")
)

#: From how many runs in scope on, SQLite walks the sort key's index (see _walk_sort_index).
SORTED_WALK_MIN_RUNS = 2000


#: How long a count of the runs in scope is trusted, by its answer: an experiment that has
#: reached the threshold rarely drops below it; a small one may be filling up.
_LARGE_SCOPE_SECONDS = 60.0
_SMALL_SCOPE_SECONDS = 5.0
#: Searches whose ordered statements are kept (see _Plan).
_PLANS_KEPT = 256


@dataclass
class _Plan:
    """The order of one search (experiments, filter, order, view) and its statements,
    kept so that asking again, or for the next page, does not build them again. The
    statements and the ordering's expressions belong together: a keyset condition must
    name the very aliases the statement selects from."""

    ordering: paging.Ordering
    scanning: dict[int | None, Any] = field(default_factory=dict)
    walking: dict[int | None, Any] = field(default_factory=dict)


def _count_reaches_threshold(conn: sa.Connection, in_scope: list[Any]) -> bool:
    probe = sa.select(sa.literal(1)).select_from(runs).where(*in_scope)
    counted = sa.select(sa.func.count()).select_from(probe.limit(SORTED_WALK_MIN_RUNS).subquery())
    return bool(conn.execute(counted).scalar_one() >= SORTED_WALK_MIN_RUNS)


def _not_indexable(eids: list[int], view_type: str) -> list[Any]:
    """The scope of a search written so that SQLite cannot use an index for it (``x + 0``
    and ``x || ''`` mean x but match no index), which leaves it the sort key's index."""
    experiment = runs.c.experiment_id + 0
    scope = [experiment == eids[0] if len(eids) == 1 else experiment.in_(eids)]
    stage = stage_condition(runs.c.lifecycle_stage.concat(""), view_type)
    if stage is not None:
        scope.append(stage)
    return scope


_INFO_COLUMNS = (
    runs.c.run_uuid,
    runs.c.name,
    runs.c.experiment_id,
    runs.c.user_id,
    runs.c.status,
    runs.c.start_time,
    runs.c.end_time,
    runs.c.artifact_uri,
    runs.c.lifecycle_stage,
)
#: A record also says whether the run has inputs or model outputs, so that only those
#: runs are looked up in those tables (most runs have neither).
_RECORD_COLUMNS = (
    *_INFO_COLUMNS,
    runs.c.data_json,
    sa.exists().where(inputs.c.run_uuid == runs.c.run_uuid).label("has_inputs"),
    sa.exists().where(run_model_outputs.c.run_uuid == runs.c.run_uuid).label("has_outputs"),
)

_LOCK_RUN = Prepared(
    lambda _dialect: (
        sa.select(runs.c.run_uuid, runs.c.experiment_id, runs.c.lifecycle_stage, runs.c.data_json)
        .where(runs.c.run_uuid == sa.bindparam("run_id"))
        .with_for_update()
    )
)
_UPSERT_TAG = Prepared(
    lambda dialect: upsert_statement(dialect, run_tags, ["run_uuid", "key"], ["value"])
)
_INSERT_TAG = Prepared(lambda _dialect: run_tags.insert())
_INSERT_PARAM = Prepared(lambda _dialect: run_params.insert())
_INSERT_RUN = Prepared(lambda _dialect: runs.insert())


def _run_info(r: Any) -> RunInfo:
    """A RunInfo from a row that starts with the _INFO_COLUMNS (read by position: a named
    lookup on a row costs several times more, and a page has a thousand of them)."""
    rid, name, eid, user, status, start, end, uri, stage = r[:9]
    return RunInfo(
        run_id=rid,
        run_name=name,
        experiment_id=str(eid),
        user_id=user,
        status=status,
        start_time=start,
        end_time=end,
        artifact_uri=uri,
        lifecycle_stage=stage,
    )


def _check_batch_sizes(n_metrics: int, n_params: int, n_tags: int) -> None:
    if n_metrics > validation.MAX_METRICS_PER_BATCH:
        raise InvalidParameter(
            f"metrics: {n_metrics} metrics in one batch; the limit is"
            f" {validation.MAX_METRICS_PER_BATCH}"
        )
    if n_params > validation.MAX_PARAMS_TAGS_PER_BATCH:
        raise InvalidParameter(
            f"params: {n_params} params in one batch; the limit is"
            f" {validation.MAX_PARAMS_TAGS_PER_BATCH}"
        )
    if n_tags > validation.MAX_PARAMS_TAGS_PER_BATCH:
        raise InvalidParameter(
            f"tags: {n_tags} tags in one batch; the limit is {validation.MAX_PARAMS_TAGS_PER_BATCH}"
        )
    total = n_metrics + n_params + n_tags
    if total > validation.MAX_ENTITIES_PER_BATCH:
        raise InvalidParameter(
            f"metrics, params, tags: {total} entities in one batch; the limit is"
            f" {validation.MAX_ENTITIES_PER_BATCH}"
        )


def check_metrics(items: Sequence[Metric]) -> list[Metric]:
    for i, m in enumerate(items):
        validation.check_key(f"metrics[{i}].key", m.key)
        if type(m.value) is not float:
            m.value = validation.check_metric_value(f"metrics[{i}].value", m.value)
        if type(m.timestamp) is not int:
            raise InvalidParameter(f"metrics[{i}].timestamp: expected an integer")
        if type(m.step) is not int:
            raise InvalidParameter(f"metrics[{i}].step: expected an integer")
    return list(items)


def _check_dataset_input(field: str, item: DatasetInput) -> DatasetInput:
    ds = item.dataset
    for name, limit, required in (
        ("name", validation.MAX_DATASET_NAME_LENGTH, True),
        ("digest", validation.MAX_DATASET_DIGEST_LENGTH, True),
        ("source_type", validation.MAX_DATASET_SOURCE_TYPE_LENGTH, True),
        ("source", validation.MAX_DATASET_SOURCE_LENGTH, True),
        ("schema", validation.MAX_DATASET_SCHEMA_LENGTH, False),
        ("profile", validation.MAX_DATASET_PROFILE_LENGTH, False),
    ):
        value = getattr(ds, name)
        if value is None or value == "":
            if required:
                raise InvalidParameter(f"{field}.dataset.{name}: required")
            continue
        if not isinstance(value, str):
            raise InvalidParameter(f"{field}.dataset.{name}: expected a string")
        validation.check_length(f"{field}.dataset.{name}", value, limit)
    for j, t in enumerate(item.tags):
        if not isinstance(t.key, str) or not t.key:
            raise InvalidParameter(f"{field}.tags[{j}].key: required")
        validation.check_length(
            f"{field}.tags[{j}].key", t.key, validation.MAX_INPUT_TAG_KEY_LENGTH
        )
        if not isinstance(t.value, str):
            raise InvalidParameter(f"{field}.tags[{j}].value: expected a string")
        validation.check_length(
            f"{field}.tags[{j}].value", t.value, validation.MAX_INPUT_TAG_VALUE_LENGTH
        )
    return item
