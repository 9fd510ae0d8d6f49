"""A small register for the web tests: the Petrov family in Samara (registerkit.family, with
applications for the unified allowance and the housing subsidy) and the
Smirnova household in Tolyatti, plus one account per role (the demo accounts: the specialist
``samara`` sees Samara only, ``tlt`` Tolyatti only)."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.access import SYSTEM
from registry.audit import acting_as
from registry.db import make_engine, transaction
from registry.migrate import upgrade
from registry.models import Application, Declaration, Income, User
from registry.people import NewPerson, create_household, register_person, sync_reference
from registry.staff import DEMO_PASSWORD, seed_demo_accounts
from registry.totp import STEP_SECONDS, code_at, step_of
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


def login(client, name: str, password: str = PASSWORD, second_factor: bool = True):  # type: ignore[no-untyped-def]
    """Log in through the form; return the response of the last POST. For a role with a second
    factor (unless ``second_factor`` is False: the password's response), the code step too —
    setting the authenticator up the first time, from the secret the page shows."""
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login": name, "password": password, "csrf_token": token})
    if not second_factor or not response.headers.get("Location", "").startswith("/login/code"):
        return response
    return client.post(
        "/login/code", data={"code": current_code(client, name), "csrf_token": csrf_of_page(client, "/login/code")}
    )


_SECRET = re.compile(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>')


def current_code(client, name: str) -> str:  # type: ignore[no-untyped-def]
    """The code the user's authenticator shows now: from the secret the code page offers while
    setting up, else from the user's record. A test logs in again within 30 seconds, which would
    be a replay of the step's code: the record then forgets that step (as if the next had come)."""
    shown = _SECRET.search(client.get("/login/code").get_data(as_text=True))
    return authenticator_code(client.application.extensions["mera.engine"], name, shown.group(1) if shown else None)


def authenticator_code(engine, name: str, shown: str | None) -> str:  # type: ignore[no-untyped-def]
    """``current_code`` from the secret a code page shows (setting up), else from the database.

    A code counts for its own 30 seconds only: one made in a step's last seconds could reach the
    server in the next and be refused. Then this waits for the next step first, so that no test
    depends on where in a step it happens to run (an assertion on the outcome, never on time)."""
    now = datetime.now(UTC)
    left = STEP_SECONDS - now.timestamp() % STEP_SECONDS
    if left < 5:
        time.sleep(left + 0.05)
        now = datetime.now(UTC)
    if shown:
        return code_at(shown.replace(" ", ""), step_of(now))
    with transaction(engine) as session:
        user = session.execute(select(User).where(User.login == name)).scalar_one()
        if user.totp_last_step is not None and user.totp_last_step >= step_of(now):
            user.totp_last_step = step_of(now) - 1
        assert user.totp_secret is not None
        return code_at(user.totp_secret, step_of(now))


def csrf_of_page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return _CSRF.search(client.get(path).get_data(as_text=True)).group(1)


__all__ = [
    "PASSWORD",
    "SAMARA",
    "SYSTEM",
    "TOLYATTI",
    "TOLYATTI_SNILS",
    "authenticator_code",
    "csrf_of",
    "csrf_of_page",
    "current_code",
    "login",
    "populate",
]
