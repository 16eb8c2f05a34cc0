"""What every page shares: the UI on the API's port, plotly.js from the installed package,
light and dark themes, keyboard use, and errors shown in the page."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.seed import Seeded


def plotly_file() -> Path:
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


def test_ui_and_api_share_one_port(ui_server: RunningServer, rest: httpx.Client) -> None:
    page = rest.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Experiments · trackbook</title>" in page.text
    api = rest.get("/api/2.0/mlflow/experiments/search", params={"max_results": 10})
    assert api.status_code == 200 and "experiments" in api.json()


def test_plotly_comes_from_the_installed_package(rest: httpx.Client) -> None:
    version = importlib.metadata.version("plotly")
    url = f"/ui/vendor/plotly.min.js?v={version}"
    first = rest.get(url, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert first.content == plotly_file().read_bytes()
    assert "immutable" in first.headers["cache-control"]
    assert rest.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    # Compressed copies are made in the background once; then they are what gzip clients get.
    for _ in range(200):
        packed = rest.get(url, headers={"Accept-Encoding": "gzip"})
        if packed.headers.get("content-encoding") == "gzip":
            break
    assert packed.headers.get("content-encoding") == "gzip"
    assert int(packed.headers["content-length"]) < len(first.content) // 2
    assert packed.content == first.content  # httpx inflated it


def test_theme_toggle_is_remembered(page: Any, seeded: Seeded, shot: Any) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(f"/experiments/{seeded.experiments['alpha']}")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    light = page.get_by_role("button", name="Light theme")
    expect(light).to_have_attribute("aria-pressed", "true")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 21, 27)"
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    shot(page, "dark-runs")
    page.goto(f"/experiments/{seeded.experiments['alpha']}?view=charts&metrics=loss")
    chart = page.locator('figure[data-kind="line"] .chart')
    expect(chart).to_have_attribute("data-points", "200")
    assert chart.evaluate("n => n.layout.paper_bgcolor") == "#12151b"
    shot(page, "dark-charts")
    page.goto(f"/runs/{seeded.runs['baseline']}")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    shot(page, "dark-run")
    page.get_by_role("button", name="Light theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")


def test_dark_theme_follows_the_system_until_chosen(page: Any, seeded: Seeded) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_keyboard_only_create_dialog(page: Any, seeded: Seeded) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    new = page.get_by_role("button", name="New experiment")
    for _ in range(5):
        page.keyboard.press("Tab")
        if new.evaluate("b => b === document.activeElement"):
            break
    expect(new).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New experiment")
    expect(dialog.get_by_label("Name")).to_be_focused()
    page.keyboard.type("typed-with-keys")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experiments/*")
    expect(page.locator("#experiment-title")).to_have_text("typed-with-keys")


def test_errors_are_shown_in_the_page(page: Any, seeded: Seeded) -> None:
    response = page.goto("/experiments/987654")
    assert response is not None and response.status == 404
    expect(page.locator(".error-message")).to_contain_text("987654")
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()

    response = page.goto("/experiments/not-a-number")
    assert response is not None and response.status == 400
    expect(page.locator(".error-message")).to_contain_text("not an experiment id")

    # A failing request after the page loaded lands in the error banner, not a blank page.
    page.goto(f"/experiments/{seeded.experiments['beta']}")
    expect(page.locator("#run-status")).to_contain_text("3 runs")
    page.route(
        "**/ui/api/runs*",
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error_code": "INTERNAL_ERROR", "message": "database is on fire"}',
        ),
    )
    page.get_by_role("button", name="Apply").click()
    banner = page.get_by_role("alert").filter(has_text="database is on fire")
    expect(banner).to_be_visible()
    expect(page.locator("#run-status")).to_have_text("Could not load runs.")
    page.get_by_role("button", name="Dismiss error").click()
    expect(banner).to_be_hidden()
