"""Batch recalculation: runs, their partitions, the rights found and the changes against assignments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:44:17.198775
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recalc_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=64), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("municipality", sa.String(length=11), nullable=True),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('running', 'done', 'failed')", name=op.f("ck_recalc_runs_status")),
        sa.ForeignKeyConstraint(
            ["ruleset_version"], ["rule_sets.version"], name=op.f("fk_recalc_runs_ruleset_version_rule_sets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalc_runs")),
    )
    op.create_table(
        "recalc_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("old_amount", sa.BigInteger(), nullable=True),
        sa.Column("new_amount", sa.BigInteger(), nullable=True),
        sa.Column("assignment_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "change in ('new', 'lost', 'changed', 'undetermined')", name=op.f("ck_recalc_changes_change")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["recalc_runs.id"], name=op.f("fk_recalc_changes_run_id_recalc_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalc_changes")),
    )
    with op.batch_alter_table("recalc_changes", schema=None) as batch_op:
        batch_op.create_index("ix_recalc_changes_run_measure", ["run_id", "measure"], unique=False)

    op.create_table(
        "recalc_partitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_household", sa.BigInteger(), nullable=False),
        sa.Column("last_household", sa.BigInteger(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=True),
        sa.Column("milliseconds", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("failed_household", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status in ('pending', 'done', 'failed')", name=op.f("ck_recalc_partitions_status")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["recalc_runs.id"], name=op.f("fk_recalc_partitions_run_id_recalc_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalc_partitions")),
        sa.UniqueConstraint("run_id", "number", name="number"),
    )
    with op.batch_alter_table("recalc_partitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recalc_partitions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "recalc_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("start_month", sa.Date(), nullable=True),
        sa.Column("end_month", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["recalc_runs.id"], name=op.f("fk_recalc_results_run_id_recalc_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalc_results")),
    )
    with op.batch_alter_table("recalc_results", schema=None) as batch_op:
        batch_op.create_index("ix_recalc_results_run_measure", ["run_id", "measure"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recalc_results", schema=None) as batch_op:
        batch_op.drop_index("ix_recalc_results_run_measure")

    op.drop_table("recalc_results")
    with op.batch_alter_table("recalc_partitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recalc_partitions_run_id"))

    op.drop_table("recalc_partitions")
    with op.batch_alter_table("recalc_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_recalc_changes_run_measure")

    op.drop_table("recalc_changes")
    op.drop_table("recalc_runs")
