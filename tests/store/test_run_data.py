"""The run data document on each run's row: always what the child tables hold."""

from __future__ import annotations

import math
import threading
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from trackbook.errors import InvalidParameter
from trackbook.models import Dataset, DatasetInput, InputTag, Metric, ModelOutput, Param, RunTag
from trackbook.store import Database, Store, migrations, run_data
from trackbook.store.schema import runs
from trackbook.web.api import serialize


def _new_run(store: Store) -> str:
    eid = store.experiments.create(f"docs-{uuid.uuid4().hex[:8]}")
    return store.runs.create(eid, user_id="alice", run_name="first").info.run_id


def _stored(store: Store, run_id: str) -> Any:
    with store.db.read() as conn:
        raw = conn.execute(sa.select(runs.c.data_json).where(runs.c.run_uuid == run_id)).scalar()
    return None if raw is None else orjson.loads(raw)


def _from_children(store: Store, run_id: str) -> Any:
    """What the params, tags and latest_metrics tables say, via the Run objects."""
    data = serialize.run(store.runs.get(run_id))["data"]
    return {name: sorted(entries, key=lambda e: e["key"]) for name, entries in data.items()}


def _check(store: Store, run_id: str) -> Any:
    stored = _stored(store, run_id)
    assert stored == _from_children(store, run_id)
    record = store.runs.get_record(run_id)
    assert orjson.loads(record.data_json) == stored
    return stored


def test_a_new_run_has_its_tags(store: Store) -> None:
    run_id = _new_run(store)
    doc = _check(store, run_id)
    assert doc["metrics"] == [] and doc["params"] == []
    assert doc["tags"] == [{"key": "mlflow.runName", "value": "first"}]


def test_every_kind_of_write_keeps_the_document_exact(store: Store) -> None:
    run_id = _new_run(store)
    store.runs.log_batch(
        run_id,
        metrics=[
            Metric("loss", 0.1 + 0.2, 100, 0),
            Metric("loss", 1 / 3, 200, 1),
            Metric("nan", math.nan, 100, 0),
            Metric("up", math.inf, 100, 0),
            Metric("down", -math.inf, 100, 0),
        ],
        params=[Param("lr", "0.001"), Param("model", 'résnet "50"\n')],
        tags=[RunTag("team", "vision")],
    )
    doc = _check(store, run_id)
    assert {m["key"]: m["value"] for m in doc["metrics"]} == {
        "down": "-Infinity",
        "loss": 1 / 3,
        "nan": "NaN",
        "up": "Infinity",
    }
    store.runs.log_metric(run_id, Metric("loss", 0.5, 50, 7))  # older: latest stays 1/3
    assert {m["key"]: m["value"] for m in _check(store, run_id)["metrics"]}["loss"] == 1 / 3
    store.runs.log_metric(run_id, Metric("loss", 0.25, 300, 2))
    store.runs.set_tag(run_id, RunTag("team", "nlp"))
    store.runs.log_param(run_id, Param("seed", "7"))
    store.runs.delete_tag(run_id, "team")
    store.runs.update(run_id, run_name="renamed", status="FINISHED")
    store.runs.log_model(run_id, '{"artifact_path": "model"}')
    doc = _check(store, run_id)
    assert {m["key"]: (m["value"], m["step"]) for m in doc["metrics"]}["loss"] == (0.25, 2)
    tags = {t["key"]: t["value"] for t in doc["tags"]}
    assert "team" not in tags
    assert tags["mlflow.runName"] == "renamed"
    assert "mlflow.log-model.history" in tags
    assert [p["key"] for p in doc["params"]] == ["lr", "model", "seed"]


def test_a_failed_batch_leaves_the_document_as_it_was(store: Store) -> None:
    run_id = _new_run(store)
    store.runs.log_param(run_id, Param("lr", "0.1"))
    before = _check(store, run_id)
    with pytest.raises(InvalidParameter, match="write-once"):
        store.runs.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)], params=[Param("lr", "0.2")])
    assert _check(store, run_id) == before


