"""Services of the specialist's pages on both databases: search and the person card within the
actor's scope, the calculation form's checks, and decisions taken once per calculation (a
concurrent second submit included)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine import Month
from measures.decisions import decide, decision_document, saved_calculation
from registry.access import AccessDeniedError, Actor, NotFoundError
from registry.audit import acting_as, flush_journal
from registry.calculation_form import CalculationRequest, calculation_page, service_tables
from registry.cards import SEARCH_LIMIT, SearchQuery, person_card, search_persons
from registry.casework import calculate
from registry.db import transaction
from registry.models import Application, Assignment, AuditEntry
from registry.people import NewPerson, RegisterError, register_person
from tests.db.registerkit import family

SAMARA, TOLYATTI = "36701000", "36740000"
SPECIALIST = Actor(1, "specialist-test", "specialist", frozenset({SAMARA}))
TOLYATTI_SPECIALIST = Actor(2, "tlt-test", "specialist", frozenset({TOLYATTI}))
AUDITOR = Actor(3, "auditor-test", "auditor", None)
PAYMENT_OFFICER = Actor(4, "pay-test", "payment_officer", None)
ON = date(2026, 3, 31)


def saved(session: Session, rules, person_id: int, measure: str = "unified_child_allowance") -> int:  # type: ignore[no-untyped-def]
    outcomes = calculate(session, SPECIALIST, rules, person_id, Month(2026, 3), [measure], save=True)
    return outcomes[0].calculation_id


def test_search_keeps_to_the_actors_municipalities(db_session):
    ids = family(db_session)
    register_person(db_session, NewPerson("Петров", "Иван", date(1979, 1, 2), "M", TOLYATTI, "Сергеевич"))
    query = SearchQuery.parse(last_name="петров", first_name="иван")
    found = search_persons(db_session, SPECIALIST, query)
    assert [row.id for row in found.rows] == [ids["father"]]
    assert found.rows[0].masked_snils == "***-***-445 95" and not found.has_more
    assert len(search_persons(db_session, AUDITOR, query).rows) == 2
    born = SearchQuery.parse(last_name="Петров", birth_date="12.05.1988")
    assert [row.id for row in search_persons(db_session, AUDITOR, born).rows] == [ids["father"]]
    assert search_persons(db_session, TOLYATTI_SPECIALIST, SearchQuery.parse(snils="11223344595")).rows == ()


def test_search_is_capped_and_says_so(db_session):
    family(db_session)
    for number in range(SEARCH_LIMIT + 1):
        register_person(db_session, NewPerson("Однофамильцев", f"Имя{number:03d}", date(1990, 1, 1), "M", SAMARA))
    found = search_persons(db_session, SPECIALIST, SearchQuery(last_name="Однофамильцев"))
    assert len(found.rows) == SEARCH_LIMIT and found.has_more


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"snils": "112-233-445 96"}, "snils"),
        ({"case_number": "12345"}, "case_number"),
        ({"first_name": "Иван"}, "last_name"),
        ({"birth_date": "1988-02-30"}, "birth_date"),
    ],
)
def test_search_form_problems_name_their_field(fields, field):
    with pytest.raises(RegisterError) as caught:
        SearchQuery.parse(**fields)
    assert [name for name, _message in caught.value.problems] == [field]


def test_search_needs_a_role_that_reads_persons(db_session):
    with pytest.raises(AccessDeniedError):
        search_persons(db_session, Actor(5, "admin-test", "administrator", None), SearchQuery(last_name="Петров"))


def test_the_card_of_another_municipality_is_not_found_like_a_missing_one(db_session):
    ids = family(db_session)
    with pytest.raises(NotFoundError) as foreign:
        person_card(db_session, TOLYATTI_SPECIALIST, ids["father"], ON)
    with pytest.raises(NotFoundError) as missing:
        person_card(db_session, TOLYATTI_SPECIALIST, 10**9, ON)
    assert str(foreign.value) == str(missing.value)


def test_the_card_gathers_the_case_file_and_journals_the_read(db_session):
    ids = family(db_session)
    last = db_session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar_one()
    card = person_card(db_session, SPECIALIST, ids["father"], ON, {"unified_child_allowance": "Единое пособие"})
    assert [m.role for m in card.household.members] == ["applicant", "spouse", "child", "child"]
    assert card.incomes[0].month == date(2026, 2, 1) and card.incomes[0].total == Decimal("25000.00")
    assert len(card.incomes) == 12
    assert card.housing.charges_total == Decimal("10911.61") and len(card.housing.charges) == 8
    assert [(a.title, a.day) for a in card.applications] == [("Единое пособие", date(2026, 3, 10))]
    flush_journal(db_session)  # journal entries join the chain at commit
    reads = db_session.execute(
        sa.select(AuditEntry.row_id, AuditEntry.changes).where(AuditEntry.id > last, AuditEntry.action == "read")
    ).all()
    assert [(row_id, '"card"' in changes) for row_id, changes in reads] == [(str(ids["father"]), True)]


def test_the_calculation_form_refuses_bad_input_without_calculating(db_session, rules):
    ids = family(db_session)
    request = CalculationRequest("999999", "no_such_measure", "март", save=True)
    page = calculation_page(db_session, SPECIALIST, rules, ids["father"], request, ON)
    assert {name for name, _message in page.errors} == {"member", "measure", "period"}
    assert page.outcomes == () and page.saved == ()


def test_the_calculation_form_is_refused_to_a_payment_officer(db_session, rules):
    ids = family(db_session)
    with pytest.raises(AccessDeniedError):
        calculation_page(db_session, PAYMENT_OFFICER, rules, ids["father"], None, ON)


def test_the_housing_subsidy_is_broken_down_per_service(db_session, rules):
    ids = family(db_session)
    db_session.add(
        Application(
            household_id=ids["household"],
            person_id=ids["father"],
            measure="housing_utilities_subsidy",
            submitted_on=date(2026, 3, 12),
        )
    )
    db_session.flush()
    request = CalculationRequest(str(ids["father"]), "", "2026-03")
    page = calculation_page(db_session, SPECIALIST, rules, ids["father"], request, ON)
    subsidy = next(o for o in page.outcomes if o.measure == "housing_utilities_subsidy")
    assert subsidy.amount == Decimal("4837.82")
    (table,) = subsidy.services
    assert table.step == "actual_expenses" and table.total == Decimal("10911.61")
    assert ("heating", "отопление", Decimal("2278.50")) in table.lines and len(table.lines) == 8
    assert service_tables({"kind": "measure", "name": "x", "value": None}) == ()


def test_each_measure_is_calculated_on_its_own_application(db_session, rules):
    """The unified allowance's application is not an application for the housing subsidy."""
    ids = family(db_session)
    request = CalculationRequest(str(ids["father"]), "", "2026-03")
    page = calculation_page(db_session, SPECIALIST, rules, ids["father"], request, ON)
    by_measure = {o.measure: o for o in page.outcomes}
    assert by_measure["unified_child_allowance"].status == "eligible"
    assert by_measure["housing_utilities_subsidy"].status == "undetermined"


