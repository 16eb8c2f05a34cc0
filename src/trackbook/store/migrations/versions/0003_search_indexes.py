"""Indexes for search: runs by experiment, view and start time; param and tag values;
latest metric values with their run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VALUE_INDEX_LENGTH = 200


def _short_values() -> dict[str, Any]:
    short = sa.text(f"length(value) <= {VALUE_INDEX_LENGTH}")
    return {
        "mysql_length": {"value": VALUE_INDEX_LENGTH},
        "postgresql_where": short,
        "sqlite_where": short,
    }


def upgrade() -> None:
    op.create_index(
        "ix_runs_experiment_stage_start",
        "runs",
        ["experiment_id", "lifecycle_stage", sa.text("start_time DESC"), "run_uuid"],
    )
    op.drop_index("ix_runs_experiment_start", table_name="runs")
    op.create_index("ix_params_key_value", "params", ["key", "value"], **_short_values())
    op.create_index("ix_tags_key_value", "tags", ["key", "value"], **_short_values())
    op.create_index(
        "ix_latest_metrics_key_value_run", "latest_metrics", ["key", "value", "run_uuid"]
    )
    op.drop_index("ix_latest_metrics_key_value", table_name="latest_metrics")


def downgrade() -> None:
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])
    op.drop_index("ix_latest_metrics_key_value_run", table_name="latest_metrics")
    op.drop_index("ix_tags_key_value", table_name="tags")
    op.drop_index("ix_params_key_value", table_name="params")
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time", "run_uuid"])
    op.drop_index("ix_runs_experiment_stage_start", table_name="runs")
