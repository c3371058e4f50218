"""Tables of the review console (migration ``0002_review``), on the store's metadata."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, String, Table, Text

from winnow.store.schema import metadata

__all__ = ["appeals", "review_audit", "review_items", "reviewers"]

reviewers = Table(
    "reviewers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("disabled_at", Float, nullable=True),
)

review_items = Table(
    "review_items",
    metadata,
    Column("decision_id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(16), nullable=False),
    Column("source", String(200), nullable=False),
    Column("categories", String(500), nullable=False),  # ",cat1,cat2,"
    Column("created_at", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("category", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("reviewer_id", String(40), nullable=True),
    Column("updated_at", Float, nullable=True),
    Column("expires_at", Float, nullable=True),
    Column("text", Text, nullable=True),
    Column("data", LargeBinary, nullable=True),
    Index("ix_review_items_queue", "tenant", "status", "created_at"),
)

review_audit = Table(
    "review_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(128), nullable=False),
    Column("decision_id", String(40), nullable=False),
    Column("reviewer_id", String(40), nullable=False),
    Column("action", String(16), nullable=False),
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_review_audit_item", "tenant", "decision_id"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("decision_id", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("user_id", String(512), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(40), nullable=True),
    Column("reviewer_id", String(40), nullable=True),
    Column("outcome_reason", Text, nullable=True),
    Column("decided_at", Float, nullable=True),
    Index("ux_appeals_decision", "tenant", "decision_id", unique=True),
    Index("ix_appeals_queue", "tenant", "status", "created_at"),
)