def test_assigning_records_the_schedule_and_a_numbered_decision(db_session, rules):
    ids = family(db_session)
    calculation_id = saved(db_session, rules, ids["father"])
    today = date.today()
    assignment = decide(db_session, SPECIALIST, calculation_id, "assign", today)
    assert (assignment.status, assignment.amount) == ("active", Decimal("34538.00"))
    assert (assignment.period_from, assignment.period_to) == (date(2026, 3, 1), date(2027, 2, 28))
    assert assignment.decision_number.startswith(f"{SAMARA}-{today.year}-")
    document = decision_document(db_session, AUDITOR, assignment.id)
    assert document.number == assignment.decision_number and "81-ФЗ" in document.legal_basis
    assert document.measure_title.startswith("Единое пособие") and document.application_date == date(2026, 3, 10)
    assert saved_calculation(db_session, SPECIALIST, calculation_id).decision.id == assignment.id
    second = decide(
        db_session,
        SPECIALIST,
        saved(db_session, rules, ids["father"]),
        "refuse",
        today,
        note="заявитель отозвал заявление",
    )
    assert int(second.decision_number[-6:]) == int(assignment.decision_number[-6:]) + 1
    assert (second.decided_by, second.note) == (SPECIALIST.login, "заявитель отозвал заявление")
    assert decision_document(db_session, AUDITOR, second.id).note == "заявитель отозвал заявление"


