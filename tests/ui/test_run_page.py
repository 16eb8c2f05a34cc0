"""The run page: details (params, metrics with extremes and charts, tags, datasets, models)
and the artifacts tab (tree, previews of text, JSON, YAML, CSV and images, downloads)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.ui.seed import ARTIFACTS, Seeded


def kv(page: Any, table: str) -> dict[str, str]:
    rows = page.locator(f"{table} tbody tr")
    out = {}
    for k in range(rows.count()):
        row = rows.nth(k)
        out[row.locator("th").inner_text()] = row.locator("td").first.inner_text()
    return out


def test_details_tab(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto(f"/runs/{seeded.runs['baseline']}")
    expect(page.locator("#run-title")).to_contain_text("baseline")
    expect(page.locator("#fact-status")).to_have_text("FINISHED")
    expect(page.locator("#fact-user")).to_have_text("alice")
    expect(page.locator("#fact-source")).to_have_text("/home/alice/project/train.py (LOCAL)")
    expect(page.locator("#fact-commit")).to_have_text("3f2c9e1d0b8a7c6e5f4d3c2b1a0f9e8d7c6b5a49")
    expect(page.locator("#fact-duration")).to_have_text("5m 0s")
    expect(page.locator(".card", has_text="Description")).to_contain_text("First try, plain SGD.")
    assert kv(page, "#params-table") == {"batch_size": "32", "lr": "0.1", "optimizer": "sgd"}
    assert kv(page, "#tags-table") == {"team": "vision"}
    loss = page.locator('#metrics-table tr[data-metric="loss"]')
    cells = [loss.locator(f"td.{c}").inner_text() for c in ("latest", "min", "max", "values")]
    assert cells == ["0.5", "0.5", "2", "50"]
    datasets = page.locator("#datasets-table tbody tr")
    expect(datasets).to_have_count(1)
    expect(datasets).to_contain_text("cifar10-train")
    expect(datasets).to_contain_text("training")
    expect(datasets).to_contain_text("a1b2c3d4")
    models = page.locator("#models-table tbody tr")
    expect(models.first).to_contain_text("model")
    expect(models.first).to_contain_text("python_function, sklearn")
    # Logged models of MLflow 3 (logged-models/search by source run) join the list.
    expect(models.filter(has_text="classifier")).to_contain_text("sklearn")
    expect(models.filter(has_text="classifier")).to_contain_text(re.compile(r"m-[0-9a-f]{32}"))

    # A metric with more than one value gets a line graph, drawn when scrolled into view.
    page.get_by_role("link", name="loss", exact=True).click()
    chart = page.locator('figure[data-metric="loss"] .chart')
    expect(chart).to_have_attribute("data-points", "50")
    assert chart.evaluate("n => n.data[0].y[49]") == 0.5
    shot(page, "details", full_page=True)


def test_single_value_metric_and_parent_link(page: Any, seeded: Seeded) -> None:
    page.goto(f"/runs/{seeded.runs['trial-0']}")
    expect(page.locator("#run-title")).to_contain_text("trial-0")
    expect(page.locator(".facts")).to_contain_text("Parent run")
    loss = page.locator('#metrics-table tr[data-metric="loss"]')
    expect(loss.locator("td.values")).to_have_text("1")
    expect(page.locator('figure[data-metric="loss"]')).to_have_count(0)  # one value: no graph
    page.locator(".facts").get_by_role("link", name="sweep").click()
    expect(page.locator("#run-title")).to_contain_text("sweep")


def test_artifacts_tab_browses_and_previews(page: Any, seeded: Seeded, shot: Any) -> None:
    page.goto(f"/runs/{seeded.runs['baseline']}")
    page.get_by_role("tab", name="Artifacts").click()
    assert "tab=artifacts" in page.url
    tree = page.get_by_role("tree", name="Artifacts of this run")
    top = tree.locator(":scope > li .node-name")
    expect(top).to_have_count(7)
    assert top.all_inner_texts() == [
        "model",
        "plots",
        "config.yaml",
        "metrics.json",
        "notes.txt",
        "predictions.csv",
        "weights.bin",
    ]
    preview = page.locator("#artifact-preview")

    tree.get_by_role("treeitem", name=re.compile("^metrics.json")).click()
    expect(preview.locator("pre.preview-json")).to_contain_text('"accuracy": 0.875')
    assert "path=metrics.json" in page.url

    tree.get_by_role("treeitem", name=re.compile("^predictions.csv")).click()
    table = preview.locator("table.preview-csv")
    expect(table.locator("tbody tr")).to_have_count(3)
    assert table.locator("thead th").all_inner_texts() == ["id", "label", "score"]
    expect(table.locator("tbody tr").nth(2).locator("td").nth(1)).to_have_text("cat, maybe")
    shot(page, "csv-preview")

    tree.get_by_role("treeitem", name=re.compile("^config.yaml")).click()
    expect(preview.locator("pre.preview-yaml")).to_contain_text("optimizer: sgd")

    tree.get_by_role("treeitem", name=re.compile("^plots")).click()
    image_item = tree.get_by_role("treeitem", name=re.compile("^loss.png"))
    image_item.click()
    image = preview.locator("img.preview-image")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 8", arg=image.element_handle()
    )

    tree.get_by_role("treeitem", name=re.compile("^weights.bin")).click()
    expect(preview).to_contain_text("No preview for this kind of file")

    tree.get_by_role("treeitem", name=re.compile("^notes.txt")).click()
    expect(preview.locator("pre.preview-text")).to_contain_text("Trained on 4 GPUs.")
    with page.expect_download() as info:
        preview.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == "notes.txt"
    with open(download.path(), "rb") as saved:
        assert saved.read() == ARTIFACTS["notes.txt"]


def test_artifact_deep_link_and_keyboard(page: Any, seeded: Seeded) -> None:
    page.goto(f"/runs/{seeded.runs['baseline']}?tab=artifacts&path=model/MLmodel")
    preview = page.locator("#artifact-preview")
    expect(preview.locator("h2")).to_have_text("model/MLmodel")
    expect(preview.locator("pre.preview-yaml")).to_contain_text("artifact_path: model")
    model = page.get_by_role("treeitem", name=re.compile("^model"))
    expect(model.first).to_have_attribute("aria-expanded", "true")

    # Arrow keys walk the tree; Enter opens a folder or previews a file.
    page.get_by_role("treeitem", name=re.compile("^MLmodel")).focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("treeitem", name=re.compile("^requirements.txt"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(preview.locator("pre.preview-text")).to_contain_text("scikit-learn==1.5.0")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("treeitem", name=re.compile("^plots"))).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("treeitem", name=re.compile("^loss.png"))).to_be_visible()


def test_run_without_artifacts_says_so(page: Any, seeded: Seeded) -> None:
    page.goto(f"/runs/{seeded.runs['tuned']}?tab=artifacts")
    expect(page.locator("#artifact-empty")).to_have_text("No artifacts recorded for this run.")


def test_unknown_run_shows_an_error_page(page: Any, seeded: Seeded) -> None:
    response = page.goto("/runs/" + "f" * 32)
    assert response is not None and response.status == 404
    expect(page.locator(".error-message")).to_contain_text("not found")
