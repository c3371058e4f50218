"""Storage of the service: API keys, decisions, webhooks and their outbox.

:class:`Store` is the interface (``records``); :class:`~winnow.store.sql.SqlStore` implements it
on SQLite (the embedded default, under ``data_dir``) and PostgreSQL (``WINNOW_DATABASE_URL``).
SQLAlchemy is imported only when a store is opened: ``import winnow.store`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from winnow.settings import Settings

__all__ = [
    "EVENTS",
    "SCOPES",
    "ApiKey",
    "Attempt",
    "DecisionRecord",
    "Delivery",
    "DeliveryTask",
    "Event",
    "Store",
    "Webhook",
    "open_store",
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
