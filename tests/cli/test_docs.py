"""docs/cli.md documents every command, and every option of the tracking commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from trackbook.cli import main
from trackbook.cli.experiments import experiments
from trackbook.cli.runs import runs

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL = list(commands(main, "trackbook"))
TRACKING = [
    *commands(experiments, "trackbook experiments"),
    *commands(runs, "trackbook runs"),
]


@pytest.mark.parametrize("path", [path for path, _ in ALL])
def test_every_command_has_a_section(path: str) -> None:
    headings = [line for line in CLI_DOC.read_text().splitlines() if line.startswith("## ")]
    assert any(h.startswith(f"## `{path}") for h in headings), f"document `{path}` in docs/cli.md"


@pytest.mark.parametrize(
    ("path", "option"),
    [
        (path, opt)
        for path, command in TRACKING
        for param in command.params
        for opt in param.opts
        if opt.startswith("--")
    ],
)
def test_every_option_of_the_tracking_commands_is_documented(path: str, option: str) -> None:
    text = CLI_DOC.read_text()
    section = text.split(f"## `{path}", 1)[1].split("\n## ", 1)[0]
    assert f"`{option}" in section, f"document {option} under `{path}` in docs/cli.md"
