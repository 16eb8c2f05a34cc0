"""The ``trackbook`` command."""

from __future__ import annotations

import click

from trackbook import __version__
from trackbook.cli.db import db
from trackbook.cli.experiments import experiments
from trackbook.cli.gc import gc
from trackbook.cli.runs import runs
from trackbook.cli.server import server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trackbook")
def main() -> None:
    """trackbook: experiment tracking that speaks MLflow's API."""


main.add_command(server)
main.add_command(db)
main.add_command(experiments)
main.add_command(runs)
main.add_command(gc)
