"""An index for experiment searches by name prefix.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_experiments_stage_name",
        "experiments",
        ["lifecycle_stage", "name"],
        postgresql_ops={"name": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_experiments_stage_name", table_name="experiments")
