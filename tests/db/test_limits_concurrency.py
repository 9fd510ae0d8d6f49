"""Limits checked by two transactions at once let neither through over the limit: the second
check waits for the first transaction to end and then counts what it added."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from registry.limits import allow_attempt, take_lease

MOMENT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def _second_check(engine, check, outcome: list) -> None:  # type: ignore[no-untyped-def]
    try:
        with Session(engine) as session, session.begin():
            outcome.append(check(session))
    except BaseException as exc:  # reported by the test
        outcome.append(exc)


def _race(engine, check) -> tuple[object, object]:  # type: ignore[no-untyped-def]
    """The check in one open transaction, then in a second one while the first is still open
    (given time to run ahead of the first's commit), then the first commits: both outcomes."""
    outcome: list = []
    with Session(engine) as first:
        first.begin()
        first_outcome = check(first)
        other = threading.Thread(target=_second_check, args=(engine, check, outcome))
        other.start()
        other.join(timeout=2)  # room for the second check to run ahead, were it not made to wait
        first.commit()
    other.join()
    return first_outcome, outcome[0]


def test_two_attempts_at_the_limit_at_once_let_one_through(fresh_database):
    _url, engine = fresh_database
    with Session(engine) as session, session.begin():
        assert allow_attempt(session, "login", "10.0.0.9", 3, WINDOW, now=MOMENT)
        assert allow_attempt(session, "login", "10.0.0.9", 3, WINDOW, now=MOMENT)
    first, second = _race(engine, lambda session: allow_attempt(session, "login", "10.0.0.9", 3, WINDOW, now=MOMENT))
    assert (first, second) == (True, False)


def test_two_leases_at_the_limit_at_once_give_one(fresh_database):
    _url, engine = fresh_database
    from registry.models import User

    with Session(engine) as session, session.begin():
        user = User(login="analyst", password_hash="x", role="methodologist", full_name="Аналитик", created_at=MOMENT)
        session.add(user)
        session.flush()
        user_id = user.id
    first, second = _race(engine, lambda session: take_lease(session, "whatif", user_id, 1, timedelta(hours=1), MOMENT))
    assert isinstance(first, int) and second is None
