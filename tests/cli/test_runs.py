"""``trackbook runs``: list, describe, delete, restore on a local store."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from trackbook.cli import main


def cli(runner: CliRunner, data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, [*args, "--tracking-uri", str(data)])
    return result.exit_code, result.output


def test_list_as_json_and_as_a_table(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "runs", "list", "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert [(r["run_name"], r["status"], r["params"], r["metrics"]) for r in listed] == [
        ("run-1", "FAILED", {"lr": "0.2"}, {"acc": 0.6}),
        ("run-0", "FINISHED", {"lr": "0.1"}, {"acc": 0.5}),
    ]
    code, out = cli(
        runner, data, "runs", "list", "--experiment", "vision", "--order-by", "metrics.acc ASC"
    )
    assert code == 0, out
    header, *rows = out.splitlines()
    assert header.split() == [
        "Run",
        "ID",
        "Name",
        "Exp",
        "Status",
        "Started",
        "Duration",
        "User",
        "acc",
    ]
    assert [row.split()[1:4] for row in rows] == [
        ["run-0", "1", "FINISHED"],
        ["run-1", "1", "FAILED"],
    ]
    assert rows[0].split()[0] == listed[1]["run_id"]  # ids are printed whole
    code, out = cli(runner, data, "runs", "list", "--filter", "metrics.acc > 0.55", "--json")
    assert [r["run_name"] for r in json.loads(out)] == ["run-1"]
    code, out = cli(runner, data, "runs", "list", "--max-results", "1")
    assert out.splitlines()[-1] == "(more than 1 runs; raise --max-results or narrow --filter)"


def test_describe(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "runs", "list", "--json")
    run_id = json.loads(out)[0]["run_id"]
    code, out = cli(runner, data, "runs", "describe", run_id, "--json")
    assert code == 0, out
    described = json.loads(out)
    assert (described["run_id"], described["status"], described["params"]) == (
        run_id,
        "FAILED",
        {"lr": "0.2"},
    )
    assert described["tags"]["mlflow.runName"] == "run-1"
    code, out = cli(runner, data, "runs", "describe", run_id)
    assert code == 0, out
    lines = [line.split() for line in out.splitlines()]
    assert ["Run", "ID", run_id] in lines and ["Status", "FAILED"] in lines
    assert lines.index(["Params"]) < lines.index(["lr", "0.2"])
    assert lines.index(["Metrics", "(latest)"]) < lines.index(["acc", "0.6"])
    assert ["mlflow.runName", "run-1"] in lines


def test_delete_and_restore(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "runs", "list", "--json")
    run_id = json.loads(out)[0]["run_id"]
    assert cli(runner, data, "runs", "delete", run_id) == (0, f"deleted run {run_id}\n")
    code, out = cli(runner, data, "runs", "list", "--json")
    assert run_id not in [r["run_id"] for r in json.loads(out)]
    code, out = cli(runner, data, "runs", "list", "--view", "deleted", "--json")
    assert [r["run_id"] for r in json.loads(out)] == [run_id]
    assert cli(runner, data, "runs", "restore", run_id) == (0, f"restored run {run_id}\n")
    code, out = cli(runner, data, "runs", "describe", "nope")
    assert (code, out) == (1, "Error: RESOURCE_DOES_NOT_EXIST: run_id: run 'nope' not found\n")
