"""Experiment search on SQLite, PostgreSQL and MariaDB: filters, ordering, keyset paging.

PostgreSQL and MariaDB databases are shared by the tests of a session, so every case
narrows its search to the experiments it made (a unique name prefix).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import BACKENDS
from tests.search.seed import open_store
from trackbook.errors import InvalidParameter
from trackbook.models import Experiment, ExperimentTag
from trackbook.store import Store


@dataclass
class Made:
    store: Store
    prefix: str
    ids: dict[str, str]  # short name -> experiment id

    def names(self, found: list[Experiment]) -> list[str]:
        short = {eid: name for name, eid in self.ids.items()}
        return [short[e.experiment_id] for e in found if e.experiment_id in short]


def make(store: Store) -> Made:
    """Eight experiments: alpha..theta; tags team (a/b) on some, one deleted (zeta)."""
    prefix = f"xs-{uuid.uuid4().hex[:8]}"
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    ids = {}
    for i, name in enumerate(names):
        tags = [ExperimentTag("team", "a" if i < 3 else "b")] if i < 6 else []
        if name == "delta":
            tags.append(ExperimentTag("owner email", "d@example.com"))
        ids[name] = store.experiments.create(f"{prefix}-{name}", tags=tags)
    store.experiments.delete(ids["zeta"])
    return Made(store, prefix, ids)


@pytest.fixture(scope="module", params=BACKENDS, name="made")
def made_experiments(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_database_uris: dict[str, str],
) -> Iterator[Made]:
    """The eight experiments on each backend, once per module, for the read-only cases."""
    store = open_store(str(request.param), tmp_path_factory, server_database_uris)
    try:
        yield make(store)
    finally:
        store.close()


CASES = [
    ("name LIKE '{p}-%'", {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta"}),
    ("name LIKE '{p}-_eta'", {"beta"}),  # zeta is deleted
    ("name LIKE '{p}-G%'", set()),
    ("name ILIKE '{p}-G%'", {"gamma"}),
    ("name = '{p}-alpha'", {"alpha"}),
    (
        "name != '{p}-alpha' AND name LIKE '{p}%'",
        {"beta", "gamma", "delta", "epsilon", "eta", "theta"},
    ),
    ("name LIKE '{p}%' AND tags.team = 'a'", {"alpha", "beta", "gamma"}),
    ("name LIKE '{p}%' AND tags.team IS NULL", {"eta", "theta"}),
    ("name LIKE '{p}%' AND tags.`owner email` LIKE '%@example.com'", {"delta"}),
    (
        "name LIKE '{p}%' AND (tags.team = 'a' OR name LIKE '%eta')",
        {"alpha", "beta", "gamma", "eta", "theta"},
    ),
    ("name LIKE '{p}%' AND tags.team IN ('b')", {"delta", "epsilon"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_experiment_filters(made: Made, text: str, expected: set[str]) -> None:
    found = made.store.experiments.search(filter_string=text.format(p=made.prefix)).items
    assert set(made.names(found)) == expected


def test_ids_times_and_view_types(made: Made) -> None:
    exps = made.store.experiments
    ids = made.ids
    found = exps.search(filter_string=f"experiment_id IN ('{ids['alpha']}', {ids['beta']})")
    assert sorted(made.names(found.items)) == ["alpha", "beta"]
    found = exps.search(filter_string=f"id = '{ids['delta']}'")
    assert made.names(found.items) == ["delta"]
    found = exps.search(
        filter_string=f"experiment_id != {ids['delta']} AND name LIKE '{made.prefix}-%ta'"
    )
    assert sorted(made.names(found.items)) == ["beta", "eta", "theta"]
    created = exps.get(ids["delta"]).creation_time
    assert created is not None
    mine = f"name LIKE '{made.prefix}%'"
    later = exps.search(filter_string=f"creation_time >= {created} AND {mine}").items
    earlier = exps.search(filter_string=f"{mine} AND creation_time < {created}").items
    assert {"delta", "epsilon", "eta", "theta"} <= set(made.names(later))
    assert all((e.creation_time or 0) >= created for e in later)
    assert all((e.creation_time or 0) < created for e in earlier)
    assert len(later) + len(earlier) == 7
    deleted = exps.search(filter_string=f"name LIKE '{made.prefix}%'", view_type="DELETED_ONLY")
    assert made.names(deleted.items) == ["zeta"]
    every = exps.search(filter_string=f"name LIKE '{made.prefix}%'", view_type="ALL")
    assert len(made.names(every.items)) == 8


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["name"], ["alpha", "beta", "delta", "epsilon", "eta", "gamma", "theta"]),
        (["name DESC"], ["theta", "gamma", "eta", "epsilon", "delta", "beta", "alpha"]),
        (["experiment_id DESC"], ["theta", "eta", "epsilon", "delta", "gamma", "beta", "alpha"]),
        (["id"], ["alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta"]),
    ],
)
def test_experiment_order(made: Made, order_by: list[str], expected: list[str]) -> None:
    found = made.store.experiments.search(
        filter_string=f"name LIKE '{made.prefix}%'", order_by=order_by
    )
    assert made.names(found.items) == expected


def test_default_order_is_newest_first_then_id(made: Made) -> None:
    found = made.store.experiments.search(filter_string=f"name LIKE '{made.prefix}%'").items
    keys = [(-(e.creation_time or 0), int(e.experiment_id)) for e in found]
    assert keys == sorted(keys)
    assert len(found) == 7


@pytest.mark.parametrize(
    "order_by", [[], ["name DESC"], ["creation_time"], ["last_update_time DESC"]]
)
def test_paging_while_experiments_are_added(store: Store, order_by: list[str]) -> None:
    made = make(store)
    text = f"name LIKE '{made.prefix}%'"
    everything = store.experiments.search(filter_string=text, order_by=order_by).items
    seen: list[str] = []
    token = None
    n = 0
    while True:
        page = store.experiments.search(
            filter_string=text, order_by=order_by, max_results=2, page_token=token
        )
        assert len(page.items) <= 2
        seen += [e.experiment_id for e in page.items]
        token = page.next_page_token
        if token is None:
            break
        n += 1
        if n <= 3:  # newest experiments join the end of an oldest-first walk: stop adding
            for where in ("0000", "zzzz"):  # names that sort before and after the others
                store.experiments.create(f"{made.prefix}-{where}-{n}")
    assert n >= 3
    assert len(seen) == len(set(seen)), "an experiment was returned twice"
    assert {e.experiment_id for e in everything} <= set(seen), "an experiment was skipped"


def test_experiment_paging_errors(made: Made) -> None:
    store = made.store
    text = f"name LIKE '{made.prefix}%'"
    token = store.experiments.search(filter_string=text, max_results=3).next_page_token
    assert token is not None
    with pytest.raises(InvalidParameter, match=r"^page_token: this token belongs to a diff"):
        store.experiments.search(filter_string=text, order_by=["name"], page_token=token)
    with pytest.raises(InvalidParameter, match=r"^page_token: not a valid page token"):
        store.experiments.search(filter_string=text, page_token="garbage!")
    with pytest.raises(InvalidParameter, match=r"^max_results: 3001 is more than the maximum"):
        store.experiments.search(max_results=3001)
    for size in (None, 0):
        assert len(store.experiments.search(filter_string=text, max_results=size).items) == 7
