"""Tables of the service's database (SQLAlchemy Core). Migrations in ``migrations/`` create them.

Times are Unix seconds (float), portable between SQLite and PostgreSQL. Every table has a
``tenant`` column and every query filters on it.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

__all__ = ["api_keys", "attempts", "decisions", "deliveries", "metadata", "webhooks"]

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(128), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(200), nullable=False),
    Column("rate_limit", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("content_id", String(512), nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(16), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("policy_version", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("body", Text, nullable=False),
    # 0004_rescan: what a rescan needs (JSON; NULL on older rows), and the supersession chain.
    Column("results", Text, nullable=True),
    Column("hashes", Text, nullable=True),
    Column("supersedes", String(40), nullable=True),
    Column("superseded_by", String(40), nullable=True),
    Index("ix_decisions_tenant_sha256", "tenant", "sha256"),
    Index("ix_decisions_tenant_content", "tenant", "content_id"),
    Index("ix_decisions_current", "superseded_by", "created_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("events", String(200), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ux_webhooks_tenant_url", "tenant", "url", unique=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("webhook_id", String(40), nullable=False, index=True),
    Column("event", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=True),
    Column("locked_until", Float, nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
)

attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), nullable=False, index=True),
    Column("attempted_at", Float, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Float, nullable=False),
)
