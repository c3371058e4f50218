"""Tables of asynchronous jobs (SQLAlchemy Core); migration ``0003_jobs`` creates them."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from winnow.store.schema import metadata

__all__ = ["job_decisions", "job_items", "job_workers", "jobs"]

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # items (a batch of texts) or media (one file)
    Column("status", String(16), nullable=False),  # queued, running, completed, failed
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("flagged", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("policy_version", String(200), nullable=True),
    Column("worker_id", String(200), nullable=True),
    Column("source", String(200), nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_jobs_tenant_created", "tenant", "created_at"),
    Index("ix_jobs_status", "status"),
)

job_items = Table(
    "job_items",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("tenant", String(128), nullable=False),
    Column("content_id", String(512), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("decision_id", String(40), nullable=True),
    Column("verdict", String(16), nullable=True),
    Column("error", Text, nullable=True),
)

job_decisions = Table(
    "job_decisions",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("policy_version", String(200), primary_key=True),
    Column("decision_id", String(40), nullable=False),
)

job_workers = Table(
    "job_workers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("recovered_at", Float, nullable=True),
)
