"""Rescan: each decision's detector results and content hashes, and which decision replaced it.

Additive only: four nullable columns on ``decisions`` (older rows keep NULL there, and a rescan
reports them as skipped) and an index to page through the decisions no rescan has replaced.

Revision ID: 0004_rescan
Revises: 0003_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rescan"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("results", sa.Text, nullable=True))
    op.add_column("decisions", sa.Column("hashes", sa.Text, nullable=True))
    op.add_column("decisions", sa.Column("supersedes", sa.String(40), nullable=True))
    op.add_column("decisions", sa.Column("superseded_by", sa.String(40), nullable=True))
    op.create_index("ix_decisions_current", "decisions", ["superseded_by", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_current", "decisions")
    with op.batch_alter_table("decisions") as batch:
        for column in ("superseded_by", "supersedes", "hashes", "results"):
            batch.drop_column(column)
