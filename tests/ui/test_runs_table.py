"""The runs table: columns, nesting, filter, sort, picked columns, selection, actions, CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.seed import T0, Seeded, bulk_runs, create_experiment, create_run, finish

ROW_NAMES = "table.runs tbody tr[data-run] td.name a"


def names(page: Any) -> list[str]:
    return page.locator(ROW_NAMES).all_inner_texts()


def run_row(page: Any, name: str) -> Any:
    return page.locator(
        "table.runs tbody tr[data-run]", has=page.get_by_role("link", name=name, exact=True)
    )


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


@pytest.fixture
def alpha(page: Any, seeded: Seeded) -> str:
    return seeded.experiments["alpha"]


def test_fixed_columns_and_nested_runs_folded(page: Any, alpha: str, shot: Any) -> None:
    page.goto(f"/experiments/{alpha}")
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 0 selected")
    assert names(page) == ["sweep", "diverged", "wide", "tuned", "baseline"]
    headers = page.locator("table.runs thead th").all_inner_texts()
    fixed = ["Run name", "User", "Source", "Status", "Started", "Duration", "Artifacts"]
    assert headers[1:8] == fixed
    baseline = run_row(page, "baseline")
    expect(baseline.locator("td").nth(2)).to_have_text("alice")
    expect(baseline.locator("td").nth(3)).to_have_text("train.py")
    expect(baseline.locator("td").nth(3)).to_have_attribute("title", "/home/alice/project/train.py")
    expect(baseline.locator("td").nth(4)).to_have_text("FINISHED")
    expect(baseline.locator("td").nth(6)).to_have_text("5m 0s")
    expect(run_row(page, "wide").locator("td").nth(2)).to_have_text("carol")
    expect(run_row(page, "diverged").locator(".badge")).to_have_text("FAILED")
    expect(baseline.get_by_role("link", name="Artifacts of baseline")).to_have_attribute(
        "href", re.compile(r"/runs/[0-9a-f]{32}\?tab=artifacts$")
    )
    shot(page, "table")

    # The sweep's three trials are folded under it; the fold button opens them in place.
    fold = page.get_by_role("button", name="Show 3 child runs of sweep")
    expect(fold).to_have_attribute("aria-expanded", "false")
    fold.click()
    assert names(page)[:4] == ["sweep", "trial-2", "trial-1", "trial-0"]
    expect(page.locator("#run-status")).to_have_text("8 runs · 0 selected")
    page.get_by_role("button", name="Hide 3 child runs of sweep").click()
    assert "trial-0" not in names(page)
    page.get_by_role("button", name="Expand all").click()
    assert len(names(page)) == 8
    assert "nested=expanded" in page.url
    shot(page, "nested-expanded")


def test_filter_in_the_search_language_with_inline_errors(page: Any, alpha: str) -> None:
    page.goto(f"/experiments/{alpha}")
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    box = page.get_by_label("Filter runs")
    box.fill("params.optimizer = 'adam' AND metrics.loss < 0.3")
    box.press("Enter")
    expect(page.locator("#run-status")).to_have_text("2 runs · 0 selected")
    assert names(page) == ["wide", "tuned"]
    assert query(page)["filter"] == ["params.optimizer = 'adam' AND metrics.loss < 0.3"]

    box.fill("metrics.loss <")
    page.get_by_role("button", name="Apply").click()
    error = page.locator("#filter-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("filter")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert names(page) == ["wide", "tuned"]  # the last good result stays

    page.get_by_role("button", name="Clear").click()
    expect(error).to_be_hidden()
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 0 selected")
    assert "filter" not in query(page)


def test_sort_by_fixed_and_picked_columns(page: Any, alpha: str) -> None:
    page.goto(f"/experiments/{alpha}?cols=metrics.loss")
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    page.locator("th[data-column=name] button").click()
    expect(page.locator("th[data-column=name]")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator(ROW_NAMES).first).to_have_text("baseline")
    assert names(page) == ["baseline", "diverged", "sweep", "tuned", "wide"]
    page.locator("th[data-column=name] button").click()
    expect(page.locator("th[data-column=name]")).to_have_attribute("aria-sort", "descending")
    expect(page.locator(ROW_NAMES).first).to_have_text("wide")
    assert query(page)["order"] == ["name:desc"]

    page.locator('th[data-column="metrics.loss"] button').click()
    expect(page.locator(ROW_NAMES).first).to_have_text("tuned")
    # Ascending by the latest loss; the sweep has no loss and comes last.
    assert names(page) == ["tuned", "wide", "baseline", "diverged", "sweep"]
    cells = page.locator("table.runs tbody tr[data-run] td.kind-metric").all_inner_texts()
    assert cells == ["0.2", "0.25", "0.5", "3", ""]

    page.locator("th[data-column=duration] button").click()
    expect(page.locator(ROW_NAMES).first).to_have_text("sweep")  # 2m 0s is the shortest
    assert query(page)["order"] == ["duration:asc"]


def test_picked_columns_persist_in_url_and_local_storage(page: Any, alpha: str, shot: Any) -> None:
    page.goto(f"/experiments/{alpha}")
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    page.get_by_role("button", name="Columns…").click()
    dialog = page.get_by_role("dialog", name="Columns")
    dialog.get_by_label("Find a key").fill("l")
    expect(dialog.locator("fieldset").nth(0)).to_contain_text("loss")
    dialog.get_by_label("loss", exact=True).check()
    dialog.get_by_label("lr", exact=True).check()
    dialog.get_by_label("Find a key").fill("team")
    dialog.get_by_label("team", exact=True).check()
    shot(page, "columns-dialog")
    dialog.get_by_role("button", name="Apply").click()
    expect(page.locator('th[data-column="params.lr"]')).to_be_visible()
    assert query(page)["cols"] == ["metrics.loss,params.lr,tags.team"]
    baseline = run_row(page, "baseline")
    expect(baseline.locator("td.kind-metric")).to_have_text("0.5")
    expect(baseline).to_contain_text("0.1")
    expect(baseline).to_contain_text("vision")

    # Without cols in the address the choice comes back from localStorage.
    page.goto(f"/experiments/{alpha}")
    expect(page.locator('th[data-column="tags.team"]')).to_be_visible()
    expect(run_row(page, "tuned").locator("td.kind-metric")).to_have_text("0.2")


def test_select_with_checkboxes_and_shift_click_then_compare(page: Any, alpha: str) -> None:
    page.goto(f"/experiments/{alpha}")
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    compare = page.get_by_role("button", name=re.compile("^Compare"))
    expect(compare).to_be_disabled()
    page.get_by_label("Select run diverged").click()
    page.get_by_label("Select run baseline").click(modifiers=["Shift"])
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 4 selected")
    for name in ("diverged", "wide", "tuned", "baseline"):
        expect(run_row(page, name)).to_have_attribute("aria-selected", "true")
    expect(run_row(page, "sweep")).to_have_attribute("aria-selected", "false")
    assert len(query(page)["sel"][0].split(",")) == 4
    expect(compare).to_have_text("Compare (4)")
    compare.click()
    page.wait_for_url(re.compile(r"/compare\?runs="))
    expect(page.get_by_role("heading", name="Comparing 4 runs")).to_be_visible()


def test_select_all_and_keyboard_movement(page: Any, alpha: str) -> None:
    page.goto(f"/experiments/{alpha}")
    expect(page.locator("#run-status")).to_contain_text("8 runs")
    page.get_by_label("Select all runs").check()
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 8 selected")
    page.get_by_label("Select all runs").uncheck()
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 0 selected")

    page.get_by_label("Select run sweep").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Select run diverged")).to_be_focused()
    page.keyboard.press("Space")
    expect(run_row(page, "diverged")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("End")
    expect(page.get_by_label("Select run baseline")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.get_by_label("Select run sweep")).to_be_focused()
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 1 selected")
    # Shift+Space extends the selection from the last ticked row, like shift-click.
    page.keyboard.press("End")
    page.keyboard.press("Shift+Space")
    expect(page.locator("#run-status")).to_have_text("8 runs · 5 rows shown · 4 selected")
    expect(run_row(page, "sweep")).to_have_attribute("aria-selected", "false")


def test_delete_and_restore_selected_runs(page: Any, rest: httpx.Client, seeded: Seeded) -> None:
    eid = create_experiment(rest, "runs-to-delete")
    for k in range(3):
        finish(rest, create_run(rest, eid, f"disposable-{k}", start=T0 + k), T0 + 10_000)
    page.goto(f"/experiments/{eid}")
    expect(page.locator("#run-status")).to_have_text("3 runs · 0 selected")
    page.get_by_label("Select run disposable-0").check()
    page.get_by_label("Select run disposable-1").check()
    page.get_by_role("button", name="Delete runs").click()
    dialog = page.get_by_role("dialog", name="Delete runs")
    expect(dialog).to_contain_text("2 runs")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#run-status")).to_have_text("1 run · 0 selected")
    assert names(page) == ["disposable-2"]

    page.get_by_label("Lifecycle").select_option("deleted")
    expect(page.locator("#run-status")).to_have_text("2 runs · 0 selected")
    assert query(page)["stage"] == ["deleted"]
    page.get_by_label("Select all runs").check()
    page.get_by_role("button", name="Restore runs").click()
    expect(page.locator("#run-status")).to_have_text("0 runs · 0 selected")
    page.get_by_label("Lifecycle").select_option("active")
    expect(page.locator("#run-status")).to_have_text("3 runs · 0 selected")


def test_export_csv_of_the_shown_runs(page: Any, alpha: str) -> None:
    page.goto(
        f"/experiments/{alpha}?cols=metrics.loss,params.lr&filter=tags.team%20%3D%20%27vision%27"
    )
    expect(page.locator("#run-status")).to_have_text("4 runs · 0 selected")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename == f"runs-{alpha}.csv"
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    assert [r["run_name"] for r in rows] == ["diverged", "wide", "tuned", "baseline"]
    by_name = {r["run_name"]: r for r in rows}
    assert by_name["baseline"]["metrics.loss"] == "0.5"
    assert by_name["tuned"]["params.lr"] == "0.01"
    assert by_name["wide"]["user"] == "carol"
    assert by_name["baseline"]["duration_s"] == "300"
    assert set(rows[0]) >= {"run_id", "status", "start_time", "source"}


def test_deep_link_reproduces_the_view(page: Any, alpha: str, seeded: Seeded) -> None:
    chosen = f"{seeded.runs['tuned']},{seeded.runs['baseline']}"
    page.goto(
        f"/experiments/{alpha}?filter=params.batch_size%20%3D%20%2732%27&order=metrics.loss:desc"
        f"&cols=metrics.loss&sel={chosen}"
    )
    expect(page.locator("#run-status")).to_have_text("3 runs · 2 selected")
    expect(page.get_by_label("Filter runs")).to_have_value("params.batch_size = '32'")
    assert names(page) == ["diverged", "baseline", "tuned"]
    loss = page.locator('th[data-column="metrics.loss"]')
    expect(loss).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_label("Select run tuned")).to_be_checked()
    expect(page.get_by_label("Select run baseline")).to_be_checked()
    expect(page.get_by_label("Select run diverged")).not_to_be_checked()


def test_thousands_of_runs_scroll_virtually(
    page: Any, ui_server: RunningServer, rest: httpx.Client, seeded: Seeded, shot: Any
) -> None:
    eid = create_experiment(rest, "many-runs")
    bulk_runs(f"sqlite:///{ui_server.log.parent / 'trackbook.db'}", eid, 3000)
    page.goto(f"/experiments/{eid}?cols=metrics.score")
    expect(page.locator("#run-status")).to_have_text("3,000 runs · 0 selected")
    expect(page.locator("table.runs")).to_have_attribute("aria-rowcount", "3001")
    rendered = page.locator("table.runs tbody tr[data-run]").count()
    assert 10 < rendered < 120  # only the rows in view (plus a margin) exist
    expect(page.locator(ROW_NAMES).first).to_have_text("bulk-02999")
    page.locator("#runs-grid").evaluate("el => el.scrollTo(0, el.scrollHeight)")
    expect(page.locator(ROW_NAMES).last).to_have_text("bulk-00000")
    assert page.locator("table.runs tbody tr[data-run]").count() < 120
    page.locator("#runs-grid").evaluate("el => el.scrollTo(0, el.scrollHeight / 2)")
    expect(page.locator(ROW_NAMES).filter(has_text="bulk-01500")).to_have_count(1)
    shot(page, "three-thousand-runs")
