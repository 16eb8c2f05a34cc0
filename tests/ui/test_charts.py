"""Charts of the experiment page: bar and line charts, x modes, log scale, smoothing, band,
zoom that fetches detail from the server, and auto-refresh that keeps zoom and selection."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.ui.seed import T0, Seeded, create_experiment, create_run, history, log


def chart(page: Any, metric: str, kind: str) -> Any:
    return page.locator(f'figure[data-metric="{metric}"][data-kind="{kind}"] .chart')


def drawn(page: Any, metric: str, kind: str) -> Any:
    node = chart(page, metric, kind)
    expect(node).to_have_attribute("data-points", re.compile(r"^\d+$"))
    return node


def plot(node: Any, expression: str) -> Any:
    return node.evaluate(f"n => {expression}")


def test_line_and_bar_charts_of_the_first_shown_runs(page: Any, seeded: Seeded, shot: Any) -> None:
    alpha = seeded.experiments["alpha"]
    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss,accuracy")
    expect(page.get_by_role("tab", name="Charts")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chart-status")).to_have_text("Charting the first 5 runs shown.")
    line = drawn(page, "loss", "line")
    # The sweep has no loss; the other four are drawn with all 50 steps.
    expect(line).to_have_attribute("data-runs", "4")
    traces = plot(line, "n.data.map(t => [t.name, t.x.length])")
    assert traces == [["diverged", 50], ["wide", 50], ["tuned", 50], ["baseline", 50]]
    assert plot(line, "n.layout.xaxis.title.text") == "Step"
    bar = drawn(page, "loss", "bar")
    assert plot(bar, "n.layout.xaxis.ticktext") == ["diverged", "wide", "tuned", "baseline"]
    assert plot(bar, "n.data[0].y") == [3.0, 0.25, 0.2, 0.5]
    drawn(page, "accuracy", "line")
    assert page.locator("#chart-metrics input:checked").evaluate_all(
        "bs => bs.map(b => b.value)"
    ) == [
        "accuracy",
        "loss",
    ]
    shot(page, "charts")

    # The table/charts tabs work from the keyboard.
    page.get_by_role("tab", name="Charts").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Table")).to_be_focused()
    expect(page.locator("#panel-table")).to_be_visible()
    assert "view=charts" not in page.url


def test_bar_chart_keyed_by_a_parameter(page: Any, seeded: Seeded) -> None:
    alpha = seeded.experiments["alpha"]
    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss")
    drawn(page, "loss", "bar")
    page.get_by_label("Bar chart key").select_option("params.lr")
    bar = chart(page, "loss", "bar")
    expect(bar).to_have_attribute("data-points", "3")
    # Runs sharing a value are one bar: their mean, with min/max as error bars.
    assert plot(bar, "n.data[0].x") == ["0.01", "0.1", "1.0"]
    assert plot(bar, "n.data[0].y") == [pytest.approx(0.225), 0.5, 3.0]
    assert "bar=params.lr" in page.url


def test_x_modes_log_scale_smoothing_and_band_are_kept_in_the_url(
    page: Any, seeded: Seeded, shot: Any
) -> None:
    alpha = seeded.experiments["alpha"]
    baseline = seeded.runs["baseline"]
    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss&sel={baseline}")
    line = drawn(page, "loss", "line")
    assert plot(line, "n.data[0].x.slice(0, 3)") == [0, 1, 2]

    page.get_by_label("X axis").select_option("relative")
    expect(line).to_have_attribute("data-points", "50")
    page.wait_for_function(
        "n => n.layout.xaxis.title.text === 'Relative time (s)'", arg=line.element_handle()
    )
    assert plot(line, "n.data[0].x.slice(0, 3)") == [0, 1, 2]  # one point a second

    page.get_by_label("X axis").select_option("wall")
    page.wait_for_function("n => n.layout.xaxis.type === 'date'", arg=line.element_handle())
    assert plot(line, "n.data[0].x[0]") == T0

    page.get_by_label("Log scale").check()
    page.wait_for_function("n => n.layout.yaxis.type === 'log'", arg=line.element_handle())

    raw_last = plot(line, "n.data[0].y[49]")
    page.locator("#chart-smooth").fill("0.9")
    page.wait_for_function("n => n.data[0].y[49] > 0.6", arg=line.element_handle())
    assert raw_last == pytest.approx(0.5)

    page.get_by_label("Min/max band").check()
    page.wait_for_function("n => n.data.length === 3", arg=line.element_handle())
    assert plot(line, "n.data.map(t => t.fill || '')") == ["", "tonexty", ""]
    shot(page, "line-options")

    for part in ("x=wall", "log=1", "smooth=0.9", "band=1", "metrics=loss"):
        assert part in page.url
    page.reload()
    expect(page.get_by_label("X axis")).to_have_value("wall")
    expect(page.get_by_label("Log scale")).to_be_checked()
    expect(page.get_by_label("Min/max band")).to_be_checked()
    expect(page.locator("#chart-smooth")).to_have_value("0.9")
    line = drawn(page, "loss", "line")
    assert plot(line, "n.layout.yaxis.type") == "log"


def test_charts_follow_the_selection_and_the_run_count(page: Any, seeded: Seeded) -> None:
    alpha = seeded.experiments["alpha"]
    chosen = [seeded.runs["tuned"], seeded.runs["baseline"]]
    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss&sel={','.join(chosen)}")
    expect(page.locator("#chart-status")).to_have_text("Charting 2 selected runs.")
    expect(drawn(page, "loss", "line")).to_have_attribute("data-runs", "2")

    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss&nested=expanded")
    page.get_by_label("Runs charted").select_option("5")
    expect(page.locator("#chart-status")).to_have_text("Charting the first 5 runs shown.")
    assert "n=5" in page.url


def test_zooming_in_on_steps_fetches_that_range_from_the_server(page: Any, seeded: Seeded) -> None:
    alpha = seeded.experiments["alpha"]
    page.goto(f"/experiments/{alpha}?view=charts&metrics=loss&sel={seeded.runs['baseline']}")
    line = drawn(page, "loss", "line")
    line.evaluate("n => Plotly.relayout(n, {'xaxis.range': [10, 20]})")
    page.wait_for_function("n => n.data[0].x[0] === 10", arg=line.element_handle())
    assert plot(line, "n.data[0].x") == list(range(10, 21))
    line.evaluate("n => Plotly.relayout(n, {'xaxis.autorange': true})")
    page.wait_for_function("n => n.data[0].x.length === 50", arg=line.element_handle())


def test_auto_refresh_every_ten_seconds_keeps_zoom_and_selection(
    page: Any, rest: httpx.Client, seeded: Seeded
) -> None:
    # The test moves the page's timers forward instead of waiting ten seconds. (Time keeps
    # flowing naturally otherwise, so later tests in this browser are unaffected.)
    page.clock.install()
    eid = create_experiment(rest, "live-training")
    live = create_run(rest, eid, "live", start=T0)
    create_run(rest, eid, "idle", start=T0 + 1)
    log(rest, live, metrics=history("loss", T0, 20, lambda s: 1 / (s + 1)))
    page.goto(f"/experiments/{eid}?view=charts&metrics=loss&sel={live}&refresh=1")
    expect(page.get_by_label("Auto-refresh (10 s)")).to_be_checked()
    bar = drawn(page, "loss", "bar")
    assert plot(bar, "n.data[0].y") == [pytest.approx(0.05)]
    line = drawn(page, "loss", "line")
    line.evaluate("n => Plotly.relayout(n, {'xaxis.range': [2, 8]})")
    page.wait_for_function("n => n.data[0].x[0] === 2", arg=line.element_handle())

    log(rest, live, metrics=history("loss", T0 + 20_000, 1, lambda s: 0.125))
    page.clock.run_for(10_500)
    page.wait_for_function("n => n.data[0].y[0] === 0.125", arg=bar.element_handle())
    assert plot(line, "n.layout.xaxis.range") == [2, 8]
    expect(page.locator("#run-status")).to_have_text("2 runs · 1 selected")
    expect(page.locator("#chart-status")).to_have_text("Charting 1 selected run.")
