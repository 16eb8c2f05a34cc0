"""Logged models (MLflow 3): models, their params and tags, and run outputs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from trackbook.store.migrations.mysql import table_options

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEXT = sa.Text().with_variant(sa.Text(length=16_777_215), "mysql", "mariadb")


def _model_id(**kw: Any) -> sa.Column[Any]:
    return sa.Column(
        "model_id",
        sa.String(64),
        sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        **kw,
    )


def upgrade() -> None:
    mysql_options = table_options()
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column(
            "experiment_id",
            ID,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.String(1000), nullable=False),
        sa.Column("creation_timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_message", TEXT, nullable=True),
        sa.Column("lifecycle_stage", sa.String(16), nullable=False),
        sa.Column("model_type", sa.String(500), nullable=True),
        sa.Column("source_run_id", sa.String(32), nullable=True),
        **mysql_options,
    )
    op.create_index(
        "ix_logged_models_experiment_creation",
        "logged_models",
        ["experiment_id", "creation_timestamp_ms"],
    )
    op.create_index("ix_logged_models_experiment_name", "logged_models", ["experiment_id", "name"])
    op.create_index("ix_logged_models_source_run", "logged_models", ["source_run_id"])
    for name in ("logged_model_params", "logged_model_tags"):
        op.create_table(
            name,
            _model_id(primary_key=True),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", TEXT, nullable=False),
            **mysql_options,
        )
    op.create_table(
        "run_model_outputs",
        sa.Column(
            "run_uuid",
            sa.String(32),
            sa.ForeignKey("runs.run_uuid", ondelete="CASCADE"),
            primary_key=True,
        ),
        _model_id(primary_key=True),
        sa.Column("step", sa.BigInteger, nullable=False),
        **mysql_options,
    )
    op.create_index("ix_run_model_outputs_model", "run_model_outputs", ["model_id"])


def downgrade() -> None:
    for name in ("run_model_outputs", "logged_model_tags", "logged_model_params", "logged_models"):
        op.drop_table(name)
