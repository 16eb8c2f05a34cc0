"""PostgreSQL statistics on (key, value) of params and tags, for search plans.

PostgreSQL estimates ``key = 'model' AND value = 'resnet'`` as if key and value were
independent, and knows nothing of ``length(value) <= 200`` (the condition that lets a
search use the partial (key, value) index). The estimate comes out several times too
small, and the planner then prefers hashing every candidate to walking the sort index
for one page. Multi-column statistics give it the real frequencies.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("params", "tags")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    version = bind.dialect.server_version_info or (0,)
    if version >= (14,):
        columns = "key, value, (length(value))"
    elif version >= (12,):
        columns = "key, value"
    else:
        return
    for table in _TABLES:
        op.execute(
            f"CREATE STATISTICS IF NOT EXISTS st_{table}_key_value (mcv) ON {columns} FROM {table}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP STATISTICS IF EXISTS st_{table}_key_value")
