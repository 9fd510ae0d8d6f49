"""The specialist's pages: search, the person card, the calculation form with its trace, saving,
deciding and the printed decision; rights and territorial scope on every one of them."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from registry.models import Assignment, AuditEntry, Calculation
from tests.webapp.webkit import SAMARA, TOLYATTI_SNILS, csrf_of, login

PERIOD = "2026-03"


@contextmanager
def database(app):  # type: ignore[no-untyped-def]
    from webapp.database import db

    with app.test_request_context():
        yield db()


def as_user(client, name: str):  # type: ignore[no-untyped-def]
    assert login(client, name).status_code == 302
    return csrf_of(client)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def save_calculation(client, token: str, person_id: int, measure: str = "unified_child_allowance") -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/staff/persons/{person_id}/calculate",
        data={"csrf_token": token, "member": person_id, "measure": measure, "period": PERIOD, "save": "1"},
    )
    assert response.status_code == 302, text(response)
    found = re.search(r"/staff/calculations/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def decide(client, token: str, calculation_id: int, decision: str = "assign", on: date | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/staff/calculations/{calculation_id}/decision",
        data={"csrf_token": token, "decision": decision, "decision_date": (on or date.today()).isoformat()},
    )


# -- search -------------------------------------------------------------------------------------------


def test_search_finds_a_samara_person_by_snils_in_any_formatting_and_masks_it(client, ids):
    token = as_user(client, "samara")
    response = client.post("/staff/", data={"csrf_token": token, "snils": "112 233 445-95"})
    page = text(response)
    assert response.status_code == 200
    assert f'href="/staff/persons/{ids["father"]}"' in page and "Петров Иван Сергеевич" in page
    assert "***-***-445 95" in page and "112-233-445 95" not in page and "11223344595" not in page


def test_search_does_not_find_a_tolyatti_person_for_a_samara_specialist(client, ids):
    token = as_user(client, "samara")
    page = text(client.post("/staff/", data={"csrf_token": token, "snils": TOLYATTI_SNILS}))
    assert "Никого не нашли" in page and "Смирнова" not in page
    assert f"/staff/persons/{ids['smirnova']}" not in page


def test_search_finds_the_tolyatti_person_for_the_tolyatti_specialist(client, ids):
    token = as_user(client, "tlt")
    page = text(client.post("/staff/", data={"csrf_token": token, "snils": TOLYATTI_SNILS}))
    assert "Смирнова Ольга Петровна" in page and f"/staff/persons/{ids['smirnova']}" in page


def test_search_by_last_name_ignores_letter_case_and_narrows_by_birth_date(client, ids):
    token = as_user(client, "samara")
    page = text(client.post("/staff/", data={"csrf_token": token, "last_name": "петров"}))
    assert "Петров Иван Сергеевич" in page and "Петров Павел Иванович" in page
    page = text(client.post("/staff/", data={"csrf_token": token, "last_name": "Петров", "birth_date": "2020-11-03"}))
    assert "Петров Павел Иванович" in page and "Петров Иван Сергеевич" not in page
    page = text(client.post("/staff/", data={"csrf_token": token, "case_number": "not a number"}))
    assert 'href="#case_number"' in page


def test_search_with_a_wrong_snils_check_number_shows_the_error_next_to_the_field(client):
    token = as_user(client, "samara")
    response = client.post("/staff/", data={"csrf_token": token, "snils": "112-233-445 96", "birth_date": "31.02.2020"})
    page = text(response)
    assert response.status_code == 400
    assert 'href="#snils"' in page and 'id="snils-error"' in page and "контрольное число" in page
    assert 'href="#birth_date"' in page and 'id="birth_date-error"' in page


def test_search_page_is_refused_to_a_role_without_access_to_persons(client):
    as_user(client, "admin")
    assert client.get("/staff/").status_code == 403


# -- the person card ----------------------------------------------------------------------------------


def test_card_of_a_tolyatti_person_is_the_same_404_as_a_missing_one(client, ids):
    as_user(client, "samara")
    foreign = client.get(f"/staff/persons/{ids['smirnova']}")
    missing = client.get("/staff/persons/987654321")
    assert foreign.status_code == missing.status_code == 404
    assert text(foreign) == text(missing)
    assert "Смирнова" not in text(foreign)


def test_card_shows_household_documents_incomes_housing_applications(client, ids):
    as_user(client, "samara")
    response = client.get(f"/staff/persons/{ids['father']}")
    page = text(response)
    assert response.status_code == 200
    assert "Петров Иван Сергеевич" in page and "112-233-445 95" in page
    # household: members with roles and links to their cards
    assert f'href="/staff/persons/{ids["mother"]}"' in page and "Петрова Анна Олеговна" in page
    assert "заявитель" in page and "супруг(а)" in page and "ребенок" in page
    # incomes by month and kind, housing with the charges of March 2026
    assert "заработная плата" in page and "25\u202f000,00" in page and "февраль 2026" in page
    assert "Начисления за март 2026" in page and "отопление" in page and "2\u202f278,50" in page
    assert "10\u202f911,61" in page  # the total of the eight services
    # the application for the unified allowance, with a link to calculate it
    assert "Единое пособие в связи с рождением и воспитанием ребенка (на детей до 17 лет)" in page
    assert "10.03.2026" in page and "measure=unified_child_allowance" in page


def test_auditor_can_read_a_card_but_is_not_offered_a_calculation(client, ids):
    as_user(client, "audit")
    page = text(client.get(f"/staff/persons/{ids['smirnova']}"))
    assert "Смирнова Ольга Петровна" in page and "Доходы за последние месяцы" in page
    assert f"/staff/persons/{ids['smirnova']}/calculate" not in page


def test_reading_a_card_is_journaled_with_ids_only(app, client, ids):
    as_user(client, "samara")
    with database(app) as session:
        last = session.execute(select(func.max(AuditEntry.id))).scalar_one()
    assert client.get(f"/staff/persons/{ids['mother']}").status_code == 200
    with database(app) as session:
        entries = session.execute(
            select(AuditEntry.table_name, AuditEntry.row_id, AuditEntry.actor, AuditEntry.changes).where(
                AuditEntry.id > last, AuditEntry.action == "read"
            )
        ).all()
    card_reads = [e for e in entries if e.table_name == "persons" and e.row_id == str(ids["mother"])]
    assert card_reads and all(e.actor == "samara" for e in card_reads)
    assert '"purpose": "card"' in card_reads[0].changes and "Петрова" not in card_reads[0].changes


def test_searching_is_journaled(app, client, ids):
    token = as_user(client, "samara")
    with database(app) as session:
        last = session.execute(select(func.max(AuditEntry.id))).scalar_one()
    client.post("/staff/", data={"csrf_token": token, "snils": "11223344595"})
    with database(app) as session:
        changes = (
            session.execute(select(AuditEntry.changes).where(AuditEntry.id > last, AuditEntry.action == "read"))
            .scalars()
            .all()
        )
    assert any('"purpose": "search"' in c and str(ids["father"]) in c for c in changes)


# -- the calculation form -----------------------------------------------------------------------------


def test_calculation_form_lists_the_household_members_and_the_measures(client, ids):
    as_user(client, "samara")
    page = text(client.get(f"/staff/persons/{ids['father']}/calculate?measure=unified_child_allowance"))
    assert f'<option value="{ids["son"]}">' in page and "Петров Павел Иванович" in page
    assert '<option value="">Все меры</option>' in page
    assert '<option value="unified_child_allowance" selected>' in page
    assert 'type="month"' in page


def test_calculation_for_the_father_shows_the_unified_allowance_with_its_trace(client, ids):
    token = as_user(client, "samara")
    response = client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={"csrf_token": token, "member": ids["father"], "measure": "unified_child_allowance", "period": PERIOD},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Единое пособие в связи с рождением и воспитанием ребенка (на детей до 17 лет)" in page
    assert "право есть" in page and "34\u202f538,00" in page
    assert "март 2026 — февраль 2027" in page and "ежемесячно" in page and "март 2027" in page  # review
    assert 'class="trace" id="trace-unified_child_allowance"' in page and "<details" in page
    assert "основание:" in page  # the parameters' legal references in the trace


def test_all_measures_show_reasons_and_the_housing_subsidy_per_service(client, ids):
    token = as_user(client, "samara")
    response = client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={"csrf_token": token, "member": ids["father"], "measure": "", "period": PERIOD},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Субсидия на оплату жилого помещения и коммунальных услуг" in page
    assert "Расходы по услугам ЖКУ" in page and "горячее водоснабжение" in page and "2\u202f533,39" in page
    assert "10\u202f911,61" in page
    # the birth allowance has no application of its own: it is not decided on another measure's
    assert "не хватает сведений" in page
    assert "Почему права нет" in page


def test_invalid_month_shows_the_error_next_to_the_field_and_saves_nothing(app, client, ids):
    token = as_user(client, "samara")
    with database(app) as session:
        before = session.execute(
            select(func.count()).select_from(Calculation).where(Calculation.person_id == ids["father"])
        ).scalar_one()
    response = client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={
            "csrf_token": token,
            "member": ids["father"],
            "measure": "unified_child_allowance",
            "period": "2026-13",
            "save": "1",
        },
    )
    page = text(response)
    assert response.status_code == 400
    assert 'href="#period"' in page and 'id="period-error"' in page and "ГГГГ-ММ" in page
    assert 'value="2026-13"' in page  # what was typed stays in the field
    with database(app) as session:
        after = session.execute(
            select(func.count()).select_from(Calculation).where(Calculation.person_id == ids["father"])
        ).scalar_one()
    assert after == before


def test_a_member_of_another_household_and_an_unknown_measure_are_refused(client, ids):
    token = as_user(client, "samara")
    response = client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={"csrf_token": token, "member": ids["smirnova"], "measure": "no_such_measure", "period": PERIOD},
    )
    page = text(response)
    assert response.status_code == 400
    assert 'href="#member"' in page and 'href="#measure"' in page and "Смирнова" not in page


def test_calculation_form_of_a_tolyatti_person_is_404_for_samara(client, ids):
    token = as_user(client, "samara")
    assert client.get(f"/staff/persons/{ids['smirnova']}/calculate").status_code == 404
    response = client.post(
        f"/staff/persons/{ids['smirnova']}/calculate",
        data={"csrf_token": token, "member": ids["smirnova"], "measure": "", "period": PERIOD},
    )
    assert response.status_code == 404


def test_payment_officer_reads_a_card_but_may_not_calculate_or_decide(client, ids):
    token = as_user(client, "pay")
    assert client.get(f"/staff/persons/{ids['father']}").status_code == 200
    assert client.get(f"/staff/persons/{ids['father']}/calculate").status_code == 403
    response = client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={"csrf_token": token, "member": ids["father"], "measure": "", "period": PERIOD},
    )
    assert response.status_code == 403
    specialist = client.application.test_client()
    calculation_id = save_calculation(specialist, as_user(specialist, "samara"), ids["father"])
    page = text(client.get(f"/staff/calculations/{calculation_id}"))
    assert "Принять решение" not in page
    assert decide(client, token, calculation_id).status_code == 403


# -- saving, deciding, printing ------------------------------------------------------------------------


def test_saving_stores_the_calculation_and_shows_it_with_its_trace(app, client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"])
    with database(app) as session:
        record = session.get(Calculation, calculation_id)
        assert record.measure == "unified_child_allowance" and record.status == "eligible"
        assert record.amount == Decimal("34538.00") and record.actor == "samara"
    page = text(client.get(f"/staff/calculations/{calculation_id}"))
    assert f"Расчет № {calculation_id}" in page and "34\u202f538,00" in page
    assert 'id="trace-saved"' in page and "Принять решение" in page
    card = text(client.get(f"/staff/persons/{ids['father']}"))
    assert f'href="/staff/calculations/{calculation_id}"' in card


def test_a_saved_calculation_of_samara_is_404_for_the_tolyatti_specialist(client, ids):
    calculation_id = save_calculation(client, as_user(client, "samara"), ids["father"])
    other = client.application.test_client()
    token = as_user(other, "tlt")
    assert other.get(f"/staff/calculations/{calculation_id}").status_code == 404
    assert decide(other, token, calculation_id).status_code == 404


def test_assigning_creates_an_assignment_and_the_decision_prints_its_number(app, client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"])
    response = decide(client, token, calculation_id)
    assert response.status_code == 302
    found = re.search(r"/staff/decisions/(\d+)$", response.headers["Location"])
    assert found
    with database(app) as session:
        assignment = session.get(Assignment, int(found.group(1)))
        assert assignment.calculation_id == calculation_id and assignment.status == "active"
        assert assignment.amount == Decimal("34538.00") and assignment.person_id == ids["father"]
        assert assignment.period_from == date(2026, 3, 1) and assignment.period_to == date(2027, 2, 28)
        assert assignment.application_id is not None
        number = assignment.decision_number
    assert re.fullmatch(rf"{SAMARA}-{date.today().year}-\d{{6}}", number)
    page = text(client.get(response.headers["Location"]))
    assert f"Решение № {number}" in page and "data-print" in page and "Печать" in page
    assert "о назначении меры социальной поддержки" in page and "34\u202f538,00" in page
    assert "с 01.03.2026 по 28.02.2027" in page and "ежемесячно" in page
    assert "81-ФЗ" in page  # the legal basis of the measure
    assert "112-233-445 95" in page and "Петров Иван Сергеевич" in page
    calculation_page = text(client.get(f"/staff/calculations/{calculation_id}"))
    assert f"№ {number}" in calculation_page and "Принять решение" not in calculation_page


def test_decision_numbers_are_unique_and_follow_each_other(app, client, ids):
    token = as_user(client, "samara")
    numbers = []
    for _ in range(2):
        response = decide(client, token, save_calculation(client, token, ids["father"]))
        assert response.status_code == 302
        with database(app) as session:
            numbers.append(session.get(Assignment, int(response.headers["Location"].rsplit("/", 1)[1])).decision_number)
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert second == first + 1


def test_a_second_decision_on_the_same_calculation_is_refused(app, client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"])
    assert decide(client, token, calculation_id).status_code == 302
    again = decide(client, token, calculation_id, "refuse")
    page = text(again)
    assert again.status_code == 400 and "решение уже принято" in page and 'href="#decision"' in page
    with database(app) as session:
        count = session.execute(
            select(func.count()).select_from(Assignment).where(Assignment.calculation_id == calculation_id)
        ).scalar_one()
    assert count == 1


def test_refusing_an_undetermined_calculation_prints_what_is_missing(app, client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"], "birth_allowance")
    page = text(client.get(f"/staff/calculations/{calculation_id}"))
    assert 'value="assign"' not in page and 'value="refuse"' in page
    refused = decide(client, token, calculation_id, "assign")
    assert refused.status_code == 400 and "Назначить можно только" in text(refused)
    response = decide(client, token, calculation_id, "refuse")
    assert response.status_code == 302
    document = text(client.get(response.headers["Location"]))
    # no application for this measure: the date of application is the missing fact
    assert "об отказе в назначении" in document and "не представлены сведения" in document
    assert "Заявление о назначении меры социальной поддержки" in document
    with database(app) as session:
        assignment = session.execute(select(Assignment).where(Assignment.calculation_id == calculation_id)).scalar_one()
        assert assignment.status == "refused" and assignment.amount == Decimal("0")


def test_a_decision_date_in_the_future_is_refused_next_to_the_field(client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"])
    response = decide(client, token, calculation_id, on=date.today() + timedelta(days=3))
    page = text(response)
    assert response.status_code == 400 and 'href="#decision_date"' in page and 'id="decision_date-error"' in page
    assert "Принять решение" in page  # the form is still there


def test_a_decision_of_samara_is_404_for_the_tolyatti_specialist(client, ids):
    token = as_user(client, "samara")
    response = decide(client, token, save_calculation(client, token, ids["father"]))
    other = client.application.test_client()
    as_user(other, "tlt")
    assert other.get(response.headers["Location"]).status_code == 404
    audit = client.application.test_client()
    as_user(audit, "audit")
    assert audit.get(response.headers["Location"]).status_code == 200


def test_saving_all_measures_returns_to_the_card_with_the_calculations(app, client, ids):
    token = as_user(client, "samara")
    response = client.post(
        f"/staff/persons/{ids['mother']}/calculate",
        data={"csrf_token": token, "member": ids["mother"], "measure": "", "period": PERIOD, "save": "1"},
    )
    measures = len(app.extensions["mera.rules"].current.measures)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/persons/{ids['mother']}?saved={measures}#calculations")
    card = text(client.get(response.headers["Location"]))
    assert f"Сохранено расчетов: {measures}" in card and "Материнский (семейный) капитал" in card


def test_the_printed_decision_is_signed_with_the_specialists_name(client, ids):
    token = as_user(client, "samara")
    calculation_id = save_calculation(client, token, ids["father"])
    response = decide(client, token, calculation_id)
    document = text(client.get(response.headers["Location"]))
    assert "/ Специалист Петрова А. В. (г. Самара) /" in document
