"""The audit journal and the bulk loader: changes journaled with before and after, tampering
found at the first bad entry, seeded populations valid and consistent."""

from __future__ import annotations

import json
import random
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.audit import acting_as, verify
from registry.identifiers import validate_case_number, validate_snils
from registry.models import AuditEntry, Income, Person
from registry.people import NewPerson, register_person, sync_reference
from registry.seeding import seed
from registry.synthetic import generate


def _entries(session, table):  # type: ignore[no-untyped-def]
    return (
        session.execute(sa.select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def test_every_change_is_journaled_with_who_and_before_and_after(db_session):
    sync_reference(db_session)
    with acting_as("specialist:ivanova"):
        person = register_person(db_session, NewPerson("Сидорова", "Ольга", date(1975, 4, 2), "F", "36701000"))
        person.last_name = "Кузнецова"
        db_session.flush()
    insert, update = _entries(db_session, "persons")
    assert insert.action == "insert" and insert.actor == "specialist:ivanova"
    assert json.loads(insert.changes)["last_name"] == [None, "Сидорова"]
    assert update.action == "update"
    assert json.loads(update.changes) == {"last_name": ["Сидорова", "Кузнецова"]}
    db_session.delete(person)
    db_session.flush()
    assert _entries(db_session, "persons")[-1].action == "delete"
    assert verify(db_session).ok


def _without_append_only(session):  # type: ignore[no-untyped-def]
    """Tampering as an attacker with direct database access would: switch the guard off."""
    if session.connection().dialect.name == "postgresql":
        session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        session.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        session.execute(sa.text("DROP TRIGGER audit_log_no_delete"))


@pytest.mark.parametrize("attempt", range(12))
def test_tampering_is_found_at_the_first_bad_entry(db_session, attempt):
    sync_reference(db_session)
    for number in range(6):
        register_person(db_session, NewPerson("Тестов", f"Имя{number}", date(1980, 1, 1 + number), "M", "36701000"))
    entries = [e.id for e in _entries(db_session, "persons")]
    assert verify(db_session).ok
    rng = random.Random(attempt)
    target = rng.choice(entries[:-1])
    _without_append_only(db_session)
    kind = ("edit", "delete", "swap")[attempt % 3]
    if kind == "edit":
        db_session.execute(
            sa.text("UPDATE audit_log SET changes = replace(changes, 'Тестов', 'Тестова') WHERE id = :id"),
            {"id": target},
        )
        expected = target
    elif kind == "delete":
        db_session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": target})
        expected = target + 1
    else:
        db_session.execute(sa.text("UPDATE audit_log SET actor = 'someone else' WHERE id = :id"), {"id": target})
        expected = target
    db_session.expire_all()
    outcome = verify(db_session)
    assert not outcome.ok
    assert outcome.first_bad_id == expected


def test_a_seeded_population_is_valid_and_counted(db_session):
    done = seed(db_session, 300, seed=7, months=14)
    expected = generate(300, seed=7, months=14)
    assert done.persons == 300
    assert {loaded.table: loaded.rows for loaded in done.loaded} == {
        name: len(frame) for name, frame in expected.tables.items() if name != "case_counters"
    }
    people = db_session.execute(sa.select(Person.case_number, Person.snils)).all()
    assert all(validate_case_number(case) is None for case, _ in people)
    assert all(validate_snils(snils) is None for _, snils in people)
    total = db_session.execute(sa.select(sa.func.sum(Income.amount))).scalar_one()
    assert total == Decimal(int(expected["incomes"]["amount"].sum())).scaleb(-2)
    # The id sequences were moved past the loaded rows: ordinary inserts still work.
    person = register_person(db_session, NewPerson("Новый", "Житель", date(1999, 9, 9), "M", "36701000"))
    assert person.id == 301
    assert validate_case_number(person.case_number) is None
    bulk = [e for e in db_session.execute(sa.select(AuditEntry).where(AuditEntry.action == "bulk_insert")).scalars()]
    assert {e.table_name for e in bulk} >= {"persons", "incomes", "households"}
    assert verify(db_session).ok


def test_two_seeds_in_one_register_do_not_collide(db_session):
    seed(db_session, 100, seed=1, months=12)
    seed(db_session, 100, seed=2, months=12)
    cases = db_session.execute(sa.select(Person.case_number)).scalars().all()
    assert len(cases) == len(set(cases)) == 200
