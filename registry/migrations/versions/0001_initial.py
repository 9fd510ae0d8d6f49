"""The register, calculations and the audit log.

Money columns hold integer kopecks and quantities scaled integers (see registry/columns.py), so
they are plain BIGINT here. The audit log is append-only on both databases (triggers).

Revision ID: 0001
Revises:
Create Date: 2026-11-23 02:03:37.831085
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "municipalities",
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("oktmo", name=op.f("pk_municipalities")),
    )
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_municipalities_region"), ["region"], unique=False)

    op.create_table(
        "rule_sets",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_rule_sets")),
    )
    op.create_table(
        "case_counters",
        sa.Column("oktmo", sa.String(length=11), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["oktmo"], ["municipalities.oktmo"], name=op.f("fk_case_counters_oktmo_municipalities")
        ),
        sa.PrimaryKeyConstraint("oktmo", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("municipality", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality"], ["municipalities.oktmo"], name=op.f("fk_households_municipality_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("reference", name=op.f("uq_households_reference")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_municipality"), ["municipality"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_number", sa.String(length=18), nullable=False),
        sa.Column("snils", sa.String(length=11), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_name", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("municipality", sa.String(length=11), nullable=False),
        sa.Column("registration_address", sa.String(length=500), nullable=True),
        sa.Column("registration_fias", sa.String(length=36), nullable=True),
        sa.Column("residence_address", sa.String(length=500), nullable=True),
        sa.Column("residence_fias", sa.String(length=36), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.CheckConstraint("sex in ('M', 'F')", name=op.f("ck_persons_sex")),
        sa.ForeignKeyConstraint(
            ["municipality"], ["municipalities.oktmo"], name=op.f("fk_persons_municipality_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("case_number", name=op.f("uq_persons_case_number")),
        sa.UniqueConstraint("snils", name=op.f("uq_persons_snils")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_municipality"), ["municipality"], unique=False)
        batch_op.create_index("ix_persons_name_birth", ["last_name", "first_name", "birth_date"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_applications_household_id_households")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_applications_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_person_id"), ["person_id"], unique=False)

    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bik", sa.String(length=9), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_bank_accounts_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
    )
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_accounts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "calculations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("member", sa.String(length=32), nullable=True),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("ruleset_version", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_calculations_household_id_households")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_calculations_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["ruleset_version"], ["rule_sets.version"], name=op.f("fk_calculations_ruleset_version_rule_sets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calculations")),
    )
    with op.batch_alter_table("calculations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calculations_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calculations_measure"), ["measure"], unique=False)
        batch_op.create_index(batch_op.f("ix_calculations_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calculations_ruleset_version"), ["ruleset_version"], unique=False)

    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=True),
        sa.Column("last_month", sa.Date(), nullable=True),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.CheckConstraint("kind in ('incomes', 'property', 'no_income_reasons')", name=op.f("ck_declarations_kind")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_declarations_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
    )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declarations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_deposits_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
    )
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deposits_person_id"), ["person_id"], unique=False)

    op.create_table(
        "disabilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("disability_group", sa.String(length=5), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("disability_group in ('1', '2', '3', 'child')", name=op.f("ck_disabilities_group")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_disabilities_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disabilities")),
    )
    with op.batch_alter_table("disabilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disabilities_person_id"), ["person_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subkind", sa.String(length=40), nullable=True),
        sa.Column("series", sa.String(length=20), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("issued_by", sa.String(length=300), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_documents_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_person_id"), ["person_id"], unique=False)

    op.create_table(
        "housing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column("ownership", sa.String(length=20), nullable=True),
        sa.Column("registered_residents", sa.Integer(), nullable=True),
        sa.Column("has_debts", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_housing_household_id_households"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing")),
    )
    with op.batch_alter_table("housing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_housing_household_id"), ["household_id"], unique=False)

    op.create_table(
        "incomes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_incomes_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incomes")),
    )
    with op.batch_alter_table("incomes", schema=None) as batch_op:
        batch_op.create_index("ix_incomes_person_month", ["person_id", "month"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("role in ('applicant', 'spouse', 'child', 'other')", name=op.f("ck_memberships_role")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_memberships_household_id_households"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_memberships_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_person_id"), ["person_id"], unique=False)

    op.create_table(
        "no_income_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_no_income_reasons_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_no_income_reasons")),
    )
    with op.batch_alter_table("no_income_reasons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_no_income_reasons_person_id"), ["person_id"], unique=False)

    op.create_table(
        "postal_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_index", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_postal_deliveries_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_deliveries")),
    )
    with op.batch_alter_table("postal_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postal_deliveries_person_id"), ["person_id"], unique=False)

    op.create_table(
        "pregnancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("weeks_at_registration", sa.Integer(), nullable=False),
        sa.Column("expected_birth", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_pregnancies_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pregnancies")),
    )
    with op.batch_alter_table("pregnancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pregnancies_person_id"), ["person_id"], unique=False)

    op.create_table(
        "real_estate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.Column("share_numerator", sa.Integer(), nullable=False),
        sa.Column("share_denominator", sa.Integer(), nullable=False),
        sa.Column("cadastral_number", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "share_numerator > 0 and share_numerator <= share_denominator", name=op.f("ck_real_estate_share")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_real_estate_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_real_estate")),
    )
    with op.batch_alter_table("real_estate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_real_estate_person_id"), ["person_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("power_hp", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_vehicles_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_person_id"), ["person_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("calculation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_number", sa.String(length=40), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.CheckConstraint("status in ('active', 'suspended', 'ended', 'refused')", name=op.f("ck_assignments_status")),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_assignments_application_id_applications")
        ),
        sa.ForeignKeyConstraint(
            ["calculation_id"], ["calculations.id"], name=op.f("fk_assignments_calculation_id_calculations")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_assignments_household_id_households")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_assignments_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_measure"), ["measure"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "person_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_person_categories_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_categories_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_categories")),
    )
    with op.batch_alter_table("person_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_categories_person_id"), ["person_id"], unique=False)

    op.create_table(
        "utility_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("housing_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("tariff", sa.BigInteger(), nullable=True),
        sa.Column("norm", sa.BigInteger(), nullable=True),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["housing_id"], ["housing.id"], name=op.f("fk_utility_charges_housing_id_housing"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utility_charges")),
        sa.UniqueConstraint("housing_id", "month", "code", name="month_code"),
    )
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer),
            sa.column("last_id", sa.BigInteger),
            sa.column("last_hash", sa.String),
        ),
        [{"id": 1, "last_id": 0, "last_hash": "0" * 64}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION mera_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION mera_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION mera_audit_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS mera_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.drop_table("utility_charges")
    with op.batch_alter_table("person_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_categories_person_id"))

    op.drop_table("person_categories")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_person_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_measure"))
        batch_op.drop_index(batch_op.f("ix_assignments_household_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_person_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("real_estate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_real_estate_person_id"))

    op.drop_table("real_estate")
    with op.batch_alter_table("pregnancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pregnancies_person_id"))

    op.drop_table("pregnancies")
    with op.batch_alter_table("postal_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postal_deliveries_person_id"))

    op.drop_table("postal_deliveries")
    with op.batch_alter_table("no_income_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_no_income_reasons_person_id"))

    op.drop_table("no_income_reasons")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_person_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_household_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("incomes", schema=None) as batch_op:
        batch_op.drop_index("ix_incomes_person_month")

    op.drop_table("incomes")
    with op.batch_alter_table("housing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_housing_household_id"))

    op.drop_table("housing")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_person_id"))

    op.drop_table("documents")
    with op.batch_alter_table("disabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disabilities_person_id"))

    op.drop_table("disabilities")
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deposits_person_id"))

    op.drop_table("deposits")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarations_person_id"))

    op.drop_table("declarations")
    with op.batch_alter_table("calculations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calculations_ruleset_version"))
        batch_op.drop_index(batch_op.f("ix_calculations_person_id"))
        batch_op.drop_index(batch_op.f("ix_calculations_measure"))
        batch_op.drop_index(batch_op.f("ix_calculations_household_id"))

    op.drop_table("calculations")
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_accounts_person_id"))

    op.drop_table("bank_accounts")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_person_id"))
        batch_op.drop_index(batch_op.f("ix_applications_household_id"))

    op.drop_table("applications")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_name_birth")
        batch_op.drop_index(batch_op.f("ix_persons_municipality"))

    op.drop_table("persons")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_municipality"))

    op.drop_table("households")
    op.drop_table("case_counters")
    op.drop_table("rule_sets")
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipalities_region"))

    op.drop_table("municipalities")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
