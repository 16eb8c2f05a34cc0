"""docs/ui.md lists every route the UI serves, and nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Mount, Route

from trackbook.web import ui

DOC = Path(__file__).resolve().parents[2] / "docs" / "ui.md"
_ROW = re.compile(r"^\|\s*`(GET|POST)`\s*\|\s*`(/[^`]*)`\s*\|", re.MULTILINE)


def served() -> set[tuple[str, str]]:
    out = set()
    for route in ui.routes(lambda _request: None):  # type: ignore[arg-type,return-value]
        if isinstance(route, Route):
            out.update((method, route.path) for method in route.methods or () if method != "HEAD")
        elif isinstance(route, Mount):
            out.add(("GET", route.path + "/{path}"))
    return out


def test_every_ui_route_is_documented_and_every_documented_one_served() -> None:
    documented = set(_ROW.findall(DOC.read_text()))
    assert served() == documented
