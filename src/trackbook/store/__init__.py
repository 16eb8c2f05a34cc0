"""The metadata store: one implementation over SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackbook.config import Settings
from trackbook.models import Metric, Page
from trackbook.store import metrics as _metrics
from trackbook.store import migrations
from trackbook.store.engine import Database
from trackbook.store.experiments import ExperimentStore
from trackbook.store.logged_models import LoggedModelStore
from trackbook.store.quotas import Quotas
from trackbook.store.runs import RunStore


class Store:
    """What the API, UI, CLI and local client talk to: ``store.experiments``, ``store.runs``…"""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.experiments = ExperimentStore(db, settings.default_artifact_root)
        self.runs = RunStore(
            db,
            max_param_value_length=settings.max_param_value_length,
            max_tag_value_length=settings.max_tag_value_length,
            quotas=Quotas.from_settings(settings),
        )
        self.logged_models = LoggedModelStore(
            db,
            max_param_value_length=settings.max_param_value_length,
            max_tag_value_length=settings.max_tag_value_length,
        )

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Store:
        """Connect, bring the schema up to date and make sure the Default experiment exists."""
        db = Database(settings.backend_store_uri)
        if migrate:
            migrations.upgrade(db)
        store = cls(db, settings)
        store.experiments.ensure_default()
        return store

    def metric_history(
        self,
        run_id: str,
        key: str,
        *,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Metric]:
        return _metrics.history(
            self.db, run_id, key, max_results=max_results, page_token=page_token
        )

    def metric_history_documents(
        self,
        run_id: str,
        key: str,
        *,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[dict[str, Any]]:
        return _metrics.history_documents(
            self.db, run_id, key, max_results=max_results, page_token=page_token
        )

    def metric_history_bulk_interval(
        self,
        run_ids: Sequence[str],
        key: str,
        *,
        start_step: int | None = None,
        end_step: int | None = None,
        max_results: int | None = None,
    ) -> list[Metric]:
        return _metrics.bulk_interval(
            self.db,
            run_ids,
            key,
            start_step=start_step,
            end_step=end_step,
            max_results=max_results,
        )

    def close(self) -> None:
        self.db.dispose()


__all__ = ["Database", "Store"]
