"""Durable asynchronous jobs: the jobs, their items' results, and the idempotency keys of the
decisions they write (a resumed step never writes a decision twice).

Revision ID: 0003_jobs
Revises: 0002_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_jobs"
down_revision = "0002_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float, nullable=True),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("flagged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("policy_version", sa.String(200), nullable=True),
        sa.Column("worker_id", sa.String(200), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_jobs_tenant_created", "jobs", ["tenant", "created_at"])
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "job_items",
        sa.Column("job_id", sa.String(40), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("content_id", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("decision_id", sa.String(40), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "job_decisions",
        sa.Column("job_id", sa.String(40), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("policy_version", sa.String(200), primary_key=True),
        sa.Column("decision_id", sa.String(40), nullable=False),
    )
    op.create_table(
        "job_workers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
        sa.Column("recovered_at", sa.Float, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("job_workers")
    op.drop_table("job_decisions")
    op.drop_table("job_items")
    op.drop_index("ix_jobs_status", "jobs")
    op.drop_index("ix_jobs_tenant_created", "jobs")
    op.drop_table("jobs")
