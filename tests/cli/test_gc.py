"""``trackbook gc`` removes deleted runs, their metadata and their artifact files."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trackbook.cli import main
from trackbook.cli.gc import parse_age
from trackbook.config import Settings
from trackbook.models import Metric
from trackbook.store import Store


def test_parse_age() -> None:
    assert parse_age("30d") == 30 * 86_400_000
    assert parse_age("1d12h") == 36 * 3_600_000
    assert parse_age("45s") == 45_000


def test_gc_removes_runs_and_files(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'gc.db'}"
    destination = tmp_path / "artifacts"
    store = Store.open(Settings(backend_store_uri=uri, artifacts_destination=str(destination)))
    eid = store.experiments.create("gc-cli")
    kept = store.runs.create(eid).info
    gone = store.runs.create(eid).info
    for run in (kept, gone):
        store.runs.log_metric(run.run_id, Metric("m", 1.0, 1, 0))
        folder = destination / eid / run.run_id / "artifacts"
        folder.mkdir(parents=True)
        (folder / "model.txt").write_text("weights")
    store.runs.delete(gone.run_id)
    store.close()

    args = ["gc", "--backend-store-uri", uri, "--artifacts-destination", str(destination)]
    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove run {gone.run_id}" in dry.output
    assert (destination / eid / gone.run_id / "artifacts" / "model.txt").exists()

    live = CliRunner().invoke(main, [*args, "--run-ids", kept.run_id])
    assert live.exit_code != 0
    assert "not deleted" in live.output

    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert "removed 1 runs and 0 experiments" in done.output
    assert not (destination / eid / gone.run_id).exists()
    assert (destination / eid / kept.run_id / "artifacts" / "model.txt").read_text() == "weights"

    store = Store.open(Settings(backend_store_uri=uri, artifacts_destination=str(destination)))
    ids = {r.info.run_id for r in store.runs.search([eid], run_view_type="ALL").items}
    store.close()
    assert ids == {kept.run_id}


def test_gc_removes_an_experiment_folder(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'gc.db'}"
    destination = tmp_path / "artifacts"
    store = Store.open(Settings(backend_store_uri=uri, artifacts_destination=str(destination)))
    eid = store.experiments.create("gc-experiment")
    store.runs.create(eid)
    model_folder = destination / eid / "models" / "m-1" / "artifacts"
    model_folder.mkdir(parents=True)
    (model_folder / "MLmodel").write_text("flavors: {}")
    store.experiments.delete(eid)
    store.close()

    args = ["gc", "--backend-store-uri", uri, "--artifacts-destination", str(destination)]
    done = CliRunner().invoke(main, [*args, "--experiment-ids", eid])
    assert done.exit_code == 0, done.output
    assert "removed 1 runs and 1 experiments" in done.output
    assert not (destination / eid).exists()
    store = Store.open(Settings(backend_store_uri=uri, artifacts_destination=str(destination)))
    assert store.runs.search([eid], run_view_type="ALL").items == []
    store.close()
