"""The social register: persons, households, documents, incomes, property, housing, accounts;
applications, assignments, calculations with their rules and inputs; the audit log.

Money is integer kopecks (``Money``), quantities are scaled integers (``Scaled``), dates are
dates. The schema is created and migrated by Alembic (``registry/migrations``); a test keeps
these models and the migrations equal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from registry.columns import Money, Scaled

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _person_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)


class Municipality(Base):
    """A municipality of a region, by its OKTMO code (the territorial scope of rights)."""

    __tablename__ = "municipalities"
    oktmo: Mapped[str] = mapped_column(String(11), primary_key=True)
    region: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Person(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(18), unique=True)
    snils: Mapped[str | None] = mapped_column(String(11), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    municipality: Mapped[str] = mapped_column(ForeignKey("municipalities.oktmo"), index=True)
    registration_address: Mapped[str | None] = mapped_column(String(500))
    registration_fias: Mapped[str | None] = mapped_column(String(36))
    residence_address: Mapped[str | None] = mapped_column(String(500))
    residence_fias: Mapped[str | None] = mapped_column(String(36))
    death_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("sex in ('M', 'F')", name="sex"),
        Index("ix_persons_name_birth", "last_name", "first_name", "birth_date"),
        Index("ix_persons_birth_date", "birth_date"),  # searched by alone
    )


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # the case file's reference
    region: Mapped[str] = mapped_column(String(2))
    municipality: Mapped[str] = mapped_column(ForeignKey("municipalities.oktmo"), index=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="household")


class Membership(Base):
    """A person's place in a household, with a role and a validity period."""

    __tablename__ = "memberships"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = _person_fk()
    role: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()

    __table_args__ = (CheckConstraint("role in ('applicant', 'spouse', 'child', 'other')", name="role"),)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[str] = mapped_column(String(40))
    subkind: Mapped[str | None] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)
    issued_by: Mapped[str | None] = mapped_column(String(300))
    valid_to: Mapped[date | None] = mapped_column(Date)


class PersonCategory(Base):
    """An entitlement category (labour veteran, pensioner ...) with its period and proof."""

    __tablename__ = "person_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    code: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))


class Declaration(Base):
    """What the register knows for a person: incomes for months first..last, property as of a
    date, periods of reasons for having no income. Facts not declared are unknown, not zero."""

    __tablename__ = "declarations"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[str] = mapped_column(String(20))
    first_month: Mapped[date | None] = mapped_column(Date)
    last_month: Mapped[date | None] = mapped_column(Date)
    declared_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (CheckConstraint("kind in ('incomes', 'property', 'no_income_reasons')", name="kind"),)


class Income(Base):
    __tablename__ = "incomes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (Index("ix_incomes_person_month", "person_id", "month"),)


class NoIncomeReason(Base):
    __tablename__ = "no_income_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Disability(Base):
    __tablename__ = "disabilities"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    group: Mapped[str] = mapped_column("disability_group", String(5))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("disability_group in ('1', '2', '3', 'child')", name="group"),)


class Pregnancy(Base):
    __tablename__ = "pregnancies"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    registered_on: Mapped[date] = mapped_column(Date)
    weeks_at_registration: Mapped[int] = mapped_column(Integer)
    expected_birth: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class RealEstate(Base):
    __tablename__ = "real_estate"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[Decimal] = mapped_column(Scaled(2))
    share_numerator: Mapped[int] = mapped_column(Integer, default=1)
    share_denominator: Mapped[int] = mapped_column(Integer, default=1)
    cadastral_number: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (CheckConstraint("share_numerator > 0 and share_numerator <= share_denominator", name="share"),)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    power_hp: Mapped[int | None] = mapped_column(Integer)


class Deposit(Base):
    __tablename__ = "deposits"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    balance: Mapped[Decimal] = mapped_column(Money)
    bank: Mapped[str | None] = mapped_column(String(200))


class Housing(Base):
    """A household's dwelling as known from a date."""

    __tablename__ = "housing"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    area: Mapped[Decimal] = mapped_column(Scaled(2))
    ownership: Mapped[str | None] = mapped_column(String(20))
    registered_residents: Mapped[int | None] = mapped_column(Integer)
    has_debts: Mapped[bool | None] = mapped_column(Boolean)


class UtilityCharge(Base):
    """A month's charge for one housing or utility service."""

    __tablename__ = "utility_charges"
    id: Mapped[int] = mapped_column(primary_key=True)
    housing_id: Mapped[int] = mapped_column(ForeignKey("housing.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str | None] = mapped_column(String(20))
    tariff: Mapped[Decimal | None] = mapped_column(Scaled(4))
    norm: Mapped[Decimal | None] = mapped_column(Scaled(6))
    volume: Mapped[Decimal | None] = mapped_column(Scaled(4))
    cost: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (UniqueConstraint("housing_id", "month", "code", name="month_code"),)


class BankAccount(Base):
    __tablename__ = "bank_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    bik: Mapped[str] = mapped_column(String(9))
    account: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class PostalDelivery(Base):
    __tablename__ = "postal_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    post_index: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(500))
    valid_from: Mapped[date] = mapped_column(Date)


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    measure: Mapped[str] = mapped_column(String(64))
    submitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="registered")


class RuleSetRecord(Base):
    """A RuleSet by its content hash: its files, so any version can be loaded again."""

    __tablename__ = "rule_sets"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    files: Mapped[str] = mapped_column(Text)  # JSON: path → text
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Calculation(Base):
    """A stored calculation: the input snapshot, the rules version and the result with its trace,
    enough to replay it to the kopeck."""

    __tablename__ = "calculations"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    member: Mapped[str | None] = mapped_column(String(32))  # the snapshot member for person measures
    measure: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    ruleset_version: Mapped[str] = mapped_column(ForeignKey("rule_sets.version"), index=True)
    snapshot: Mapped[str] = mapped_column(Text)  # JSON
    result: Mapped[str] = mapped_column(Text)  # JSON, with the trace


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    measure: Mapped[str] = mapped_column(String(64), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    calculation_id: Mapped[int | None] = mapped_column(ForeignKey("calculations.id"))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20), default="active")
    decision_number: Mapped[str | None] = mapped_column(String(40))
    decision_date: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(100))  # the login of who decided
    note: Mapped[str | None] = mapped_column(Text)  # the specialist's grounds, printed in the decision

    __table_args__ = (
        CheckConstraint("status in ('active', 'suspended', 'ended', 'refused')", name="status"),
        UniqueConstraint("calculation_id"),  # one decision per calculation
    )


