"""The logged-model store on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import ModelOutput
from trackbook.store import Store
from trackbook.store.logged_models import READY


def test_create_tag_search_and_delete(store: Store) -> None:
    eid = store.experiments.create("models")
    run = store.runs.create(eid)
    run_id = run.info.run_id
    model = store.logged_models.create(
        eid,
        name="clf",
        source_run_id=run_id,
        params={"alpha": "0.1"},
        tags={"Team": "Ünïcode"},
    )
    other = store.logged_models.create(eid, model_type="regressor")
    assert other.name  # a random name when none is given
    store.logged_models.set_tags(model.model_id, {"team": "lower", "Team": "Upper"})
    store.logged_models.log_params(model.model_id, {"beta": "2"})
    store.logged_models.finalize(model.model_id, READY)
    got = store.logged_models.get(model.model_id)
    assert got.tags == {"Team": "Upper", "team": "lower"}  # keys are case-sensitive
    assert got.params == {"alpha": "0.1", "beta": "2"}
    assert got.status == READY
    assert got.source_run_id == run_id

    def names(filter_string: str) -> list[str]:
        page = store.logged_models.search([eid], filter_string=filter_string)
        return [m.name for m in page.items]

    assert names("name = 'clf'") == ["clf"]
    assert names("name = 'CLF'") == []
    assert names("name ILIKE 'CLF'") == ["clf"]
    assert names("tags.Team = 'Upper' AND params.beta = '2'") == ["clf"]
    assert names(f"source_run_id = '{run_id}'") == ["clf"]
    assert names("model_type IN ('regressor')") == [other.name]
    assert names("status != 'READY'") == [other.name]
    assert set(names(f"creation_timestamp >= {model.creation_timestamp_ms}")) == {
        "clf",
        other.name,
    }

    store.logged_models.log_outputs(run_id, [ModelOutput(model.model_id, 3)])
    store.logged_models.log_outputs(run_id, [ModelOutput(model.model_id, 4)])
    assert {run_id: store.runs.get(run_id).outputs} == {run_id: [ModelOutput(model.model_id, 4)]}

    store.logged_models.delete(model.model_id)
    with pytest.raises(ResourceDoesNotExist, match="model_id:"):
        store.logged_models.get(model.model_id)
    assert store.logged_models.get(model.model_id, allow_deleted=True).lifecycle_stage == "deleted"
    assert names("") == [other.name]


def test_refusals_name_the_field(store: Store) -> None:
    eid = store.experiments.create("refusals")
    with pytest.raises(InvalidParameter, match=r"^name: "):
        store.logged_models.create(eid, name="has.dot")
    with pytest.raises(ResourceDoesNotExist, match=r"^experiment_id: "):
        store.logged_models.create("424242")
    store.experiments.delete(eid)
    with pytest.raises(InvalidParameter, match=r"^experiment_id: .*deleted"):
        store.logged_models.create(eid)
    with pytest.raises(InvalidParameter, match=r"^filter: "):
        store.logged_models.search(["0"], filter_string="metrics.acc > 0.5")
    with pytest.raises(InvalidParameter, match=r"^status: "):
        store.logged_models.finalize("m-none", "DONE")
    with pytest.raises(ResourceDoesNotExist, match=r"^tag_key: "):
        model = store.logged_models.create("0")
        store.logged_models.delete_tag(model.model_id, "absent")
