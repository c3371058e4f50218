"""Tables of tenants' configuration (migration ``0005_config``), on the store's metadata."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from winnow.store.schema import metadata

__all__ = ["bank_entries", "hash_banks", "policies", "tenant_config", "term_lists"]

tenant_config = Table(
    "tenant_config",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("active_policy", String(200), nullable=True),
    Column("updated_at", Float, nullable=False),
)

policies = Table(
    "policies",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("version", String(200), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

term_lists = Table(
    "term_lists",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

hash_banks = Table(
    "hash_banks",
    metadata,
    Column("tenant", String(128), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("category", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("pdq_threshold", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

bank_entries = Table(
    "bank_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(128), nullable=False),
    Column("bank", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", String(64), nullable=False),
    Column("metadata", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ux_bank_entries_value", "tenant", "bank", "kind", "value", unique=True),
)
