"""Real Chromium against a real ``trackbook server`` seeded through its REST API.

Each test module gets one server process and one browser; every test gets a new
tab whose local storage is cleared afterwards. Each tab records every request it makes, so a test
fails if the UI reaches anywhere but the server (no CDNs) or if a script error
escapes to the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer, start_server
from tests.ui.seed import Seeded, seed_artifacts, seed_standard

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui"
VIEWPORT = {"width": 1400, "height": 900}
# Waits, not timings: a busy machine may take seconds to compile plotly.js.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_server(tmp_path_factory.mktemp("ui-server"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seeded(ui_server: RunningServer) -> Seeded:
    with httpx.Client(base_url=ui_server.url, timeout=30) as client:
        data = seed_standard(client)
        seed_artifacts(client, data.runs["baseline"])
    return data


@pytest.fixture
def rest(ui_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ui_server.url, timeout=30) as client:
        yield client


class PageErrors:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.script_errors: list[str] = []
        self.foreign_requests: list[str] = []

    def on_request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base_url) or url.startswith(("data:", "blob:"))):
            self.foreign_requests.append(url)


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory, ui_server: RunningServer) -> Iterator[Any]:
    """One Chromium per module, with a profile on disk like a person's browser: its code
    cache spares compiling plotly.js on every page (an incognito context compiles it
    each time, seconds on a busy machine)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does:"
            " apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,
        base_url=ui_server.url,
        accept_downloads=True,
        locale="en-US",
    )
    ctx.set_default_timeout(60_000)
    yield ctx
    ctx.close()
    playwright.stop()


@pytest.fixture
def page(context: Any, ui_server: RunningServer) -> Iterator[Any]:
    """A fresh tab; what it stored (chosen columns, theme) is wiped when the test ends."""
    tab = context.new_page()
    errors = PageErrors(ui_server.url)
    tab.on("pageerror", lambda exc: errors.script_errors.append(str(exc)))
    tab.on("request", errors.on_request)
    yield tab
    if tab.url.startswith(ui_server.url):
        tab.evaluate("() => localStorage.clear()")
    tab.close()
    assert not errors.foreign_requests, f"the UI reached elsewhere: {errors.foreign_requests}"
    assert not errors.script_errors, f"script errors in the page: {errors.script_errors}"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``shot(page, "name")`` saves what the window shows under test-output/ui/ for review.

    (A full-page shot would bring every lazily drawn chart into view, and draw it.)"""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def take(page: Any, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{module}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
