"""The experiments page's listing: search, lifecycle view, sort, run counts, last activity.

The search box matches what a person sees in the list: the name, who created
it, its artifact location and its description. Those live in the experiment
row and in its tags, so this is a query of its own rather than the API's
filter language (which has no OR across fields and no artifact location).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from trackbook.models import ACTIVE, DELETED
from trackbook.store.engine import Database
from trackbook.store.schema import experiment_tags, experiments, runs

CREATOR_TAGS = ("mlflow.ownerEmail", "mlflow.ownerId", "mlflow.user")
DESCRIPTION_TAG = "mlflow.note.content"
SORTS = ("name", "-name", "created", "-created", "updated", "-updated", "runs", "-runs")
DEFAULT_SORT = "-created"
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class ExperimentRow:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    creation_time: int
    last_update_time: int
    creator: str
    description: str
    run_count: int
    last_activity: int

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == DELETED


@dataclass(frozen=True, slots=True)
class Listing:
    rows: list[ExperimentRow]
    total: int
    offset: int
    limit: int


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(
    db: Database,
    *,
    text: str = "",
    show_deleted: bool = False,
    sort: str = DEFAULT_SORT,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Listing:
    e = experiments.c
    # Per experiment: runs in the experiment's own lifecycle stage (a deleted experiment's
    # runs were deleted with it) and the latest start or end of any of its runs.
    counts = (
        sa.select(
            runs.c.experiment_id,
            sa.func.sum(sa.case((runs.c.lifecycle_stage == ACTIVE, 1), else_=0)).label("active"),
            sa.func.count().label("all_runs"),
            sa.func.max(sa.func.coalesce(runs.c.end_time, runs.c.start_time)).label("last_run"),
        )
        .group_by(runs.c.experiment_id)
        .subquery("run_counts")
    )
    run_count = sa.case(
        (e.lifecycle_stage == ACTIVE, sa.func.coalesce(counts.c.active, 0)),
        else_=sa.func.coalesce(counts.c.all_runs, 0),
    )
    last_activity = sa.case(
        (counts.c.last_run > e.last_update_time, counts.c.last_run), else_=e.last_update_time
    )
    creator = _tag_value(CREATOR_TAGS)
    description = _tag_value((DESCRIPTION_TAG,))
    conds = []
    if not show_deleted:
        conds.append(e.lifecycle_stage == ACTIVE)
    if text.strip():
        pattern = _like_pattern(text.strip().lower())
        tag_match = sa.exists(
            sa.select(sa.literal(1)).where(
                experiment_tags.c.experiment_id == e.experiment_id,
                experiment_tags.c.key.in_([*CREATOR_TAGS, DESCRIPTION_TAG]),
                sa.func.lower(experiment_tags.c.value).like(pattern, escape="\\"),
            )
        )
        conds.append(
            sa.or_(
                sa.func.lower(e.name).like(pattern, escape="\\"),
                sa.func.lower(e.artifact_location).like(pattern, escape="\\"),
                tag_match,
            )
        )
    column = {
        "name": e.name,
        "created": e.creation_time,
        "updated": last_activity,
        "runs": run_count,
    }[sort.lstrip("-")]
    order = [column.desc() if sort.startswith("-") else column.asc(), e.experiment_id.desc()]
    stmt = (
        sa.select(
            e.experiment_id,
            e.name,
            e.artifact_location,
            e.lifecycle_stage,
            e.creation_time,
            e.last_update_time,
            creator.label("creator"),
            description.label("description"),
            run_count.label("run_count"),
            last_activity.label("last_activity"),
        )
        .select_from(experiments.outerjoin(counts, counts.c.experiment_id == e.experiment_id))
        .where(*conds)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    total_stmt = sa.select(sa.func.count()).select_from(experiments).where(*conds)
    with db.read() as conn:
        rows = conn.execute(stmt).all()
        total = conn.execute(total_stmt).scalar_one()
    return Listing(
        rows=[
            ExperimentRow(
                experiment_id=str(r.experiment_id),
                name=r.name,
                artifact_location=r.artifact_location,
                lifecycle_stage=r.lifecycle_stage,
                creation_time=r.creation_time,
                last_update_time=r.last_update_time,
                creator=r.creator or "",
                description=r.description or "",
                run_count=int(r.run_count or 0),
                last_activity=int(r.last_activity or r.last_update_time),
            )
            for r in rows
        ],
        total=int(total),
        offset=offset,
        limit=limit,
    )


def _tag_value(keys: tuple[str, ...]) -> sa.ScalarSelect[str]:
    """The value of the first of ``keys`` the experiment has (in the order given)."""
    priority = sa.case(
        *((experiment_tags.c.key == k, i) for i, k in enumerate(keys)), else_=len(keys)
    )
    return (
        sa.select(experiment_tags.c.value)
        .where(
            experiment_tags.c.experiment_id == experiments.c.experiment_id,
            experiment_tags.c.key.in_(keys),
        )
        .order_by(priority)
        .limit(1)
        .scalar_subquery()
    )
