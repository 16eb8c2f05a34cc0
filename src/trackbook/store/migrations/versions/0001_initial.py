"""The initial schema: experiments, runs, params, tags, metrics, datasets.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from trackbook.store.migrations.mysql import table_options

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT = sa.Text().with_variant(sa.Text(length=16_777_215), "mysql", "mariadb")


def _run_id(**kw: Any) -> sa.Column[Any]:
    return sa.Column(
        "run_uuid",
        sa.String(32),
        sa.ForeignKey("runs.run_uuid", ondelete="CASCADE"),
        **kw,
    )


def upgrade() -> None:
    mysql_options = table_options()
    op.create_table(
        "experiments",
        sa.Column("experiment_id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("active_name", sa.String(500), nullable=True),
        sa.Column("artifact_location", sa.String(1000), nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("active_name", name="uq_experiments_active_name"),
        **mysql_options,
    )
    op.create_index("ix_experiments_name", "experiments", ["name"])
    op.create_index(
        "ix_experiments_stage_creation", "experiments", ["lifecycle_stage", "creation_time"]
    )
    op.create_table(
        "experiment_tags",
        sa.Column(
            "experiment_id",
            ID,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", TEXT, nullable=False),
        **mysql_options,
    )
    op.create_table(
        "runs",
        sa.Column("run_uuid", sa.String(32), primary_key=True),
        sa.Column(
            "experiment_id",
            ID,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("artifact_uri", sa.String(1000), nullable=False),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        **mysql_options,
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time", "run_uuid"])
    op.create_index("ix_runs_stage_deleted", "runs", ["lifecycle_stage", "deleted_time"])
    for name in ("params", "tags"):
        op.create_table(
            name,
            _run_id(primary_key=True),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", TEXT, nullable=False),
            **mysql_options,
        )
        op.create_index(f"ix_{name}_key", name, ["key"])
    op.create_table(
        "metrics",
        _run_id(primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("value", sa.Double, primary_key=True),
        sqlite_with_rowid=False,
        **mysql_options,
    )
    op.create_table(
        "latest_metrics",
        _run_id(primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Double, nullable=True),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        **mysql_options,
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value"])
    op.create_table(
        "datasets",
        sa.Column("dataset_uuid", sa.String(36), primary_key=True),
        sa.Column(
            "experiment_id",
            ID,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", TEXT, nullable=False),
        sa.Column("schema", TEXT, nullable=True),
        sa.Column("profile", TEXT, nullable=True),
        sa.UniqueConstraint(
            "experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"
        ),
        **mysql_options,
    )
    op.create_table(
        "inputs",
        _run_id(primary_key=True),
        sa.Column(
            "dataset_uuid",
            sa.String(36),
            sa.ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
            primary_key=True,
        ),
        **mysql_options,
    )
    op.create_table(
        "input_tags",
        sa.Column("run_uuid", sa.String(32), primary_key=True),
        sa.Column("dataset_uuid", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_uuid", "dataset_uuid"],
            ["inputs.run_uuid", "inputs.dataset_uuid"],
            ondelete="CASCADE",
            name="fk_input_tags_inputs",
        ),
        **mysql_options,
    )


def downgrade() -> None:
    for name in (
        "input_tags",
        "inputs",
        "datasets",
        "latest_metrics",
        "metrics",
        "tags",
        "params",
        "runs",
        "experiment_tags",
        "experiments",
    ):
        op.drop_table(name)
