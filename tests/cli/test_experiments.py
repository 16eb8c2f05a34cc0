"""``trackbook experiments``: through click's runner, on a local store and a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from trackbook.cli import main


def cli(runner: CliRunner, data: Path | str, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, [*args, "--tracking-uri", str(data)])
    return result.exit_code, result.output


def test_list_shows_a_table_or_json(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "experiments", "list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "Name", "Stage", "Created", "Artifact", "location"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["1", "vision", "active"],
        ["0", "Default", "active"],
    ]
    code, out = cli(runner, data, "experiments", "list", "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert [(e["experiment_id"], e["name"], e["tags"]) for e in listed] == [
        ("1", "vision", {"team": "cv"}),
        ("0", "Default", {}),
    ]


def test_create_rename_delete_restore(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "experiments", "create", "nlp", "--tag", "owner=bo", "--json")
    assert code == 0, out
    created = json.loads(out)
    assert (created["name"], created["tags"]) == ("nlp", {"owner": "bo"})
    eid = created["experiment_id"]

    assert cli(runner, data, "experiments", "rename", "nlp", "nlp-2") == (
        0,
        f"renamed experiment {eid} from nlp to nlp-2\n",
    )
    assert cli(runner, data, "experiments", "delete", eid) == (
        0,
        f"deleted experiment {eid} (nlp-2)\n",
    )
    code, out = cli(runner, data, "experiments", "list", "--view", "deleted", "--json")
    assert [e["name"] for e in json.loads(out)] == ["nlp-2"]
    assert cli(runner, data, "experiments", "restore", "nlp-2") == (
        0,
        f"restored experiment {eid} (nlp-2)\n",
    )
    code, out = cli(runner, data, "experiments", "list", "--filter", "name LIKE 'nlp%'", "--json")
    assert [e["name"] for e in json.loads(out)] == ["nlp-2"]


def test_errors_are_one_line_and_exit_1(runner: CliRunner, data: Path) -> None:
    code, out = cli(runner, data, "experiments", "create", "vision")
    assert code == 1
    assert out.startswith("Error: RESOURCE_ALREADY_EXISTS: ")
    code, out = cli(runner, data, "experiments", "delete", "no-such")
    assert (code, out) == (
        1,
        "Error: RESOURCE_DOES_NOT_EXIST: no experiment with id or name 'no-such'\n",
    )
    code, out = cli(runner, data, "experiments", "create", "x", "--tag", "novalue")
    assert code == 2 and "KEY=VALUE" in out


def test_as_a_real_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKBOOK_", "MLFLOW_"))}
    env["TRACKBOOK_TRACKING_URI"] = str(data)
    command = [sys.executable, "-m", "trackbook", "experiments"]
    done = subprocess.run(
        [*command, "create", "real", "--json"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "real"
    code, out = cli(CliRunner(), data, "experiments", "list", "--json")
    assert code == 0, out
    assert [e["name"] for e in json.loads(out)] == ["real", "Default"]
