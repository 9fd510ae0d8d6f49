"""A small register for the web tests: the Petrov family in Samara (registerkit.family, with
applications for the unified allowance and the housing subsidy) and the
Smirnova household in Tolyatti, plus one account per role (the demo accounts: the specialist
``samara`` sees Samara only, ``tlt`` Tolyatti only)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.access import SYSTEM
from registry.audit import acting_as
from registry.db import make_engine, transaction
from registry.migrate import upgrade
from registry.models import Application, Declaration, Income
from registry.people import NewPerson, create_household, register_person, sync_reference
from registry.staff import DEMO_PASSWORD, seed_demo_accounts
from tests.db.registerkit import family

SAMARA, TOLYATTI = "36701000", "36740000"
TOLYATTI_SNILS = "98765432183"
PASSWORD = DEMO_PASSWORD


def populate(session: Session) -> dict[str, int]:
    ids = family(session)
    session.add(  # the family also applied for the housing subsidy (family() has the unified allowance)
        Application(
            household_id=ids["household"],
            person_id=ids["father"],
            measure="housing_utilities_subsidy",
            submitted_on=date(2026, 3, 12),
        )
    )
    smirnova = register_person(
        session, NewPerson("Смирнова", "Ольга", date(1985, 2, 14), "F", TOLYATTI, "Петровна", TOLYATTI_SNILS)
    )
    daughter = register_person(session, NewPerson("Смирнова", "Вера", date(2019, 7, 7), "F", TOLYATTI, "Игоревна"))
    household = create_household(
        session, "hh-test-tlt", TOLYATTI, [(smirnova, "applicant"), (daughter, "child")], date(2019, 8, 1)
    )
    session.add(
        Declaration(
            person_id=smirnova.id,
            kind="incomes",
            first_month=date(2024, 12, 1),
            last_month=date(2026, 2, 1),
            declared_on=date(2026, 3, 5),
        )
    )
    for month in range(12, 27):
        year, number = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
        session.add(Income(person_id=smirnova.id, month=date(year, number, 1), kind="wages", amount=Decimal("18000")))
    session.flush()
    seed_demo_accounts(session)
    ids.update({"tlt_household": household.id, "smirnova": smirnova.id, "vera": daughter.id})
    return ids


def prepare_web_register(url: str) -> dict[str, int]:
    """Migrate and fill a register for the web tests; the ids of its people."""
    engine = make_engine(url)
    upgrade(engine)
    with acting_as("test"), transaction(engine) as session:
        sync_reference(session)
        ids = populate(session)
    engine.dispose()
    return ids


_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(client) -> str:  # type: ignore[no-untyped-def]
    """The CSRF token of the client's browser (from any page with a form)."""
    page = client.get("/login") if not client.get_cookie("mera-session") else client.get("/")
    if page.status_code in (301, 302):
        page = client.get(page.headers["Location"])
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, "no form token on the page"
    return found.group(1)


def login(client, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Log in through the form; return the response of the POST."""
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"login": name, "password": password, "csrf_token": token})


__all__ = ["PASSWORD", "SAMARA", "SYSTEM", "TOLYATTI", "TOLYATTI_SNILS", "csrf_of", "login", "populate"]
