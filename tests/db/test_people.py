"""Adding persons, households and payment details through the services."""

from __future__ import annotations

from datetime import date

import pytest

from registry.identifiers import parse_case_number
from registry.models import BankAccount
from registry.people import (
    NewPerson,
    RegisterError,
    add_bank_account,
    add_postal_delivery,
    create_household,
    register_person,
    sync_reference,
)


@pytest.fixture
def person(db_session):  # type: ignore[no-untyped-def]
    sync_reference(db_session)
    return register_person(
        db_session, NewPerson("Орлова", "Вера", date(1970, 2, 3), "F", "36701000", "Ивановна", "112-233-445 95")
    )


def test_case_numbers_are_issued_in_sequence_per_municipality(db_session, person):
    other = register_person(db_session, NewPerson("Орлов", "Петр", date(1968, 7, 9), "M", "36701000"))
    first, second = parse_case_number(person.case_number), parse_case_number(other.case_number)
    assert (first.region, first.oktmo) == ("63", "36701000")
    assert second.sequence == first.sequence + 1
    assert person.snils == "11223344595"


def test_refusals_name_every_bad_field(db_session, person):
    with pytest.raises(RegisterError) as caught:
        register_person(
            db_session, NewPerson("Орлова", "Вера", date(1970, 2, 3), "X", "36701000", "Ивановна", "112-233-445 96")
        )
    fields = dict(caught.value.problems)
    assert fields["snils"] == "неверное контрольное число СНИЛС: указано 96, должно быть 95"
    assert "пол" in fields["sex"]
    assert "уже есть" in fields["last_name"]


def test_a_household_needs_exactly_one_applicant(db_session, person):
    with pytest.raises(RegisterError, match="ровно один заявитель"):
        create_household(db_session, "hh-x", "36701000", [(person, "spouse")], date(2020, 1, 1))


def test_bank_accounts_are_checked_by_the_control_key_and_replace_the_previous(db_session, person):
    with pytest.raises(RegisterError, match="контрольный ключ"):
        add_bank_account(db_session, person.id, "049805746", "40602810300000000025", date(2025, 1, 1))
    first = add_bank_account(db_session, person.id, "044525225", "40817810938160925982", date(2025, 1, 1))
    add_bank_account(db_session, person.id, "044525225", "40817810238160925983", date(2026, 1, 1))
    db_session.refresh(first)
    assert first.valid_to == date(2025, 12, 31)
    assert db_session.query(BankAccount).filter_by(person_id=person.id, valid_to=None).count() == 1


def test_postal_delivery_needs_a_six_digit_index(db_session, person):
    with pytest.raises(RegisterError, match="шесть цифр"):
        add_postal_delivery(db_session, person.id, "4430", "Самара, ул. Ленина, 1", date(2026, 1, 1))
    assert add_postal_delivery(db_session, person.id, "443001", "Самара, ул. Ленина, 1", date(2026, 1, 1)).id
