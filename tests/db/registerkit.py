"""Small register fixtures built through the services, for the database tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.models import Application, Declaration, Housing, Income, PersonCategory, RealEstate, UtilityCharge
from registry.people import NewPerson, create_household, register_person, sync_reference


def family(session: Session) -> dict[str, int]:
    """Two parents and two children in Samara, incomes declared 2024-12..2026-02, a flat, an
    application for the unified allowance on 2026-03-10: the example household of the rules."""
    sync_reference(session)
    father = register_person(
        session, NewPerson("Петров", "Иван", date(1988, 5, 12), "M", "36701000", "Сергеевич", "112-233-445 95")
    )
    mother = register_person(session, NewPerson("Петрова", "Анна", date(1990, 9, 1), "F", "36701000", "Олеговна"))
    son = register_person(session, NewPerson("Петров", "Павел", date(2020, 11, 3), "M", "36701000", "Иванович"))
    daughter = register_person(session, NewPerson("Петрова", "Мария", date(2016, 6, 20), "F", "36701000", "Ивановна"))
    household = create_household(
        session,
        "hh-test-1",
        "36701000",
        [(father, "applicant"), (mother, "spouse"), (son, "child"), (daughter, "child")],
        date(2020, 1, 1),
    )
    for person in (father, mother, son, daughter):
        session.add(
            Declaration(
                person_id=person.id,
                kind="incomes",
                first_month=date(2024, 12, 1),
                last_month=date(2026, 2, 1),
                declared_on=date(2026, 3, 10),
            )
        )
        session.add(Declaration(person_id=person.id, kind="property", declared_on=date(2026, 3, 10)))
        session.add(Declaration(person_id=person.id, kind="no_income_reasons", declared_on=date(2026, 3, 10)))
    for person, amount in ((father, Decimal("25000.00")), (mother, Decimal("20000.00"))):
        for month in range(12, 27):
            year, number = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
            session.add(Income(person_id=person.id, month=date(year, number, 1), kind="wages", amount=amount))
    session.add(
        RealEstate(person_id=father.id, kind="apartment", area=Decimal("54.20"), share_numerator=1, share_denominator=2)
    )
    session.add(
        RealEstate(person_id=mother.id, kind="apartment", area=Decimal("54.20"), share_numerator=1, share_denominator=2)
    )
    housing = Housing(
        household_id=household.id,
        valid_from=date(2020, 1, 1),
        area=Decimal("54.20"),
        ownership="own",
        registered_residents=4,
        has_debts=False,
    )
    session.add(housing)
    session.flush()
    for code, cost in (
        ("maintenance", "1626.00"),
        ("capital_repair", "646.61"),
        ("heating", "2278.50"),
        ("cold_water", "624.73"),
        ("hot_water", "2533.39"),
        ("sewerage", "873.94"),
        ("electricity", "1576.80"),
        ("solid_waste", "751.64"),
    ):
        session.add(UtilityCharge(housing_id=housing.id, month=date(2026, 3, 1), code=code, cost=Decimal(cost)))
    session.add(PersonCategory(person_id=mother.id, code="sole_parent", valid_from=date(2030, 1, 1)))
    session.add(
        Application(
            household_id=household.id,
            person_id=father.id,
            measure="unified_child_allowance",
            submitted_on=date(2026, 3, 10),
        )
    )
    session.flush()
    return {"household": household.id, "father": father.id, "mother": mother.id, "son": son.id, "daughter": daughter.id}
