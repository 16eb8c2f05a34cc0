"""docs/search.md names every key, alias, prefix and limit the search language has."""

from __future__ import annotations

from pathlib import Path

import pytest

from trackbook.search.keys import EXPERIMENTS, PREFIXES, RUNS
from trackbook.store import experiments, runs

DOC = (Path(__file__).parents[2] / "docs" / "search.md").read_text()

NAMES = sorted(
    (
        {*RUNS.attributes, *RUNS.aliases, *EXPERIMENTS.attributes, *EXPERIMENTS.aliases}
        | {f"{prefix}." for prefix in PREFIXES}
        | {f"dataset.{field}" for field in RUNS.dataset_fields}
    )
    - {"run name"}  # written `Run name`, as users quote it
)


@pytest.mark.parametrize("name", NAMES)
def test_every_key_is_documented(name: str) -> None:
    assert f"`{name}`" in DOC, f"docs/search.md does not mention `{name}`"


@pytest.mark.parametrize(
    "limit",
    [
        runs.DEFAULT_SEARCH_PAGE,
        runs.MAX_SEARCH_PAGE,
        runs.MAX_SEARCH_EXPERIMENTS,
        experiments.DEFAULT_SEARCH_PAGE,
        experiments.MAX_SEARCH_PAGE,
    ],
)
def test_limits_are_documented(limit: int) -> None:
    assert f"{limit:,}" in DOC
