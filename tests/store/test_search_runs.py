"""Run search on SQLite, PostgreSQL and MariaDB: filter text -> the runs it selects.

The seeded experiment is described in tests/search/seed.py; each case names the seed
numbers of the runs it must return (active runs unless the view type says otherwise).
"""

from __future__ import annotations

import pytest

from tests.search.seed import ACTIVE, ALL, DELETED, START, Seeded, seeded_store  # noqa: F401
from trackbook.errors import InvalidParameter


def evens(which: frozenset[int] = ACTIVE) -> set[int]:
    return {i for i in which if i % 2 == 0}


def mod(k: int, r: int) -> set[int]:
    return {i for i in ACTIVE if i % k == r}


FILTERS: list[tuple[str, set[int] | frozenset[int]]] = [
    ("", ACTIVE),
    # metrics: numbers, NaN, missing, infinity, the latest value
    ("metrics.acc > 0.2", {21, 22, 23, 24, 25, 27, 28, 29}),
    ("metrics.acc = 0.1", {10}),
    ("metrics.acc != 0.1", ACTIVE - {6, 10}),  # NaN (run 5) is != everything
    ("metrics.acc < 0.03", {0, 1, 2}),  # run 0 logged 0.9, then 0.0 later
    ("metrics.acc <= 0.0", {0}),
    ("metrics.acc >= 0.29", {29}),
    ("metrics.acc IS NULL", {6}),
    ("metrics.acc IS NOT NULL", ACTIVE - {6}),
    ("metrics.loss > 0.25", {0, 1, 2, 3, 4, 23}),
    ("metrics.loss > 1e308", {23}),
    ("metrics.loss >= 1e999", {23}),
    ("metrics.loss <= 0.08", {22}),
    ("metrics.`loss` < 0.1 AND metrics.acc > 0.2", {21, 22}),
    ("metrics.nothing > 0", set()),
    # params
    ("params.model = 'resnet'", mod(3, 0)),
    ("params.model != 'resnet'", mod(3, 1) | mod(3, 2)),
    ("params.model IN ('vit', 'mlp')", mod(3, 1) | mod(3, 2)),
    ("params.model NOT IN ('vit', 'mlp')", mod(3, 0)),
    ("params.model LIKE 'res%'", mod(3, 0)),
    ("params.model LIKE 'RES%'", set()),
    ("params.model ILIKE 'RES%'", mod(3, 0)),
    ("params.model LIKE '_it'", mod(3, 1)),
    ("params.lr = '0.01'", set(range(10, 20))),
    ("params.opt IS NULL", ACTIVE - evens()),
    ("params.opt IS NOT NULL", evens()),
    ("params.opt = 'adam'", mod(4, 0)),
    ("params.opt != 'adam'", mod(4, 2)),  # runs without the param never match !=
    ("params.`batch size` = '32'", mod(5, 0)),
    ('params."batch size" = "32"', mod(5, 0)),
    # tags, quoting and LIKE escapes
    ("tags.team = 'a'", set(range(15))),
    ("tags.quote = 'it''s'", {7}),
    ('tags.quote = "it\'s"', {7}),
    ("tags.pattern LIKE '50%'", {8, 9}),
    ("tags.pattern LIKE '50\\%%'", {8}),
    ("tags.pattern LIKE '50_\\_off'", {8, 9}),
    ("tags.pattern LIKE '50\\_%'", set()),
    ("tags.mlflow.runName = 'run-03'", {3}),
    ("tags.\"mlflow.runName\" = 'run-03'", {3}),
    # attributes and their MLflow aliases
    ("attributes.run_name = 'run-03'", {3}),
    ("`Run name` = 'run-03'", {3}),
    ("run_name LIKE 'run-0%'", set(range(10))),
    ("run_name ILIKE 'RUN-1%'", set(range(10, 20))),
    ("attributes.status = 'FAILED'", {10, 11, 12}),
    ("status IN ('FAILED', 'KILLED')", {10, 11, 12, 27}),
    ("attributes.status != 'FINISHED'", {10, 11, 12, 27, 28, 29}),
    ("attributes.end_time IS NULL", {28, 29}),
    ("attributes.user_id = 'alice'", evens()),
    (f"attributes.start_time >= {START + 14_000}", {28, 29}),
    (f"created < {START + 1000}", {0, 1}),
    (f"attributes.end_time = {START + 500}", {0, 1}),
    ("attributes.artifact_uri LIKE '%/artifacts'", ACTIVE),
    ("attributes.lifecycle_stage = 'active'", ACTIVE),
    # datasets
    ("dataset.name = 'mnist'", {0, 1, 2, 3, 4}),
    ("dataset.digest = 'd2'", {3, 4, 5, 6}),
    ("dataset.context = 'eval'", {3, 4, 5, 6}),
    ("datasets.name IN ('mnist', 'cifar')", set(range(7))),
    ("dataset.name != 'mnist'", {3, 4, 5, 6}),
    # each condition is about any one of the run's datasets, as in MLflow
    ("dataset.name = 'cifar' AND dataset.context = 'training'", {3, 4}),
    ("dataset.name = 'mnist' AND dataset.context = 'training'", {0, 1, 2, 3, 4}),
    # AND, OR, parentheses
    ("tags.team = 'a' AND params.model = 'vit'", {1, 4, 7, 10, 13}),
    ("params.model = 'mlp' OR metrics.acc < 0.03", mod(3, 2) | {0, 1}),
    (
        "(params.model = 'mlp' OR params.model = 'vit') AND metrics.acc >= 0.2",
        {20, 22, 23, 25, 28, 29},
    ),
    (
        "params.model = 'vit' AND (tags.team = 'b' OR attributes.status = 'FAILED')",
        {10, 16, 19, 22, 25, 28},
    ),
    ("metrics.acc > 0.28 OR run_name = 'run-00' OR dataset.digest = 'd2'", {0, 3, 4, 5, 6, 29}),
]


