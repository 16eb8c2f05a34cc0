"""Each run's latest metrics, params and tags as one JSON document on its row.

The column is filled here for the runs already stored, so searches read every run the
fast way from the start (store/run_data.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trackbook.store import run_data

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sa.Text().with_variant(sa.Text(length=16_777_215), "mysql", "mariadb")
    op.add_column("runs", sa.Column("data_json", text, nullable=True))
    run_data.backfill(op.get_bind())


def downgrade() -> None:
    op.drop_column("runs", "data_json")
