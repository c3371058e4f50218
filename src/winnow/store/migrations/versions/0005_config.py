"""Tenants' configuration over HTTP: versioned policies, term lists, hash banks and their entries,
and each tenant's active policy and configuration revision.

Revision ID: 0005_config
Revises: 0004_rescan
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_config"
down_revision = "0004_rescan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_config",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("active_policy", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "policies",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("version", sa.String(200), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "term_lists",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "hash_banks",
        sa.Column("tenant", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("pdq_threshold", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index(
        "ux_bank_entries_value", "bank_entries", ["tenant", "bank", "kind", "value"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_bank_entries_value", "bank_entries")
    for table in ("bank_entries", "hash_banks", "term_lists", "policies", "tenant_config"):
        op.drop_table(table)
