"""Which metric, param and tag keys the runs of some experiments have (for pickers)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from trackbook.store.engine import Database
from trackbook.store.schema import latest_metrics, params, runs, tags

#: Enough for any picker; past this the UI says the list was cut and offers its search box.
MAX_KEYS = 5000


def distinct_keys(db: Database, experiment_ids: Sequence[str]) -> dict[str, object]:
    eids = [int(e) for e in experiment_ids]
    out: dict[str, object] = {}
    truncated = False
    with db.read() as conn:
        for name, table in (("metrics", latest_metrics), ("params", params), ("tags", tags)):
            stmt = (
                sa.select(table.c.key)
                .where(
                    table.c.run_uuid.in_(
                        sa.select(runs.c.run_uuid).where(runs.c.experiment_id.in_(eids))
                    )
                )
                .distinct()
                .order_by(table.c.key)
                .limit(MAX_KEYS + 1)
            )
            keys = list(conn.execute(stmt).scalars())
            truncated = truncated or len(keys) > MAX_KEYS
            out[name] = keys[:MAX_KEYS]
    out["truncated"] = truncated
    return out
