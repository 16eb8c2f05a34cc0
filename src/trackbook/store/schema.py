"""Every table of the metadata store, as SQLAlchemy Core ``Table`` objects.

The Alembic migrations under ``migrations/versions`` create exactly these;
``tests/store/test_schema.py`` checks that the two agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

# MySQL/MariaDB compare strings case-insensitively by default and ignore trailing
# spaces; names, keys and values are compared exactly everywhere else. Migration 0004
# gives every table (and the database default, which later tables inherit) the binary
# NO PAD collation of the server: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on
# MySQL 8. It depends on the server, so it is not named here.
_MYSQL: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_engine": "InnoDB",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY, not BIGINT.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TEXT = sa.Text().with_variant(sa.Text(length=16_777_215), "mysql", "mariadb")

KEY_LENGTH = 250
RUN_ID_LENGTH = 32

experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("experiment_id", _ID, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(500), nullable=False),
    # Equal to ``name`` while the experiment is active, NULL once deleted: the unique
    # constraint on it enforces "one active experiment per name" on every backend
    # (MySQL has no partial indexes).
    sa.Column("active_name", sa.String(500), nullable=True),
    sa.Column("artifact_location", sa.String(1000), nullable=False),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("active_name", name="uq_experiments_active_name"),
    sa.Index("ix_experiments_name", "name"),
    sa.Index("ix_experiments_stage_creation", "lifecycle_stage", "creation_time"),
    # Name searches (``name LIKE 'prefix%'``) among active or deleted experiments: a range
    # of this index. PostgreSQL needs the pattern operator class for LIKE unless the
    # database's collation is "C".
    sa.Index(
        "ix_experiments_stage_name",
        "lifecycle_stage",
        "name",
        postgresql_ops={"name": "varchar_pattern_ops"},
    ),
    **_MYSQL,
)

experiment_tags = sa.Table(
    "experiment_tags",
    metadata,
    sa.Column(
        "experiment_id",
        _ID,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", _TEXT, nullable=False),
    **_MYSQL,
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), primary_key=True),
    sa.Column(
        "experiment_id",
        _ID,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("user_id", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("artifact_uri", sa.String(1000), nullable=False),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False),
    sa.Column("deleted_time", sa.BigInteger, nullable=True),
    # The run's latest metrics, params and tags as one JSON document (store/run_data.py).
    sa.Column("data_json", _TEXT, nullable=True),
    sa.Index("ix_runs_stage_deleted", "lifecycle_stage", "deleted_time"),
    **_MYSQL,
)
# The listing order of a search, per experiment and view: newest first, run id breaking
# ties. Scanned in order, a page of runs is a range of this index (see docs/design.md).
sa.Index(
    "ix_runs_experiment_stage_start",
    runs.c.experiment_id,
    runs.c.lifecycle_stage,
    runs.c.start_time.desc(),
    runs.c.run_uuid,
)

# A search's equality on a param or tag value lists the matching runs from these (the
# run id makes the list an index-only read). Only
# values of up to VALUE_INDEX_LENGTH characters are indexed (a PostgreSQL index entry
# must fit in a third of a page; MySQL indexes a TEXT prefix): searches for longer
# values read the key's rows instead.
VALUE_INDEX_LENGTH = 200


def _value_index() -> dict[str, Any]:
    short = sa.text(f"length(value) <= {VALUE_INDEX_LENGTH}")
    return {
        "mysql_length": {"value": VALUE_INDEX_LENGTH},
        "postgresql_where": short,
        "sqlite_where": short,
    }


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("runs.run_uuid", ondelete="CASCADE")


params = sa.Table(
    "params",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", _TEXT, nullable=False),
    sa.Index("ix_params_key", "key"),
    sa.Index("ix_params_key_value", "key", "value", "run_uuid", **_value_index()),
    **_MYSQL,
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", _TEXT, nullable=False),
    sa.Index("ix_tags_key", "key"),
    sa.Index("ix_tags_key_value", "key", "value", "run_uuid", **_value_index()),
    **_MYSQL,
)

# Every logged point. MySQL stores neither NaN nor infinity, so ``value`` holds 0 for NaN
# and the largest finite double for +/-infinity, and ``kind`` restores the exact value on
# read: 0 finite, 1 NaN, 2 +inf, 3 -inf. The primary key is the history's read order and
# makes an exact duplicate point (a client's retry) a no-op; on SQLite and InnoDB the
# table is stored in that order, so a history read is one range scan.
metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Double, primary_key=True),
    sqlite_with_rowid=False,
    **_MYSQL,
)

# One row per (run, key): the point with the latest timestamp, the largest value among
# equal timestamps. Written in the same transaction as the points. Here ``value`` is NULL
# for NaN so that filters and ordering never mistake NaN for a number.
latest_metrics = sa.Table(
    "latest_metrics",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("value", sa.Double, nullable=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    # Search walks this in value order to sort by a metric; with the run id it answers
    # "which runs have key k in this range" without reading the table.
    sa.Index("ix_latest_metrics_key_value_run", "key", "value", "run_uuid"),
    **_MYSQL,
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("dataset_uuid", sa.String(36), primary_key=True),
    sa.Column(
        "experiment_id",
        _ID,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("digest", sa.String(36), nullable=False),
    sa.Column("source_type", sa.String(36), nullable=False),
    sa.Column("source", _TEXT, nullable=False),
    sa.Column("schema", _TEXT, nullable=True),
    sa.Column("profile", _TEXT, nullable=True),
    sa.UniqueConstraint(
        "experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"
    ),
    **_MYSQL,
)

inputs = sa.Table(
    "inputs",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column(
        "dataset_uuid",
        sa.String(36),
        sa.ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
        primary_key=True,
    ),
    **_MYSQL,
)

input_tags = sa.Table(
    "input_tags",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), primary_key=True),
    sa.Column("dataset_uuid", sa.String(36), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.String(500), nullable=False),
    sa.ForeignKeyConstraint(
        ["run_uuid", "dataset_uuid"],
        ["inputs.run_uuid", "inputs.dataset_uuid"],
        ondelete="CASCADE",
        name="fk_input_tags_inputs",
    ),
    **_MYSQL,
)

# Logged models (MLflow 3): a model with its own id, artifacts, params and tags, made
# by a run (``source_run_id``, not a foreign key: a model outlives its run) or alone.
logged_models = sa.Table(
    "logged_models",
    metadata,
    sa.Column("model_id", sa.String(64), primary_key=True),
    sa.Column(
        "experiment_id",
        _ID,
        sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("artifact_location", sa.String(1000), nullable=False),
    sa.Column("creation_timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp_ms", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_message", _TEXT, nullable=True),
    sa.Column("lifecycle_stage", sa.String(16), nullable=False),
    sa.Column("model_type", sa.String(500), nullable=True),
    sa.Column("source_run_id", sa.String(RUN_ID_LENGTH), nullable=True),
    # The default search order, and "models named X in experiment E" (runs:/ URIs).
    sa.Index("ix_logged_models_experiment_creation", "experiment_id", "creation_timestamp_ms"),
    sa.Index("ix_logged_models_experiment_name", "experiment_id", "name"),
    sa.Index("ix_logged_models_source_run", "source_run_id"),
    **_MYSQL,
)


def _model_fk() -> sa.ForeignKey:
    return sa.ForeignKey("logged_models.model_id", ondelete="CASCADE")


logged_model_params = sa.Table(
    "logged_model_params",
    metadata,
    sa.Column("model_id", sa.String(64), _model_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", _TEXT, nullable=False),
    **_MYSQL,
)

logged_model_tags = sa.Table(
    "logged_model_tags",
    metadata,
    sa.Column("model_id", sa.String(64), _model_fk(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("value", _TEXT, nullable=False),
    **_MYSQL,
)

# A run's outputs: the logged models it produced (``runs/outputs``), at a step.
run_model_outputs = sa.Table(
    "run_model_outputs",
    metadata,
    sa.Column("run_uuid", sa.String(RUN_ID_LENGTH), _run_fk(), primary_key=True),
    sa.Column("model_id", sa.String(64), _model_fk(), primary_key=True),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Index("ix_run_model_outputs_model", "model_id"),
    **_MYSQL,
)
