"""Review console: reviewers, review items (with retained content), the audit log, appeals.

Revision ID: 0002_review
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_review"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled_at", sa.Float, nullable=True),
    )
    op.create_table(
        "review_items",
        sa.Column("decision_id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("categories", sa.String(500), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("reviewer_id", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.Float, nullable=True),
        sa.Column("expires_at", sa.Float, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("data", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_review_items_queue", "review_items", ["tenant", "status", "created_at"])
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("reviewer_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_review_audit_item", "review_audit", ["tenant", "decision_id"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("decision_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("user_id", sa.String(512), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(40), nullable=True),
        sa.Column("reviewer_id", sa.String(40), nullable=True),
        sa.Column("outcome_reason", sa.Text, nullable=True),
        sa.Column("decided_at", sa.Float, nullable=True),
    )
    op.create_index("ux_appeals_decision", "appeals", ["tenant", "decision_id"], unique=True)
    op.create_index("ix_appeals_queue", "appeals", ["tenant", "status", "created_at"])


def downgrade() -> None:
    op.drop_table("appeals")
    op.drop_table("review_audit")
    op.drop_index("ix_review_items_queue", "review_items")
    op.drop_table("review_items")
    op.drop_table("reviewers")