class RecalcRun(Base):
    """A batch recalculation of the register for a month (``mera recalc``)."""

    __tablename__ = "recalc_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    period: Mapped[date] = mapped_column(Date)
    ruleset_version: Mapped[str] = mapped_column(ForeignKey("rule_sets.version"))
    measures: Mapped[str] = mapped_column(Text)  # JSON list
    municipality: Mapped[str | None] = mapped_column(String(11))
    engine: Mapped[str] = mapped_column(String(20))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))  # running | done | failed
    summary: Mapped[str | None] = mapped_column(Text)  # JSON

    __table_args__ = (CheckConstraint("status in ('running', 'done', 'failed')", name="status"),)


class RecalcPartition(Base):
    """A partition of a run: a range of households, written whole or not at all."""

    __tablename__ = "recalc_partitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recalc_runs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    first_household: Mapped[int] = mapped_column(BigInteger)
    last_household: Mapped[int] = mapped_column(BigInteger)
    households: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # pending | done | failed
    persons: Mapped[int | None] = mapped_column(Integer)
    milliseconds: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    failed_household: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("run_id", "number", name="number"),
        CheckConstraint("status in ('pending', 'done', 'failed')", name="status"),
    )


class RecalcResult(Base):
    """A right found by a run: eligible, undetermined or in error (refusals are not stored)."""

    __tablename__ = "recalc_results"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recalc_runs.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    measure: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    start_month: Mapped[date | None] = mapped_column(Date)
    end_month: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_recalc_results_run_measure", "run_id", "measure"),)


class RecalcChange(Base):
    """A difference between a run's result and the current assignment."""

    __tablename__ = "recalc_changes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("recalc_runs.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    measure: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(20))  # new | lost | changed | undetermined
    old_amount: Mapped[Decimal | None] = mapped_column(Money)
    new_amount: Mapped[Decimal | None] = mapped_column(Money)
    assignment_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_recalc_changes_run_measure", "run_id", "measure"),
        CheckConstraint("change in ('new', 'lost', 'changed', 'undetermined')", name="change"),
    )


class User(Base):
    """A member of staff: login, argon2 password hash, one role and a territorial scope (the
    municipalities in ``user_scopes``; none means the whole region)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    whole_region: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the second factor (registry.totp): the authenticator's secret, and the last step accepted
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint(
            "role in ('administrator', 'methodologist', 'specialist', 'auditor', 'payment_officer')", name="role"
        ),
    )


class UserScope(Base):
    """A municipality in a user's territorial scope."""

    __tablename__ = "user_scopes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    oktmo: Mapped[str] = mapped_column(ForeignKey("municipalities.oktmo"), primary_key=True)


class WebSession(Base):
    """A server-side login session: the cookie carries a random token, the table its SHA-256, so
    logging out, disabling a user or an administrator's termination ends it at once."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginChallenge(Base):
    """A login whose password was right, waiting for the code of the user's authenticator (a
    few minutes at most); for a user without one, the secret proposed to set it up. The cookie
    carries a random token, the table its SHA-256."""

    __tablename__ = "login_challenges"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    proposed_secret: Mapped[str | None] = mapped_column(String(32))


class RateEvent(Base):
    """An attempt counted by a limit shared by every process (``registry.limits``): its kind
    (``login``), the digest of its key (a client address), when."""

    __tablename__ = "rate_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_rate_events_kind_key", "kind", "key_hash"),
        Index("ix_rate_events_kind_at", "kind", "at"),
    )


class RunLease(Base):
    """A run a user has going (a what-if), counted by a limit shared by every process."""

    __tablename__ = "run_leases"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_run_leases_kind_user", "kind", "user_id"),)


class ApiToken(Base):
    """A token for a machine client, acting with its user's role and scope; stored as SHA-256."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseCounter(Base):
    """The last sequence number of personal case numbers issued in a municipality."""

    __tablename__ = "case_counters"
    oktmo: Mapped[str] = mapped_column(ForeignKey("municipalities.oktmo"), primary_key=True)
    last: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEntry(Base):
    """Append-only, hash-chained journal of every change (and bulk load) of the register."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))  # insert | update | delete | bulk_insert
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last link of the audit chain: one row, locked while a link is appended."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


AUDITED = (
    Person,
    Household,
    Membership,
    Document,
    PersonCategory,
    Declaration,
    Income,
    NoIncomeReason,
    Disability,
    Pregnancy,
    RealEstate,
    Vehicle,
    Deposit,
    Housing,
    UtilityCharge,
    BankAccount,
    PostalDelivery,
    Application,
    Assignment,
    Municipality,
    User,
    UserScope,
    ApiToken,
)
