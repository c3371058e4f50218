"""Storage of the service: API keys, decisions, webhooks and their outbox, tenants' configuration.

:class:`Store` is the interface (``records``); :class:`~winnow.store.sql.SqlStore` implements it
on SQLite (the embedded default, under ``data_dir``) and PostgreSQL (``WINNOW_DATABASE_URL``).
SQLAlchemy is imported only when a store is opened: ``import winnow.store`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from winnow.store.config import (
    ConfigStore,
    StoredBank,
    StoredEntry,
    StoredList,
    StoredPolicy,
    TenantConfig,
)
from winnow.store.records import (
    EVENTS,
    SCOPES,
    ApiKey,
    Attempt,
    DecisionRecord,
    Delivery,
    DeliveryTask,
    Event,
    Store,
    Webhook,
)
from winnow.store.review import (
    APPEAL_OUTCOMES,
    OUTCOMES,
    ROLES,
    Appeal,
    AuditEntry,
    QueueFilter,
    Resolution,
    Reviewer,
    ReviewItem,
    ReviewStore,
)

if TYPE_CHECKING:
    from winnow.settings import Settings

__all__ = [
    "APPEAL_OUTCOMES",
    "EVENTS",
    "OUTCOMES",
    "ROLES",
    "SCOPES",
    "ApiKey",
    "Appeal",
    "Attempt",
    "AuditEntry",
    "ConfigStore",
    "DecisionRecord",
    "Delivery",
    "DeliveryTask",
    "Event",
    "QueueFilter",
    "Resolution",
    "ReviewItem",
    "ReviewStore",
    "Reviewer",
    "Store",
    "StoredBank",
    "StoredEntry",
    "StoredList",
    "StoredPolicy",
    "TenantConfig",
    "Webhook",
    "config_store",
    "open_store",
    "review_store",
]


def open_store(settings: Settings | str, migrate: bool = True) -> Store:
    """Open the store the settings name (or a database URL), migrated to the latest schema."""
    from winnow.settings import Settings
    from winnow.store.sql import SqlStore

    url = settings.database() if isinstance(settings, Settings) else settings
    store = SqlStore(url)
    if migrate:
        store.migrate()
    return store


def review_store(store: Store) -> ReviewStore:
    """The review console's storage, on the same database as ``store``."""
    from winnow.store.review_sql import SqlReviewStore
    from winnow.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        raise TypeError(f"the review console needs a SQL store, not {type(store).__name__}")
    return SqlReviewStore(store)


def config_store(store: Store) -> ConfigStore:
    """Tenants' policies, lists and banks, on the same database as ``store``."""
    from winnow.store.config_sql import SqlConfigStore
    from winnow.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        raise TypeError(f"tenant configuration needs a SQL store, not {type(store).__name__}")
    return SqlConfigStore(store)