@pytest.mark.parametrize(("text", "expected"), FILTERS)
def test_filter_selects_the_expected_runs(
    seeded: Seeded, text: str, expected: set[int] | frozenset[int]
) -> None:
    page = seeded.store.runs.search([seeded.experiment_id], filter_string=text)
    assert sorted(seeded.numbers(page.items)) == sorted(expected)
    assert page.next_page_token is None


def test_run_ids_in_a_list(seeded: Seeded) -> None:
    ids = seeded.ids
    page = seeded.store.runs.search(
        [seeded.experiment_id],
        filter_string=f"attributes.run_id IN ('{ids[4]}', '{ids[5]}', 'nope')",
    )
    assert sorted(seeded.numbers(page.items)) == [4, 5]
    page = seeded.store.runs.search(
        [seeded.experiment_id], filter_string=f"attributes.run_id = '{ids[7]}'"
    )
    assert seeded.numbers(page.items) == [7]


@pytest.mark.parametrize(
    ("view", "text", "expected"),
    [
        ("ACTIVE_ONLY", "", ACTIVE),
        ("DELETED_ONLY", "", {DELETED}),
        ("ALL", "", ALL),
        ("ALL", "attributes.lifecycle_stage = 'deleted'", {DELETED}),
        ("ALL", "params.model = 'mlp'", {i for i in ALL if i % 3 == 2}),
    ],
)
def test_view_type(seeded: Seeded, view: str, text: str, expected: set[int]) -> None:
    page = seeded.store.runs.search([seeded.experiment_id], filter_string=text, run_view_type=view)
    assert sorted(seeded.numbers(page.items)) == sorted(expected)


def test_many_experiments_at_once(seeded: Seeded) -> None:
    store = seeded.store
    both = [seeded.experiment_id, seeded.other_experiment_id]
    found = store.runs.search(both, filter_string="params.model = 'resnet' AND metrics.acc > 0.26")
    assert {r.info.run_id for r in found.items} == {seeded.ids[27], *seeded.other_ids}
    assert store.runs.search([seeded.other_experiment_id]).items[0].info.run_name == "other-2"
    assert store.runs.search([]).items == []
    assert store.runs.search(["987654321"]).items == []


def test_results_carry_the_whole_run(seeded: Seeded) -> None:
    (run,) = seeded.store.runs.search(
        [seeded.experiment_id], filter_string="run_name = 'run-04'"
    ).items
    assert run.info.status == "FINISHED"
    assert run.info.user_id == "alice"
    assert run.info.start_time == START + 2000
    assert run.info.end_time == START + 2500
    assert {p.key: p.value for p in run.params} == {"model": "vit", "lr": "0.1", "opt": "adam"}
    assert {m.key: m.value for m in run.metrics} == {"acc": 0.04, "loss": 0.26}
    assert {(t.key, t.value) for t in run.tags} >= {("team", "a"), ("mlflow.runName", "run-04")}
    assert sorted((i.dataset.name, i.tags[0].key, i.tags[0].value) for i in run.inputs) == [
        ("cifar", "mlflow.data.context", "eval"),
        ("mnist", "mlflow.data.context", "training"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"filter_string": "metrics.acc > 'x'"}, "filter: col 15"),
        ({"order_by": ["metrics.acc SIDEWAYS"]}, "order_by[0]: col 13"),
        ({"max_results": 50_001}, "max_results: 50001 is more than the maximum of 50000"),
        ({"max_results": -1}, "max_results: must be a positive number"),
        ({"run_view_type": "SOME"}, "view_type"),
        ({"page_token": "not a token"}, "page_token: not a valid page token"),
    ],
)
def test_bad_requests_name_the_field(seeded: Seeded, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameter) as exc:
        seeded.store.runs.search([seeded.experiment_id], **kwargs)  # type: ignore[arg-type]
    assert exc.value.message.startswith(field), exc.value.message


def test_bad_experiment_id(seeded: Seeded) -> None:
    with pytest.raises(InvalidParameter, match=r"^experiment_ids\[1\]: 'x' is not a valid"):
        seeded.store.runs.search([seeded.experiment_id, "x"])
