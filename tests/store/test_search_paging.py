"""Ordering (with MLflow's null placement and tie-break) and keyset paging of run search,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import base64
import uuid

import orjson
import pytest

from tests.search.seed import ACTIVE, START, Seeded, seeded_store  # noqa: F401
from trackbook.errors import InvalidParameter
from trackbook.models import Metric, Param, Run
from trackbook.store import Store


def _desc(*which: int) -> list[int]:
    return sorted(which, reverse=True)


def expected_order(s: Seeded, order_by: tuple[str, ...]) -> list[int]:
    """The order each case must produce, spelled out from the seed (see seed.py)."""
    active = set(ACTIVE)
    by_default = s.default_order
    acc_numbers = sorted(active - {5, 6})  # acc = i / 100 on these
    cases: dict[tuple[str, ...], list[int]] = {
        (): by_default(active),
        ("start_time DESC",): by_default(active),
        # a run's position among equal start times comes from its id
        ("start_time ASC",): sorted(active, key=lambda i: (START + (i // 2) * 1000, s.ids[i])),
        # numbers first, then NaN (run 5), then the run without the metric (run 6)
        ("metrics.acc DESC",): [*_desc(*acc_numbers), 5, 6],
        ("metrics.acc",): [*acc_numbers, 5, 6],
        # +inf (run 23) sorts as the largest number; runs without loss last, in default order
        ("metrics.loss DESC",): [23, *range(23), *by_default({24, 25, 27, 28, 29})],
        ("metrics.loss ASC",): [*_desc(*range(23)), 23, *by_default({24, 25, 27, 28, 29})],
        # strings; runs without the param last in either direction
        ("params.opt ASC",): [28, 24, 20, 16, 12, 8, 4, 0, 22, 18, 14, 10, 6, 2, *_odd(s)],
        ("params.opt DESC",): [22, 18, 14, 10, 6, 2, 28, 24, 20, 16, 12, 8, 4, 0, *_odd(s)],
        ("tags.pattern",): [8, 9, *by_default(active - {8, 9})],
        ("params.model ASC", "metrics.acc DESC"): [
            *[29, 23, 20, 17, 14, 11, 8, 2, 5],  # mlp; run 5's acc is NaN
            *[27, 24, 21, 18, 15, 12, 9, 3, 0, 6],  # resnet; run 6 has no acc
            *[28, 25, 22, 19, 16, 13, 10, 7, 4, 1],  # vit
        ],
        ("attributes.run_name DESC",): _desc(*active),
        ("status", "run_name"): [
            *[10, 11, 12],
            *sorted(active - {10, 11, 12, 27, 28, 29}),
            27,
            28,
            29,
        ],
        # NULL end times (the RUNNING runs) last; equal end times by start_time, then id
        ("attributes.end_time DESC",): [*by_default(active - {28, 29}), *by_default({28, 29})],
        ("attributes.end_time ASC",): [
            *sorted(active - {28, 29}, key=lambda i: (i // 2, s.ids[i])),
            *by_default({28, 29}),
        ],
    }
    return cases[order_by]


def _odd(s: Seeded) -> list[int]:
    return s.default_order({i for i in ACTIVE if i % 2})


ORDERINGS = [
    (),
    ("start_time DESC",),
    ("start_time ASC",),
    ("metrics.acc DESC",),
    ("metrics.acc",),
    ("metrics.loss DESC",),
    ("metrics.loss ASC",),
    ("params.opt ASC",),
    ("params.opt DESC",),
    ("tags.pattern",),
    ("params.model ASC", "metrics.acc DESC"),
    ("attributes.run_name DESC",),
    ("status", "run_name"),
    ("attributes.end_time DESC",),
    ("attributes.end_time ASC",),
]


@pytest.mark.parametrize("order_by", ORDERINGS, ids=lambda o: " ,".join(o) or "default")
def test_order(seeded: Seeded, order_by: tuple[str, ...]) -> None:
    page = seeded.store.runs.search([seeded.experiment_id], order_by=list(order_by))
    assert seeded.numbers(page.items) == expected_order(seeded, order_by)


def walk(store: Store, experiment_ids: list[str], size: int, **kwargs: object) -> list[Run]:
    found: list[Run] = []
    token = None
    for _ in range(1000):
        page = store.runs.search(
            experiment_ids,
            max_results=size,
            page_token=token,
            **kwargs,  # type: ignore[arg-type]
        )
        assert len(page.items) <= size
        found += page.items
        token = page.next_page_token
        if token is None:
            return found
        assert len(page.items) == size
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("order_by", ORDERINGS, ids=lambda o: " ,".join(o) or "default")
def test_pages_walk_every_run_once_in_order(seeded: Seeded, order_by: tuple[str, ...]) -> None:
    expected = expected_order(seeded, order_by)
    for size in (4, 29):
        found = walk(seeded.store, [seeded.experiment_id], size, order_by=list(order_by))
        assert seeded.numbers(found) == expected, f"pages of {size}"


@pytest.mark.parametrize("order_by", [(), ("params.model ASC", "metrics.acc DESC")])
def test_pages_of_one_run(seeded: Seeded, order_by: tuple[str, ...]) -> None:
    found = walk(seeded.store, [seeded.experiment_id], 1, order_by=list(order_by))
    assert seeded.numbers(found) == expected_order(seeded, order_by)


def test_pages_of_a_filtered_search(seeded: Seeded) -> None:
    found = walk(
        seeded.store,
        [seeded.experiment_id],
        3,
        filter_string="params.model = 'mlp' OR tags.team = 'a'",
        order_by=["metrics.acc DESC"],
    )
    assert seeded.numbers(found) == [
        29,
        23,
        20,
        17,
        *[14, 13, 12, 11, 10, 9, 8, 7, 4, 3, 2, 1, 0],
        5,
        6,
    ]


def test_a_token_belongs_to_its_search(seeded: Seeded) -> None:
    runs = seeded.store.runs
    eid = seeded.experiment_id
    token = runs.search([eid], max_results=2, order_by=["metrics.acc"]).next_page_token
    assert token is not None
    assert runs.search([eid], max_results=2, order_by=["metrics.acc"], page_token=token).items
    for other in (
        {"order_by": ["metrics.acc DESC"]},
        {"order_by": ["metrics.acc"], "filter_string": "params.model = 'vit'"},
        {"order_by": ["metrics.acc"], "run_view_type": "ALL"},
    ):
        with pytest.raises(InvalidParameter, match=r"^page_token: this token belongs to a diff"):
            runs.search([eid], page_token=token, **other)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match=r"^page_token: this token belongs to a diff"):
        runs.search([eid, seeded.other_experiment_id], order_by=["metrics.acc"], page_token=token)


def _forge(token: str, change: dict[str, object]) -> str:
    state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    state.update(change)
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode()


@pytest.mark.parametrize(
    "change",
    [
        {"k": ["x", 0.5, START, "abc"]},  # a string where the bucket number goes
        {"k": [0, None, START, "abc"]},  # NULL value in the numbers' bucket is fine...
        {"k": [0, 0.5, None, "abc"]},  # ...but not a NULL start time
        {"k": [0, 0.5, START]},
        {"k": "0"},
        {"v": 99},
        {"k": [True, 0.5, START, "abc"]},
    ],
)
def test_forged_tokens_are_rejected_or_harmless(seeded: Seeded, change: dict[str, object]) -> None:
    runs = seeded.store.runs
    eid = seeded.experiment_id
    token = runs.search([eid], max_results=2, order_by=["metrics.acc"]).next_page_token
    assert token is not None
    forged = _forge(token, change)
    if change == {"k": [0, None, START, "abc"]}:
        runs.search([eid], order_by=["metrics.acc"], page_token=forged)  # no error, any rows
        return
    with pytest.raises(InvalidParameter, match=r"^page_token: not a valid page token"):
        runs.search([eid], order_by=["metrics.acc"], page_token=forged)


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", "WzEsMl0", "e30", "ä"])
def test_garbage_tokens(seeded: Seeded, token: str) -> None:
    with pytest.raises(InvalidParameter, match=r"^page_token: not a valid page token"):
        seeded.store.runs.search([seeded.experiment_id], page_token=token)


def test_page_size_defaults(seeded: Seeded) -> None:
    runs = seeded.store.runs
    for size in (None, 0):
        page = runs.search([seeded.experiment_id], max_results=size)
        assert len(page.items) == len(ACTIVE)
        assert page.next_page_token is None
    assert len(runs.search([seeded.experiment_id], max_results=50_000).items) == len(ACTIVE)


# -- paging while runs are being added ---------------------------------------------------


def test_paging_stays_correct_while_runs_are_added(store: Store) -> None:
    """Runs created between two pages never make an existing run appear twice or not at
    all (offset paging would repeat the last run of a page for every newer run added)."""
    eid = store.experiments.create(f"moving-{uuid.uuid4().hex[:8]}")
    original = []
    for i in range(12):
        run = store.runs.create(eid, start_time=START + i * 10)
        store.runs.log_batch(run.info.run_id, metrics=[Metric("m", float(i % 4), 1, 0)])
        original.append(run.info.run_id)
    for order_by in ([], ["metrics.m DESC"], ["start_time ASC"]):
        seen: list[str] = []
        token = None
        added = 0
        while True:
            page = store.runs.search([eid], max_results=5, order_by=order_by, page_token=token)
            seen += [r.info.run_id for r in page.items]
            token = page.next_page_token
            if token is None:
                break
            # a newest run, an oldest run and one in the middle of every ordering
            for start, value in ((START + 1000, 9.0), (START - 1000, -1.0), (START + 55, 1.5)):
                run = store.runs.create(eid, start_time=start)
                store.runs.log_batch(run.info.run_id, metrics=[Metric("m", value, 1, 0)])
                added += 1
        assert added >= 6
        assert len(seen) == len(set(seen)), "a run was returned twice"
        assert set(original) <= set(seen), "a run that existed all along was skipped"


def test_a_page_of_many_runs_loads_in_chunks(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """More runs than one IN list holds come back whole and in order (the chunk size is
    made small here; at its real size this would take 50,000 runs)."""
    from trackbook.store import runs as run_store

    monkeypatch.setattr(run_store, "LOAD_CHUNK", 3)
    eid = store.experiments.create(f"chunks-{uuid.uuid4().hex[:8]}")
    ids = []
    for i in range(7):
        run = store.runs.create(eid, start_time=START + i)
        store.runs.log_batch(run.info.run_id, params=[Param("i", str(i))])
        ids.append(run.info.run_id)
    page = store.runs.search([eid])
    assert [r.info.run_id for r in page.items] == ids[::-1]
    assert [r.params[0].value for r in page.items] == [str(i) for i in range(6, -1, -1)]


# -- filters and orderings together ------------------------------------------------------

COMBINED_FILTERS = [
    "metrics.acc > 0.2",
    "metrics.acc != 0.1",
    "params.model = 'resnet'",
    "params.model IN ('vit', 'mlp') AND metrics.acc < 0.2",
    "params.opt IS NULL",
    "tags.team = 'a' AND params.model = 'vit'",
    "params.model = 'mlp' OR metrics.acc < 0.03",
    "dataset.name = 'mnist' OR tags.pattern LIKE '50%'",
    "attributes.status != 'FINISHED'",
]
COMBINED_ORDERINGS = [
    (),
    ("metrics.acc DESC",),
    ("metrics.loss ASC",),
    ("params.opt ASC",),
    ("params.model ASC", "metrics.acc DESC"),
    ("attributes.end_time DESC",),
]


@pytest.mark.parametrize("text", COMBINED_FILTERS)
@pytest.mark.parametrize("walk_index_from", [None, 1])
def test_filters_keep_the_order(
    seeded: Seeded, text: str, walk_index_from: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered search returns the unfiltered order restricted to the matching runs, for
    every ordering, also when SQLite is made to walk the sort key's index (which it does
    for experiments of SORTED_WALK_MIN_RUNS runs or more)."""
    from trackbook.store import runs as run_store

    if walk_index_from is not None:
        monkeypatch.setattr(run_store, "SORTED_WALK_MIN_RUNS", walk_index_from)
    seeded.store.runs._scope_sizes.clear()  # the threshold, not a remembered count, decides
    matching = set(
        seeded.numbers(seeded.store.runs.search([seeded.experiment_id], filter_string=text).items)
    )
    assert matching, "each case should match some runs"
    for order_by in COMBINED_ORDERINGS:
        found = walk(
            seeded.store, [seeded.experiment_id], 3, filter_string=text, order_by=list(order_by)
        )
        expected = [i for i in expected_order(seeded, order_by) if i in matching]
        assert seeded.numbers(found) == expected, order_by


@pytest.mark.parametrize("view", ["ACTIVE_ONLY", "ALL", "DELETED_ONLY"])
def test_index_walk_across_experiments_and_views(
    seeded: Seeded, view: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walking the sort key's index (SQLite, large experiments) finds what reading the
    runs finds, for several experiments and every view type."""
    from trackbook.store import runs as run_store

    both = [seeded.experiment_id, seeded.other_experiment_id]

    def ids(walk_from: int) -> list[str]:
        monkeypatch.setattr(run_store, "SORTED_WALK_MIN_RUNS", walk_from)
        seeded.store.runs._scope_sizes.clear()  # the threshold, not a remembered count, decides
        found = walk(
            seeded.store,
            both,
            4,
            order_by=["metrics.acc DESC", "params.model"],
            filter_string="params.model IN ('resnet', 'vit') OR metrics.acc > 0.25",
            run_view_type=view,
        )
        return [r.info.run_id for r in found]

    read_runs = ids(10**9)
    assert read_runs == ids(1)
    assert read_runs, "the case should match some runs"
