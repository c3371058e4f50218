"""Alembic environment: run by :meth:`winnow.store.sql.SqlStore.migrate` on its own connection.

SQLite runs in batch mode (ALTER TABLE is limited there: batch copies the table).
"""

from __future__ import annotations

from alembic import context

from winnow.store import (
    config_schema,  # noqa: F401  (tenants' configuration tables)
    jobs_schema,  # noqa: F401  (asynchronous jobs' tables)
    review_schema,  # noqa: F401  (the review console's tables)
)
from winnow.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
