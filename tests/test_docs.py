"""docs/rest-api.md lists every endpoint we serve, and nothing we do not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import Match, Route

from trackbook.config import Settings
from trackbook.web.api import ENDPOINTS, PREFIXES
from trackbook.web.app import create_app

DOC = Path(__file__).resolve().parent.parent / "docs" / "rest-api.md"
# A table row: | `POST` `PATCH` | `experiments/update` | what it does |
_ROW = re.compile(r"^\|\s*((?:`[A-Z]+`\s*)+)\|\s*`([^`]+)`\s*\|")


def documented() -> dict[str, set[str]]:
    """Every (path -> methods) of the endpoint tables in docs/rest-api.md."""
    out: dict[str, set[str]] = {}
    for line in DOC.read_text().splitlines():
        m = _ROW.match(line)
        if m:
            out.setdefault(m[2], set()).update(re.findall(r"`([A-Z]+)`", m[1]))
    return out


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.path)
def test_every_tracking_endpoint_is_documented(endpoint: object) -> None:
    methods = set(endpoint.methods)  # type: ignore[attr-defined]
    # Starlette's converters ({key:path}) are routing detail, not part of the documented path.
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", endpoint.path)  # type: ignore[attr-defined]
    docs = documented()
    assert path in docs, f"{path} is served but missing from docs/rest-api.md"
    assert methods <= docs[path], f"{path}: served for {methods}, documented for {docs[path]}"


def _app_routes(tmp_path: Path) -> list[Route]:
    settings = Settings(backend_store_uri="sqlite://", artifacts_destination=str(tmp_path))
    return [r for r in create_app(settings).routes if isinstance(r, Route)]


def test_the_routes_around_the_api_are_documented(tmp_path: Path) -> None:
    # The ones app.py serves itself: /health, /version, the clients' probes.
    own = [r for r in _app_routes(tmp_path) if r.endpoint.__module__ == "trackbook.web.app"]
    assert own
    docs = documented()
    for route in own:
        if route.path.startswith("/ajax-api/"):
            continue  # documented with its /api/ twin
        assert route.path in docs, f"{route.path} is served but missing from docs/rest-api.md"


def test_every_documented_endpoint_is_served(tmp_path: Path) -> None:
    routes = _app_routes(tmp_path)
    for path, methods in documented().items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        urls = [concrete] if concrete.startswith("/") else [p + concrete for p in PREFIXES]
        for url in urls:
            for method in methods:
                scope = {"type": "http", "path": url, "root_path": "", "method": method}
                served = any(r.matches(scope)[0] == Match.FULL for r in routes)
                assert served, f"docs/rest-api.md lists {method} {url}, which is not served"


def test_the_limits_section_exists_for_links() -> None:
    # docs/server.md links to rest-api.md#limits.
    assert "\n## Limits\n" in DOC.read_text()