def test_a_run_too_large_for_a_document_is_read_from_its_rows(store: Store) -> None:
    run_id = _new_run(store)
    big = "x" * 5000
    params = [Param(f"p{i:03d}", big) for i in range(run_data.MAX_BYTES // 5000 + 2)]
    store.runs.log_batch(run_id, params=params[:90])
    store.runs.log_batch(run_id, params=params[90:])
    assert _stored(store, run_id) is None
    record = store.runs.get_record(run_id)
    assert orjson.loads(record.data_json) == _from_children(store, run_id)
    page = store.runs.search_records([store.runs.get(run_id).info.experiment_id])
    assert [orjson.loads(r.data_json) for r in page.items] == [_from_children(store, run_id)]
    store.runs.set_tag(run_id, RunTag("note", "still too large"))
    assert _stored(store, run_id) is None


def test_search_records_match_search(store: Store) -> None:
    eid = store.experiments.create(f"docs-{uuid.uuid4().hex[:8]}")
    for i in range(7):
        rid = store.runs.create(eid, run_name=f"r{i}", start_time=1000 + i).info.run_id
        store.runs.log_batch(
            rid,
            metrics=[Metric("acc", i / 7, 5, i)],
            params=[Param("i", str(i))],
            tags=[RunTag("even", str(i % 2 == 0))],
        )
    query = {"filter_string": "metrics.acc > 0.2", "order_by": ["params.i DESC"], "max_results": 3}
    runs_page = store.runs.search([eid], **query)  # type: ignore[arg-type]
    records = store.runs.search_records([eid], **query)  # type: ignore[arg-type]
    assert runs_page.next_page_token == records.next_page_token
    assert [r.info for r in records.items] == [r.info for r in runs_page.items]
    for run, record in zip(runs_page.items, records.items, strict=True):
        expected = serialize.run(run)
        expected["data"] = {
            name: sorted(entries, key=lambda e: e["key"])
            for name, entries in expected["data"].items()
        }
        assert orjson.loads(orjson.dumps(serialize.run_record(record))) == expected


def test_migration_fills_documents_of_runs_stored_before_it(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrations.upgrade(db, "0006")
        with db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO experiments (experiment_id, name, active_name, artifact_location,"
                " lifecycle_stage, creation_time, last_update_time)"
                " VALUES (5, 'old', 'old', '/tmp/a', 'active', 1, 1)"
            )
            for n in range(3):
                rid = f"{n:032d}"
                conn.exec_driver_sql(
                    "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time,"
                    " artifact_uri, lifecycle_stage) VALUES (?, 5, ?, 'u', 'FINISHED', 1, '/a',"
                    " 'active')",
                    (rid, f"run{n}"),
                )
                conn.exec_driver_sql(
                    "INSERT INTO params (run_uuid, key, value) VALUES (?, 'n', ?)", (rid, str(n))
                )
                conn.exec_driver_sql(
                    "INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, kind)"
                    " VALUES (?, 'm', 3, 4, NULL, 1)",
                    (rid,),
                )
        migrations.upgrade(db)
        with db.read() as conn:
            docs = dict(conn.exec_driver_sql("SELECT run_uuid, data_json FROM runs").all())
        assert {rid: orjson.loads(doc) for rid, doc in docs.items()} == {
            f"{n:032d}": {
                "metrics": [{"key": "m", "value": "NaN", "timestamp": 4, "step": 3}],
                "params": [{"key": "n", "value": str(n)}],
                "tags": [],
            }
            for n in range(3)
        }
    finally:
        db.dispose()


def test_concurrent_writers_of_one_run_leave_an_exact_document(store: Store) -> None:
    """Each writer locks the run's row, so none rewrites the document from a state that
    another writer has changed since (on PostgreSQL and MySQL writes run in parallel)."""
    run_id = _new_run(store)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                store.runs.log_batch(
                    run_id,
                    metrics=[Metric(f"w{worker}", float(i), i, i)],
                    params=[Param(f"w{worker}-{i}", "x")],
                    tags=[RunTag(f"w{worker}", str(i))],
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    doc = _check(store, run_id)
    assert len(doc["params"]) == 60
    assert {m["key"]: m["value"] for m in doc["metrics"]} == {f"w{w}": 14.0 for w in range(4)}


def test_records_carry_inputs_and_outputs_of_the_runs_that_have_them(store: Store) -> None:
    eid = store.experiments.create(f"docs-{uuid.uuid4().hex[:8]}")
    plain = store.runs.create(eid, run_name="plain", start_time=1).info.run_id
    rich = store.runs.create(eid, run_name="rich", start_time=2).info.run_id
    dataset = Dataset(name="train", digest="abc", source_type="local", source="/data")
    store.runs.log_inputs(rich, [DatasetInput(dataset, [InputTag("mlflow.data.context", "train")])])
    model = store.logged_models.create(eid, name="model", source_run_id=rich)
    store.logged_models.log_outputs(rich, [ModelOutput(model.model_id, 3)])
    page = store.runs.search_records([eid], order_by=["attributes.start_time DESC"])
    by_name = {r.info.run_name: r for r in page.items}
    assert by_name["plain"].inputs == [] and by_name["plain"].outputs == []
    assert [(d.dataset.name, [t.value for t in d.tags]) for d in by_name["rich"].inputs] == [
        ("train", ["train"])
    ]
    assert by_name["rich"].outputs == [ModelOutput(model.model_id, 3)]
    single = store.runs.get_record(rich)
    assert single.inputs == by_name["rich"].inputs and single.outputs == by_name["rich"].outputs
    assert store.runs.get_record(plain).inputs == []
