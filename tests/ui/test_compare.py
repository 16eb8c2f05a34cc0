"""The compare page: side-by-side values, only differences, parallel coordinates, scatter."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.ui.seed import Seeded


def compare_url(seeded: Seeded, *names: str) -> str:
    return "/compare?runs=" + ",".join(seeded.runs[n] for n in names)


def value_row(page: Any, section: str, key: str) -> Any:
    return page.locator(f'#compare-table tr[data-section="{section}"][data-key="{key}"]')


def test_side_by_side_values_and_only_differences(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto(compare_url(seeded, "baseline", "tuned", "wide"))
    expect(page.get_by_role("heading", name="Comparing 3 runs")).to_be_visible()
    heads = page.locator("#compare-table thead th").all_inner_texts()
    assert heads == ["Run", "baseline", "tuned", "wide"]
    assert value_row(page, "params", "lr").locator("td").all_inner_texts() == [
        "0.1",
        "0.01",
        "0.01",
    ]
    assert value_row(page, "metrics", "loss").locator("td").all_inner_texts() == [
        "0.5",
        "0.2",
        "0.25",
    ]
    team = value_row(page, "tags", "team")
    expect(team).to_be_visible()
    page.get_by_label("Only differences").check()
    expect(team).to_be_hidden()
    expect(value_row(page, "params", "lr")).to_be_visible()
    expect(value_row(page, "params", "batch_size")).to_be_visible()  # 32, 32, 64
    assert "diff=1" in page.url
    shot(page, "only-differences")
    page.reload()
    expect(page.get_by_label("Only differences")).to_be_checked()
    expect(value_row(page, "tags", "team")).to_be_hidden()


def test_parallel_coordinates_and_scatter(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto(compare_url(seeded, "baseline", "tuned", "wide", "diverged"))
    parallel = page.locator("#parallel-plot")
    # Plots are drawn when scrolled to; whether this one is already in view depends on
    # the window and on timing, so only the drawn state is asserted.
    parallel.scroll_into_view_if_needed()
    expect(parallel).to_have_attribute("data-axes", "4")
    labels = parallel.evaluate("n => n.data[0].dimensions.map(d => d.label)")
    assert labels == ["params.batch_size", "params.lr", "metrics.accuracy", "metrics.loss"]
    assert parallel.evaluate("n => n.data[0].type") == "parcoords"

    # Categorical parameters get an axis too, with their values as ticks.
    page.get_by_role("checkbox", name="params.optimizer").check()
    expect(parallel).to_have_attribute("data-axes", "5")
    optimizer = parallel.evaluate(
        "n => n.data[0].dimensions.find(d => d.label === 'params.optimizer').ticktext"
    )
    assert optimizer == ["adam", "sgd"]
    page.get_by_role("checkbox", name="params.batch_size").uncheck()
    expect(parallel).to_have_attribute("data-axes", "4")
    # Redrawn in place: the axes' labels are on the page, not only in the data.
    expect(parallel.locator("text.axis-title")).to_have_count(4)
    assert "pc=params.lr%2Cparams.optimizer%2Cmetrics.accuracy%2Cmetrics.loss" in page.url

    scatter = page.locator("#scatter-plot")
    page.get_by_label("X axis").select_option("params.lr")
    page.get_by_label("Y axis").select_option("metrics.loss")
    page.wait_for_function(
        "n => n.layout.xaxis.title.text === 'params.lr'"
        " && n.layout.yaxis.title.text === 'metrics.loss'",
        arg=scatter.element_handle(),
    )
    points = scatter.evaluate("n => [n.data[0].x, n.data[0].y, n.data[0].text]")
    assert points == [
        ["0.1", "0.01", "0.01", "1.0"],
        [0.5, 0.2, 0.25, 3.0],
        ["baseline", "tuned", "wide", "diverged"],
    ]
    shot(page, "plots")
    page.reload()
    expect(page.get_by_label("X axis")).to_have_value("params.lr")
    expect(page.get_by_label("Y axis")).to_have_value("metrics.loss")
    page.locator("#scatter-plot").scroll_into_view_if_needed()
    expect(page.locator("#parallel-plot")).to_have_attribute("data-axes", "4")


def test_unknown_run_shows_an_error_page(page: Any, seeded: Seeded) -> None:
    response = page.goto("/compare?runs=" + "0" * 32)
    assert response is not None and response.status == 404
    expect(page.locator(".error-message")).to_contain_text("not found")
    expect(page.get_by_role("link", name="Back to the experiments")).to_be_visible()
