"""Limits shared by every process of the web application: attempts per client address (as a
digest) in a sliding window, and runs a user has going at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index("ix_rate_events_kind_key", "rate_events", ["kind", "key_hash"], unique=False)
    op.create_index("ix_rate_events_kind_at", "rate_events", ["kind", "at"], unique=False)
    op.create_table(
        "run_leases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_run_leases_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_leases")),
    )
    op.create_index("ix_run_leases_kind_user", "run_leases", ["kind", "user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_run_leases_kind_user", table_name="run_leases")
    op.drop_table("run_leases")
    op.drop_index("ix_rate_events_kind_at", table_name="rate_events")
    op.drop_index("ix_rate_events_kind_key", table_name="rate_events")
    op.drop_table("rate_events")
