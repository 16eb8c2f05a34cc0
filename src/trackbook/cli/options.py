"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

backend_store_uri = click.option(
    "--backend-store-uri",
    envvar="TRACKBOOK_BACKEND_STORE_URI",
    help="Metadata store: sqlite:///path.db, postgresql://user@host/db or mysql://user@host/db."
    "  [default: sqlite:///trackbook-data/trackbook.db]",
)


def store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return backend_store_uri(fn)
