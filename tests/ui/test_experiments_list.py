"""The experiments list: search, show deleted, sort, create, rename, delete, restore."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import expect

from tests.ui.seed import Seeded, call, create_experiment, create_run, finish

NAMES = "#experiments-table tbody td.name a"
FUTURE = 1_925_000_000_000  # 2031-01-01 (UTC)


def row(page: Any, name: str) -> Any:
    link = page.get_by_role("link", name=name, exact=True)
    return page.locator("#experiments-table tbody tr", has=link)


def test_list_shows_experiments_with_run_counts_creators_and_locations(
    page: Any, seeded: Seeded, shot: Any
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible()
    names = page.locator(NAMES).all_inner_texts()
    assert {"alpha-classifier", "beta-regression", "Default"} <= set(names)
    assert "gamma-retired" not in names  # deleted ones only with the toggle
    alpha = row(page, "alpha-classifier")
    expect(alpha.locator("td.run-count")).to_have_text("8")
    expect(alpha).to_contain_text("alice@example.com")
    expect(alpha).to_contain_text("Baseline image classifier")
    beta = row(page, "beta-regression")
    expect(beta.locator("td.run-count")).to_have_text("3")
    expect(beta).to_contain_text("s3://models-bucket/beta")
    local_time = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
    expect(alpha.locator("td time").first).to_have_text(local_time)
    shot(page, "list")


def test_search_matches_name_creator_location_and_description(page: Any, seeded: Seeded) -> None:
    page.goto("/")
    box = page.get_by_label("Filter experiments")
    for text, expected in [
        ("bob@", ["beta-regression"]),
        ("MODELS-BUCKET", ["beta-regression"]),
        ("image classifier", ["alpha-classifier"]),
        ("alpha", ["alpha-classifier"]),
        ("no such thing", []),
    ]:
        box.fill(text)
        box.press("Enter")
        page.wait_for_url(lambda url, t=text: parse_qs(urlparse(url).query).get("q") == [t])
        expect(page.get_by_label("Filter experiments")).to_have_value(text)
        assert page.locator(NAMES).all_inner_texts() == expected, text
    expect(page.locator("p.empty")).to_have_text("No experiments match “no such thing”.")


def test_show_deleted_toggle_and_restore(page: Any, seeded: Seeded, rest: httpx.Client) -> None:
    doomed = create_experiment(rest, "delta-restorable")
    call(rest, "experiments/delete", {"experiment_id": doomed})
    page.goto("/?q=delta-restorable")
    assert page.locator(NAMES).all_inner_texts() == []
    page.get_by_label("Show deleted").check()  # applies at once
    page.wait_for_url(re.compile(r"deleted=1"))
    deleted = row(page, "delta-restorable")
    expect(deleted.locator(".badge")).to_have_text("Deleted")
    deleted.get_by_role("button", name="Restore").click()
    expect(row(page, "delta-restorable").locator(".badge")).to_have_count(0)
    page.get_by_label("Show deleted").uncheck()
    page.wait_for_url(re.compile(r"^(?!.*deleted=1)"))
    expect(row(page, "delta-restorable")).to_have_count(1)


def test_last_update_follows_run_activity(page: Any, seeded: Seeded, rest: httpx.Client) -> None:
    eid = create_experiment(rest, "zeta-busy")
    run_id = create_run(rest, eid, "late-run", start=FUTURE)
    finish(rest, run_id, FUTURE + 60_000)
    page.goto("/?sort=-updated")
    first = page.locator("#experiments-table tbody tr").first
    expect(first.locator("td.name a")).to_have_text("zeta-busy")
    expect(first.locator("td time").nth(1)).to_have_attribute("data-ms", str(FUTURE + 60_000))
    expect(first.locator("td time").nth(1)).to_have_text(re.compile(r"^2031-01-0[12] "))


def test_sort_by_name_and_run_count(page: Any, seeded: Seeded) -> None:
    page.goto("/")
    page.get_by_label("Sort by").select_option(value="name")
    page.wait_for_url(re.compile(r"sort=name"))
    names = page.locator(NAMES).all_inner_texts()
    assert names == sorted(names)
    page.get_by_label("Sort by").select_option(label="Most runs")
    page.wait_for_url(re.compile(r"sort=-runs"))
    counts = [int(c) for c in page.locator("#experiments-table td.run-count").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    assert page.locator(NAMES).first.inner_text() == "alpha-classifier"


def test_create_experiment_with_artifact_location(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto("/")
    page.get_by_role("button", name="New experiment").click()
    dialog = page.get_by_role("dialog", name="New experiment")
    dialog.get_by_label("Name").fill("created-in-the-ui")
    dialog.get_by_label("Artifact location").fill("s3://ui-bucket/created")
    shot(page, "create-dialog")
    dialog.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/experiments/\d+$"))
    expect(page.locator("#experiment-title")).to_have_text("created-in-the-ui")
    expect(page.locator(".facts")).to_contain_text("s3://ui-bucket/created")
    expect(page.locator("#run-status")).to_have_text("0 runs · 0 selected")

    # A second active experiment of that name is refused, in the dialog.
    page.goto("/")
    page.get_by_role("button", name="New experiment").click()
    dialog = page.get_by_role("dialog", name="New experiment")
    dialog.get_by_label("Name").fill("created-in-the-ui")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.locator(".form-error")).to_contain_text("already exists")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_rename_and_delete_from_the_list(page: Any, seeded: Seeded, rest: httpx.Client) -> None:
    create_experiment(rest, "epsilon-to-rename")
    page.goto("/?q=epsilon")
    row(page, "epsilon-to-rename").get_by_role("button", name="Rename").click()
    dialog = page.get_by_role("dialog", name="Rename experiment")
    expect(dialog.get_by_label("New name")).to_have_value("epsilon-to-rename")
    dialog.get_by_label("New name").fill("epsilon-renamed")
    dialog.get_by_role("button", name="Rename").click()
    expect(row(page, "epsilon-renamed")).to_have_count(1)

    row(page, "epsilon-renamed").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete experiment")
    expect(dialog).to_contain_text("epsilon-renamed")
    dialog.get_by_role("button", name="Delete").click()
    expect(row(page, "epsilon-renamed")).to_have_count(0)
    page.get_by_label("Show deleted").check()
    expect(row(page, "epsilon-renamed").locator(".badge")).to_have_text("Deleted")


def test_view_runs_of_several_experiments(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto("/")
    view = page.get_by_role("button", name=re.compile("View runs of"))
    expect(view).to_be_disabled()
    page.get_by_label("Select experiment alpha-classifier").check()
    page.get_by_label("Select experiment beta-regression").check()
    expect(view).to_have_text("View runs of 2 experiments")
    view.click()
    alpha, beta = seeded.experiments["alpha"], seeded.experiments["beta"]
    page.wait_for_url(re.compile(rf"/experiments/({alpha},{beta}|{beta},{alpha})$"))
    expect(page.locator("#run-status")).to_have_text("11 runs · 8 rows shown · 0 selected")
    header = page.locator("table.runs thead")
    expect(header).to_contain_text("Experiment")
    ridge = page.locator("table.runs tbody tr", has_text="ridge-0")
    expect(ridge).to_contain_text("beta-regression")
    shot(page, "two-experiments")
