"""The schema: migrations and models agree, money and quantities are exact integers, the audit
log is append-only on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from registry.migrate import current_revision, head_revision
from registry.models import Base, Municipality, Person


def test_migrations_reach_the_head(db_engine):
    assert current_revision(db_engine) == head_revision()


def test_models_and_migrations_agree(db_engine):
    with db_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def _person(**extra):  # type: ignore[no-untyped-def]
    values = {
        "case_number": "633670100000000018",
        "last_name": "Иванова",
        "first_name": "Анна",
        "birth_date": date(1990, 1, 1),
        "sex": "F",
        "municipality": "36701000",
    }
    values.update(extra)
    return Person(**values)


def test_money_is_stored_as_integer_kopecks(db_session):
    from registry.models import Deposit

    db_session.add(Municipality(oktmo="36701000", region="63", name="г.о. Самара"))
    person = _person()
    db_session.add(person)
    db_session.flush()
    db_session.add(Deposit(person_id=person.id, balance=Decimal("1234567.89")))
    db_session.flush()
    raw = db_session.execute(sa.text("select balance from deposits")).scalar_one()
    assert raw == 123456789
    assert db_session.execute(sa.select(Deposit.balance)).scalar_one() == Decimal("1234567.89")


def test_money_refuses_floats_and_sub_kopecks(db_session):
    from registry.models import Deposit

    db_session.add(Municipality(oktmo="36701000", region="63", name="г.о. Самара"))
    person = _person()
    db_session.add(person)
    db_session.flush()
    db_session.add(Deposit(person_id=person.id, balance=0.1))
    with pytest.raises(sa.exc.StatementError, match="float"):
        db_session.flush()
    db_session.rollback()


def test_the_audit_log_refuses_updates_and_deletes(db_session):
    db_session.add(Municipality(oktmo="36701000", region="63", name="г.о. Самара"))
    db_session.flush()
    assert db_session.execute(sa.text("select count(*) from audit_log")).scalar_one() >= 1
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db_session.begin_nested():
        db_session.execute(sa.text("update audit_log set actor = 'x'"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db_session.begin_nested():
        db_session.execute(sa.text("delete from audit_log"))