def test_one_decision_per_calculation(db_session, rules):
    ids = family(db_session)
    calculation_id = saved(db_session, rules, ids["father"])
    with pytest.raises(RegisterError, match="на каком основании"):  # it found a right: grounds are required
        decide(db_session, SPECIALIST, calculation_id, "refuse", date.today())
    decide(db_session, SPECIALIST, calculation_id, "refuse", date.today(), note="отзыв заявления")
    with pytest.raises(RegisterError, match="уже принято"):
        decide(db_session, SPECIALIST, calculation_id, "assign", date.today())


@pytest.mark.parametrize(
    ("actor", "error"),
    [(AUDITOR, AccessDeniedError), (PAYMENT_OFFICER, AccessDeniedError), (TOLYATTI_SPECIALIST, NotFoundError)],
)
def test_deciding_needs_the_right_and_the_scope(db_session, rules, actor, error):
    ids = family(db_session)
    calculation_id = saved(db_session, rules, ids["father"])
    with pytest.raises(error):
        decide(db_session, actor, calculation_id, "assign", date.today())


def test_assigning_needs_a_right_found_and_a_sensible_date(db_session, rules):
    ids = family(db_session)
    calculation_id = saved(db_session, rules, ids["father"], "birth_allowance")  # undetermined
    with pytest.raises(RegisterError) as caught:
        decide(db_session, SPECIALIST, calculation_id, "assign", date.today() + timedelta(days=1))
    assert [name for name, _m in caught.value.problems] == ["decision", "decision_date"]
    with pytest.raises(RegisterError, match="Выберите решение"):
        decide(db_session, SPECIALIST, calculation_id, "maybe", date.today())


def test_a_concurrent_second_decision_creates_no_second_assignment(fresh_database, rules):
    """Two submits of the same decision at once: the second waits on the calculation's lock
    (PostgreSQL) or on the write lock (SQLite), and fails without writing."""
    _url, engine = fresh_database
    with acting_as("test"), transaction(engine) as session:
        ids = family(session)
        calculation_id = saved(session, rules, ids["father"])
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with acting_as("test"), transaction(engine) as other:
                decide(other, SPECIALIST, calculation_id, "assign", date.today())
            outcome.append(None)
        except Exception as exc:  # the test looks at which error it was
            outcome.append(exc)

    with acting_as("test"), transaction(engine) as session:
        decide(session, SPECIALIST, calculation_id, "assign", date.today())
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)  # the second submit is now waiting behind the first
    thread.join(60)
    assert len(outcome) == 1 and outcome[0] is not None
    if engine.dialect.name == "postgresql":
        assert isinstance(outcome[0], RegisterError) and "уже принято" in str(outcome[0])
    else:
        assert isinstance(outcome[0], RegisterError | sa.exc.OperationalError)
    with Session(engine) as session:
        count = session.execute(
            sa.select(sa.func.count()).select_from(Assignment).where(Assignment.calculation_id == calculation_id)
        ).scalar_one()
    assert count == 1


def test_a_deceased_person_is_not_calculated_and_the_family_is_calculated_without_them(db_session, rules, tmp_path):
    from registry.importing import import_file

    ids = family(db_session)
    before = calculate(db_session, SPECIALIST, rules, ids["mother"], Month(2026, 3), ["unified_child_allowance"])
    deaths = tmp_path / "deaths.csv"
    deaths.write_text("СНИЛС;Дата смерти\r\n112-233-445 95;10.03.2026\r\n", encoding="utf-8")
    assert import_file(db_session, deaths, as_of=date(2026, 3, 20)).rows_loaded == 1
    with pytest.raises(RegisterError) as caught:
        calculate(db_session, SPECIALIST, rules, ids["father"], Month(2026, 3))
    assert caught.value.problems == [("person", "человек умер 10.03.2026: расчет после даты смерти не выполняется")]
    after = calculate(db_session, SPECIALIST, rules, ids["mother"], Month(2026, 3), ["unified_child_allowance"])
    sizes = [
        next(step.value for step in outcome.result.trace.walk() if step.name == "ua_family_size")
        for outcome in (before[0], after[0])
    ]
    assert sizes == [4, 3]  # the family the rules count, before the death and after
