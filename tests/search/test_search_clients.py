"""The real mlflow client searching a real ``trackbook server``: ``mlflow.search_runs``
(a DataFrame), ``MlflowClient.search_runs`` and ``search_experiments``, including our
additions to the language (OR, parentheses, IS NULL) and keyset page tokens.

One server (SQLite) for the module; the store tests cover the three databases.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.compat.conftest import loopback_only, quiet_client_env, unique  # noqa: F401
from tests.conftest import RunningServer, start_server

pytestmark = pytest.mark.compat

START = 1_700_000_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("search-server"))
    yield running
    running.stop()


@pytest.fixture
def client(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    import mlflow

    quiet_client_env(monkeypatch)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    mlflow.set_tracking_uri(server.url)
    return mlflow.MlflowClient(tracking_uri=server.url)


def _seed(client: Any, n: int = 12) -> tuple[str, list[str]]:
    """``n`` runs: model a/b/c by i % 3, acc = i / 10 (none on run 4, NaN on run 5),
    tag ``odd`` only on odd runs, start times one second apart (run 0 oldest)."""
    from mlflow.entities import Metric, Param, RunTag

    eid = client.create_experiment(unique("search-clients"))
    ids = []
    for i in range(n):
        run = client.create_run(eid, start_time=START + i * 1000, run_name=f"r{i:02d}")
        metrics = []
        if i == 5:
            metrics.append(Metric("acc", math.nan, START, 0))
        elif i != 4:
            metrics.append(Metric("acc", i / 10, START, 0))
        client.log_batch(
            run.info.run_id,
            metrics=metrics,
            params=[Param("model", "abc"[i % 3])],
            tags=[RunTag("odd", "yes")] if i % 2 else [],
        )
        ids.append(run.info.run_id)
    client.set_terminated(ids[3], status="FAILED")
    return eid, ids


def test_client_search_runs_language_and_ordering(client: Any) -> None:
    eid, ids = _seed(client)

    def found(**kwargs: Any) -> list[str]:
        return [r.info.run_id for r in client.search_runs([eid], **kwargs)]

    assert found(filter_string="params.model = 'a' OR tags.odd IS NULL AND metrics.acc > 0.7") == [
        ids[i] for i in (10, 9, 8, 6, 3, 0)
    ]
    assert found(
        filter_string="(params.model = 'a' OR params.model = 'b') AND tags.odd IS NOT NULL"
    ) == [ids[i] for i in (9, 7, 3, 1)]
    assert found(filter_string="metrics.acc != 0.3 AND params.model = 'c'") == [
        ids[i]
        for i in (11, 8, 5, 2)  # NaN is != 0.3
    ]
    assert found(filter_string=f"attributes.run_id IN ('{ids[1]}', '{ids[2]}')") == [
        ids[2],
        ids[1],
    ]
    assert found(filter_string="attributes.status = 'FAILED'") == [ids[3]]
    assert found(filter_string="`Run name` LIKE 'r1%'") == [ids[11], ids[10]]
    # Numbers, then NaN (run 5), then the run without the metric (run 4), either way.
    by_acc = [ids[i] for i in (11, 10, 9, 8, 7, 6, 3, 2, 1, 0)]
    assert found(order_by=["metrics.acc DESC"]) == [*by_acc, ids[5], ids[4]]
    assert found(order_by=["metrics.acc ASC"]) == [*by_acc[::-1], ids[5], ids[4]]


def test_client_pages_with_keyset_tokens(client: Any) -> None:
    eid, ids = _seed(client)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.search_runs(
            [eid], order_by=["params.model DESC", "metrics.acc"], max_results=5, page_token=token
        )
        seen += [r.info.run_id for r in page]
        pages += 1
        token = page.token
        if not token:
            break
        client.create_run(eid, start_time=START + 10**6)  # a newer run between two pages
    expected = [ids[i] for i in (2, 8, 11, 5, 1, 7, 10, 4, 0, 3, 6, 9)]
    assert pages == 3
    assert [rid for rid in seen if rid in ids] == expected
    assert len(seen) == len(set(seen))

    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as bad:
        client.search_runs([eid], page_token="bm90IGEgdG9rZW4", max_results=5)
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "page_token" in bad.value.message


def test_client_reports_the_column_of_a_syntax_error(client: Any) -> None:
    from mlflow.exceptions import MlflowException

    eid = client.create_experiment(unique("search-errors"))
    with pytest.raises(MlflowException) as exc:
        client.search_runs([eid], filter_string="metrics.acc > 0.5 AND params.model =")
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "filter: col 37: expected a value after '='" in exc.value.message


def test_search_runs_dataframe(client: Any) -> None:
    import mlflow

    eid, ids = _seed(client)
    frame = mlflow.search_runs(
        experiment_ids=[eid],
        filter_string="params.model IN ('a', 'b') AND metrics.acc >= 0.3",
        order_by=["metrics.acc DESC"],
    )
    assert list(frame["run_id"]) == [ids[i] for i in (10, 9, 7, 6, 3)]
    assert list(frame["metrics.acc"]) == [1.0, 0.9, 0.7, 0.6, 0.3]
    assert list(frame["params.model"]) == ["b", "a", "b", "a", "a"]
    assert list(frame["tags.mlflow.runName"]) == ["r10", "r09", "r07", "r06", "r03"]
    assert list(frame["status"]) == ["RUNNING"] * 4 + ["FAILED"]
    everything = mlflow.search_runs(experiment_ids=[eid], max_results=5)
    assert len(everything) == 5
    assert list(everything["run_id"]) == ids[:6:-1]


def test_client_search_experiments(client: Any) -> None:
    prefix = unique("xs")
    made = {}
    for name, team in (("alpha", "a"), ("beta", "b"), ("gamma", None), ("delta", "a")):
        tags = {"team": team} if team else None
        made[name] = client.create_experiment(f"{prefix}-{name}", tags=tags)
    mine = f"name LIKE '{prefix}-%'"
    found = client.search_experiments(
        filter_string=f"{mine} AND (tags.team = 'a' OR tags.team IS NULL)", order_by=["name DESC"]
    )
    assert [e.name for e in found] == [f"{prefix}-{n}" for n in ("gamma", "delta", "alpha")]
    names = []
    token = None
    while True:
        page = client.search_experiments(
            filter_string=mine, order_by=["name"], max_results=3, page_token=token
        )
        names += [e.name.rsplit("-", 1)[1] for e in page]
        token = page.token
        if not token:
            break
    assert names == ["alpha", "beta", "delta", "gamma"]
    by_id = client.search_experiments(
        filter_string=f"experiment_id IN ('{made['beta']}', '{made['delta']}')"
    )
    assert sorted(e.experiment_id for e in by_id) == sorted([made["beta"], made["delta"]])


def test_search_experiments_via_fluent_api(client: Any) -> None:
    import mlflow

    prefix = unique("fluent")
    client.create_experiment(f"{prefix}-one")
    found = mlflow.search_experiments(filter_string=f"name ILIKE '{prefix.upper()}%'")
    assert [e.name for e in found] == [f"{prefix}-one"]
