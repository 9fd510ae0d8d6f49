"""The rights matrix, checked over every route of the application.

* Every endpoint has an entry here: a route added without one fails the test.
* Every role gets, on every page, exactly the status its rights give (200, or 403).
* A specialist of Samara asking for anything of Tolyatti — a person, a calculation, a decision,
  through a page or the API — gets the same 404 as for an id that does not exist.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from engine import Month
from measures.decisions import decide
from registry.access import SYSTEM
from registry.casework import calculate
from registry.models import User
from registry.second_factor import SECOND_FACTOR_ROLES
from registry.staff import actor_of, issue_token
from tests.webapp.webkit import TOLYATTI_SNILS, csrf_of, login

ROLES = ("administrator", "methodologist", "specialist", "auditor", "payment_officer")
LOGINS = {
    "administrator": "admin",
    "methodologist": "method",
    "specialist": "samara",
    "auditor": "audit",
    "payment_officer": "pay",
}
PEOPLE = {"specialist", "auditor", "payment_officer"}  # person.read
RULES = {"methodologist", "auditor", "administrator", "specialist"}  # rules.read

# endpoint → the roles that may open it with GET (None: no GET page; "public": anyone).
GET_RIGHTS: dict[str, set[str] | str | None] = {
    "auth.home": "public",
    "auth.login": "public",
    "auth.code": "public",  # the second step of a login: without a waiting login, back to the first
    "auth.logout": None,
    "static": "public",
    "staff.search": PEOPLE,
    "staff.person": PEOPLE,
    "staff.calculate": {"specialist"},
    "staff.calculation": PEOPLE,
    "staff.decide": None,
    "staff.decision": PEOPLE,
    "methodology.rules": RULES,
    "methodology.rules_status": RULES,
    "methodology.reload_now": None,
    "methodology.measures": RULES,
    "methodology.measure": RULES,
    "methodology.parameters": RULES,
    "methodology.diff": RULES,
    "methodology.whatif": {"methodologist"},
    "methodology.reference": {"administrator", "methodologist"},
    "audit.calculations": {"auditor", "specialist"},
    "audit.calculation": {"auditor", "specialist"},
    "audit.replay": None,
    "audit.log": {"auditor", "administrator"},
    "audit.verify": None,
    "admin.users": {"administrator"},
    "admin.new_user": {"administrator"},
    "admin.edit_user": {"administrator"},
    "admin.end_user_sessions": None,
    "admin.reset_user_second_factor": None,
    "admin.issue_token": None,
    "admin.revoke_token": None,
    "api.calculate": None,
    "api.measures": "token",
    "api.openapi": "public",
    "api.person": "token",
    "api.persons": "token",
    "api.rules": "token",
}


@pytest.fixture(scope="module")
def objects(app, web_database):  # type: ignore[no-untyped-def]
    """A calculation and a decision of each municipality, made by its own specialist."""
    from webapp.database import db

    ids = web_database[1]
    with app.test_request_context():
        session = db()
        found = {}
        for login_name, person in (("samara", ids["father"]), ("tlt", ids["smirnova"])):
            actor = actor_of(session, session.execute(select(User).where(User.login == login_name)).scalar_one())
            rules = app.extensions["mera.rules"].current
            (outcome,) = calculate(session, actor, rules, person, Month(2026, 3), ["unified_child_allowance"], True)
            assignment = decide(session, actor, outcome.calculation_id, "refuse", date.today(), note="проверка прав")
            found[login_name] = {"calculation": outcome.calculation_id, "assignment": assignment.id, "person": person}
        admin = session.execute(select(User).where(User.login == "admin")).scalar_one()
        found["user"] = admin.id
        samara = session.execute(select(User).where(User.login == "samara")).scalar_one()
        found["token"] = issue_token(session, SYSTEM, samara.id, "проверка прав", SECOND_FACTOR_ROLES)
        session.commit()
    return found


def _build(app, endpoint, objects, ids) -> str:  # type: ignore[no-untyped-def]
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {
        "person_id": ids["father"],
        "calculation_id": objects["samara"]["calculation"],
        "assignment_id": objects["samara"]["assignment"],
        "user_id": objects["user"],
        "token_id": 1,
        "code": "unified_child_allowance",
        "filename": "mera.css",
    }
    with app.test_request_context():
        return url_for(endpoint, **{a: values[a] for a in rule.arguments})


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(GET_RIGHTS) == set(), "a route without rights in the matrix"
    assert set(GET_RIGHTS) - endpoints == set(), "the matrix names a route that does not exist"
    for rule in app.url_map.iter_rules():
        if GET_RIGHTS[rule.endpoint] is None:
            assert "GET" not in rule.methods, f"{rule.endpoint} has a GET the matrix does not know"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(app, ids, objects, role):
    client = app.test_client()
    assert login(client, LOGINS[role]).status_code == 302
    wrong = []
    for endpoint, allowed in sorted(GET_RIGHTS.items(), key=lambda item: item[0]):
        if allowed is None or allowed in ("public", "token"):
            continue
        url = _build(app, endpoint, objects, ids)
        with client.get(url) as response:
            expected = 200 if role in allowed else 403
            if response.status_code != expected:
                wrong.append(f"{endpoint} {url}: {response.status_code}, expected {expected}")
    assert wrong == []


def _status_and_text(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    return response.status_code, re.sub(r"\d+", "N", re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", text))


FOREIGN_PAGES = [
    ("GET", "/staff/persons/{person}"),
    ("GET", "/staff/persons/{person}/calculate"),
    ("POST", "/staff/persons/{person}/calculate"),
    ("GET", "/staff/calculations/{calculation}"),
    ("POST", "/staff/calculations/{calculation}/decision"),
    ("GET", "/staff/decisions/{assignment}"),
    ("GET", "/audit/calculations/{calculation}"),
]


@pytest.mark.parametrize(("method", "pattern"), FOREIGN_PAGES)
def test_a_foreign_object_looks_exactly_like_a_missing_one(app, objects, method, pattern):
    client = app.test_client()
    login(client, "samara")
    token = csrf_of(client)
    data = {
        "csrf_token": token,
        "member": "1",
        "period": "2026-03",
        "decision": "refuse",
        "decision_date": "2026-03-20",
    }
    foreign = {key: objects["tlt"][key] for key in ("person", "calculation", "assignment")}
    missing = {key: 987654321 for key in foreign}
    own = {key: objects["samara"][key] for key in foreign}
    answers = []
    for values in (foreign, missing):
        url = pattern.format(**values)
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        answers.append(_status_and_text(response))
    assert answers[0][0] == 404
    assert answers[0] == answers[1]
    if method == "GET":  # the same page of one's own municipality opens
        assert client.get(pattern.format(**own)).status_code == 200


def test_lists_and_searches_show_nothing_of_another_municipality(app, objects):
    client = app.test_client()
    login(client, "samara")
    token = csrf_of(client)
    pages = [
        client.post("/staff/", data={"csrf_token": token, "snils": TOLYATTI_SNILS}),
        client.post("/staff/", data={"csrf_token": token, "last_name": "Смирнова"}),
        client.get("/audit/"),
        client.get(f"/staff/persons/{objects['samara']['person']}"),
    ]
    for number, page in enumerate(pages):
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        # the search form echoes what was typed; no row of Tolyatti answers it
        assert "Ольга" not in text and "432 18" not in text
        if number >= 2:
            assert "Смирнова" not in text and "98765432183" not in text


def test_the_api_keeps_the_same_rights(app, objects):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {objects['token']}"}
    foreign = client.get(f"/api/v1/persons/{objects['tlt']['person']}", headers=headers)
    missing = client.get("/api/v1/persons/987654321", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    own = client.get(f"/api/v1/persons/{objects['samara']['person']}", headers=headers)
    assert own.status_code == 200
    found = client.get("/api/v1/persons", query_string={"last_name": "Смирнова"}, headers=headers)
    assert found.status_code == 200 and "Смирнова" not in found.get_data(as_text=True)
    calculated = client.post(
        "/api/v1/calculate", json={"person_id": objects["tlt"]["person"], "period": "2026-03"}, headers=headers
    )
    assert calculated.status_code == 404
    assert client.get("/api/v1/rules").status_code == 401


@pytest.mark.parametrize("role", ["specialist", "administrator", "methodologist", "auditor"])
def test_every_form_refuses_a_post_without_its_token(app, ids, objects, role):
    """CSRF: every mutating route of the pages (the API takes bearer tokens, no cookies) refuses
    a POST that does not carry the form token, before anything is read or written."""
    client = app.test_client()
    login(client, LOGINS[role])
    posted = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("api."):
            continue
        url = _build(app, rule.endpoint, objects, ids)
        response = client.post(url, data={"decision": "refuse", "login": "x", "password": "y"})
        assert response.status_code == 403, f"{rule.endpoint} accepted a POST without the form token"
        posted += 1
    assert posted >= 10


def test_every_answer_carries_the_security_headers(app, ids, objects):
    client = app.test_client()
    login(client, "admin")
    headers = {"Authorization": f"Bearer {objects['token']}"}
    for path in ("/", "/login", "/admin/", "/nowhere", "/api/v1/rules", "/api/v1/openapi.json", "/api/v1/nowhere"):
        with client.get(path, headers=headers if path.startswith("/api/") else None) as response:
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert response.headers["Cache-Control"] == "no-store", path


def test_nothing_personal_reaches_the_log(app, ids, caplog):
    """A search, a card, a calculation and a refused form: no name, SNILS or case number in any
    log record (152-FZ; the journal keeps ids only)."""
    import logging

    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    login(client, "samara")
    token = csrf_of(client)
    client.post("/staff/", data={"csrf_token": token, "snils": "112-233-445 95"})
    client.get(f"/staff/persons/{ids['father']}")
    client.post(
        f"/staff/persons/{ids['father']}/calculate",
        data={"csrf_token": token, "member": ids["father"], "measure": "", "period": "2026-03"},
    )
    client.post("/staff/", data={"csrf_token": token, "snils": "not a snils 98765432183"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ("Петров", "Иван", "11223344595", "112-233-445", "98765432183", "Смирнова"):
        assert personal not in text
