"""Persons found by their birth date alone (the search form allows it): an index, not a scan of
the whole register.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_birth_date", "persons", ["birth_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_persons_birth_date", table_name="persons")
