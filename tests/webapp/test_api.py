"""The JSON API: bearer tokens with the pages' rights (a foreign person is a missing one), strict
request checking (400 with every problem, never 500), calculations for a person of the register
and for a household given as data, person search and card, the rules, and the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.plain import plain_from_yaml_bytes
from registry.access import SYSTEM
from registry.models import ApiToken, User
from registry.second_factor import SECOND_FACTOR_ROLES
from registry.staff import digest, issue_token, revoke_token
from tests.conftest import EXAMPLES_DIR
from webapp.benchweb import percentile, summarize

EXAMPLE_HOUSEHOLDS = sorted((EXAMPLES_DIR / "households").glob("*.yaml"))
MISSING_ID = 9_000_000_000


def issue(app, login: str, name: str = "tests") -> str:  # type: ignore[no-untyped-def]
    """A new API token for a demo account, issued by the system actor and committed."""
    from webapp.database import db

    with app.test_request_context():
        session = db()
        user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
        token = issue_token(session, SYSTEM, user_id, name, SECOND_FACTOR_ROLES)
        session.commit()
    return token


@pytest.fixture(scope="module")
def tokens(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {login: issue(app, login) for login in ("samara", "tlt", "method", "audit")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def household(path: Path) -> dict:
    return plain_from_yaml_bytes(path.read_bytes(), str(path))


# -- authentication ---------------------------------------------------------------------------


def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(client):
    response = client.post("/api/v1/calculate", json={"person_id": 1, "period": "2026-03"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.is_json and response.json["message"]
    for header in ("Bearer mera_not-a-real-token", "Basic c2FtYXJhOnBhc3N3b3Jk", "Bearer " + "x" * 500):
        again = client.get("/api/v1/rules", headers={"Authorization": header})
        assert again.status_code == 401, header


def test_a_revoked_token_is_refused(app, client, ids):
    from webapp.database import db

    token = issue(app, "samara", "to be revoked")
    assert client.get(f"/api/v1/persons/{ids['father']}", headers=bearer(token)).status_code == 200
    with app.test_request_context():
        session = db()
        token_id = session.execute(select(ApiToken.id).where(ApiToken.token_hash == digest(token))).scalar_one()
        revoke_token(session, SYSTEM, token_id)
        session.commit()
    response = client.get(f"/api/v1/persons/{ids['father']}", headers=bearer(token))
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers


def test_roles_that_log_in_with_a_second_factor_get_no_token_and_old_ones_are_refused(app, client):
    """A token is one factor: it is not issued for the administrator or the payment officer, and
    one issued before (the role or the setting changed since) no longer authenticates."""
    from registry.people import RegisterError
    from registry.staff import API_REFUSED_FOR_SECOND_FACTOR
    from webapp.database import db

    with app.test_request_context():
        session = db()
        for login in ("admin", "pay"):
            user_id = session.execute(select(User.id).where(User.login == login)).scalar_one()
            with pytest.raises(RegisterError) as refused:
                issue_token(session, SYSTEM, user_id, "портал", SECOND_FACTOR_ROLES)
            assert refused.value.problems == [("name", API_REFUSED_FOR_SECOND_FACTOR)]
        # a token of the payment officer's account, issued while the role needed no second factor
        issued_earlier = issue_token(session, SYSTEM, user_id, "до настройки", frozenset({"administrator"}))
        session.commit()
    response = client.get("/api/v1/measures", headers=bearer(issued_earlier))
    assert response.status_code == 401


def test_the_api_ignores_the_session_cookie_and_needs_no_csrf(client, tokens, ids):
    from tests.webapp.webkit import login

    login(client, "samara")  # a logged-in browser is not an API client
    assert client.get(f"/api/v1/persons/{ids['father']}").status_code == 401
    # ... while a token needs no CSRF token on a POST
    response = client.post(
        "/api/v1/calculate",
        json={"person_id": ids["father"], "period": "2026-03", "trace": False},
        headers=bearer(tokens["samara"]),
    )
    assert response.status_code == 200


# -- calculations -----------------------------------------------------------------------------


def test_a_specialist_calculates_for_a_person_of_her_territory_with_the_trace(client, tokens, ids):
    response = client.post(
        "/api/v1/calculate", json={"person_id": ids["father"], "period": "2026-03"}, headers=bearer(tokens["samara"])
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["period"] == "2026-03" and len(body["ruleset_version"]) == 64
    by_measure = {result["measure"]: result for result in body["results"]}
    allowance = by_measure["unified_child_allowance"]
    assert allowance["status"] in ("eligible", "ineligible", "undetermined")
    assert allowance["trace"]["kind"] == "measure" and allowance["trace"]["children"]
    assert allowance["ruleset_version"] == body["ruleset_version"]


def test_one_measure_without_the_trace(client, tokens, ids):
    response = client.post(
        "/api/v1/calculate",
        json={"person_id": ids["mother"], "period": "2026-03", "measures": ["unified_child_allowance"], "trace": False},
        headers=bearer(tokens["samara"]),
    )
    assert response.status_code == 200, response.json
    (result,) = response.json["results"]
    assert result["measure"] == "unified_child_allowance" and "trace" not in result


def test_a_person_of_another_territory_is_a_404_identical_to_a_missing_one(client, tokens, ids):
    headers = bearer(tokens["samara"])
    foreign = client.post(
        "/api/v1/calculate", json={"person_id": ids["smirnova"], "period": "2026-03"}, headers=headers
    )
    missing = client.post("/api/v1/calculate", json={"person_id": MISSING_ID, "period": "2026-03"}, headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json
    card_foreign = client.get(f"/api/v1/persons/{ids['smirnova']}", headers=headers)
    card_missing = client.get(f"/api/v1/persons/{MISSING_ID}", headers=headers)
    assert card_foreign.status_code == card_missing.status_code == 404
    assert card_foreign.json == card_missing.json
    # the other specialist sees her
    own = client.post(
        "/api/v1/calculate",
        json={"person_id": ids["smirnova"], "period": "2026-03", "trace": False},
        headers=bearer(tokens["tlt"]),
    )
    assert own.status_code == 200


def test_roles_without_the_right_to_calculate_get_403(client, tokens, ids):
    for login in ("audit", "method"):
        response = client.post(
            "/api/v1/calculate", json={"person_id": ids["father"], "period": "2026-03"}, headers=bearer(tokens[login])
        )
        assert response.status_code == 403, login
        assert response.json["message"]


@pytest.mark.parametrize("path", EXAMPLE_HOUSEHOLDS, ids=lambda p: p.stem)
def test_snapshot_calculation_of_the_example_households(client, tokens, path):
    data = household(path)
    period = data["application"]["date"][:7]
    for login in ("method", "samara"):
        response = client.post(
            "/api/v1/calculate", json={"snapshot": data, "period": period}, headers=bearer(tokens[login])
        )
        assert response.status_code == 200, response.json
        results = response.json["results"]
        assert results and all("trace" in result for result in results)
        assert {result["status"] for result in results} <= {"eligible", "ineligible", "undetermined"}
    refused = client.post(
        "/api/v1/calculate", json={"snapshot": data, "period": period}, headers=bearer(tokens["audit"])
    )
    assert refused.status_code == 403


def test_snapshot_calculation_for_one_member(client, tokens):
    data = household(EXAMPLE_HOUSEHOLDS[0])
    member = data["members"][0]["id"]
    response = client.post(
        "/api/v1/calculate",
        json={"snapshot": data, "person": member, "period": "2026-03", "trace": False},
        headers=bearer(tokens["method"]),
    )
    assert response.status_code == 200
    persons = {result["person"] for result in response.json["results"] if result["person"] is not None}
    assert persons <= {member}


def _problems(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True))
    assert response.is_json and response.json["message"]
    return {problem["field"]: problem["message"] for problem in response.json["problems"]}


def test_bad_bodies_are_400_naming_every_problem(client, tokens, ids):
    headers = bearer(tokens["samara"])
    father = ids["father"]
    cases = [
        ({"person_id": father, "period": "2026-03", "colour": "red"}, {"colour"}),
        ({"person_id": str(father), "period": "2026-03"}, {"person_id"}),
        ({"person_id": True, "period": "2026-03"}, {"person_id"}),
        ({"person_id": 0, "period": "2026-03"}, {"person_id"}),
        ({"person_id": 1.5, "period": "2026-03"}, {"person_id"}),
        ({"person_id": 2**70, "period": "2026-03"}, {"person_id"}),
        ({"period": "2026-03"}, {"person_id"}),
        ({"person_id": father, "snapshot": {}, "period": "2026-03"}, {"person_id"}),
        ({"person_id": father}, {"period"}),
        ({"person_id": father, "period": "2026-13"}, {"period"}),
        ({"person_id": father, "period": "0000-01"}, {"period"}),
        ({"person_id": father, "period": 202603}, {"period"}),
        ({"person_id": father, "period": "2026-03", "measures": "unified_child_allowance"}, {"measures"}),
        ({"person_id": father, "period": "2026-03", "measures": []}, {"measures"}),
        ({"person_id": father, "period": "2026-03", "measures": ["Bad Code"]}, {"measures"}),
        ({"person_id": father, "period": "2026-03", "measures": ["a", "a"]}, {"measures"}),
        ({"person_id": father, "period": "2026-03", "trace": "yes"}, {"trace"}),
        ({"person_id": father, "period": "2026-03", "person": "father"}, {"person"}),
        ({"snapshot": [], "period": "2026-03"}, {"snapshot"}),
        ({"person_id": "x", "period": None, "trace": 1, "extra": 1}, {"person_id", "period", "trace", "extra"}),
    ]
    for body, fields in cases:
        response = client.post("/api/v1/calculate", json=body, headers=headers)
        assert set(_problems(response)) == fields, body
    unknown_measure = client.post(
        "/api/v1/calculate",
        json={"person_id": father, "period": "2026-03", "measures": ["no_such_measure"]},
        headers=headers,
    )
    assert "measures" in _problems(unknown_measure)


def test_bad_snapshots_and_bad_json_are_400(client, tokens):
    headers = bearer(tokens["method"])
    good = household(EXAMPLE_HOUSEHOLDS[0])
    invalid = dict(good, members=[dict(good["members"][0], birth_date="1988-02-30", sex="X")])
    response = client.post("/api/v1/calculate", json={"snapshot": invalid, "period": "2026-03"}, headers=headers)
    fields = _problems(response)
    assert any("birth_date" in field or "sex" in field for field in fields)
    year_zero = dict(good, members=[dict(good["members"][0], incomes_declared={"from": "0000-01", "to": "2026-02"})])
    response = client.post("/api/v1/calculate", json={"snapshot": year_zero, "period": "2026-03"}, headers=headers)
    assert _problems(response)
    absent = client.post(
        "/api/v1/calculate", json={"snapshot": good, "person": "nobody", "period": "2026-03"}, headers=headers
    )
    assert set(_problems(absent)) == {"person"}
    for data, content_type in (
        (b"{not json", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"person_id": NaN, "period": "2026-03"}', "application/json"),
        (b'{"person_id": 1' + b"0" * 5000 + b', "period": "2026-03"}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"person_id=1&period=2026-03", "application/x-www-form-urlencoded"),
        (b"[]", "application/json"),
    ):
        response = client.post("/api/v1/calculate", data=data, content_type=content_type, headers=headers)
        assert _problems(response), data[:20]


def test_wrong_methods_and_unknown_paths_answer_json(client, tokens):
    wrong = client.get("/api/v1/calculate", headers=bearer(tokens["samara"]))
    assert wrong.status_code == 405 and wrong.is_json
    unknown = client.get("/api/v1/nothing-here", headers=bearer(tokens["samara"]))
    assert unknown.status_code == 404 and unknown.is_json


# -- persons ----------------------------------------------------------------------------------


def test_person_search_is_scoped_and_masks_the_snils(client, tokens, ids):
    from tests.webapp.webkit import TOLYATTI_SNILS

    samara = bearer(tokens["samara"])
    by_snils = client.get("/api/v1/persons?snils=112-233-445 95", headers=samara)
    assert by_snils.status_code == 200, by_snils.json
    (found,) = by_snils.json["persons"]
    assert found["id"] == ids["father"] and found["snils"] == "***-***-445 95"
    assert found["full_name"] == "Петров Иван Сергеевич" and found["birth_date"] == "1988-05-12"
    assert found["municipality"] and by_snils.json["truncated"] is False
    by_name = client.get("/api/v1/persons", query_string={"last_name": "петров"}, headers=samara)
    assert {ids["father"], ids["son"]} <= {person["id"] for person in by_name.json["persons"]}
    by_name_and_date = client.get(
        "/api/v1/persons",
        query_string={"last_name": "Петров", "first_name": "Иван", "birth_date": "1988-05-12"},
        headers=samara,
    )
    assert [person["id"] for person in by_name_and_date.json["persons"]] == [ids["father"]]
    by_case = client.get("/api/v1/persons", query_string={"case_number": found["case_number"]}, headers=samara)
    assert [person["id"] for person in by_case.json["persons"]] == [ids["father"]]
    # the Tolyatti person is invisible to the Samara specialist, visible to her own
    hidden = client.get(f"/api/v1/persons?snils={TOLYATTI_SNILS}", headers=samara)
    assert hidden.status_code == 200 and hidden.json["persons"] == []
    seen = client.get(f"/api/v1/persons?snils={TOLYATTI_SNILS}", headers=bearer(tokens["tlt"]))
    assert [person["id"] for person in seen.json["persons"]] == [ids["smirnova"]]


def test_person_search_refuses_bad_queries(client, tokens):
    samara = bearer(tokens["samara"])
    for query, field in (
        ({}, "query"),
        ({"last_name": "  "}, "query"),
        ({"snils": "123"}, "snils"),
        ({"case_number": "abc"}, "case_number"),
        ({"first_name": "Иван"}, "last_name"),
        ({"last_name": "Петров", "birth_date": "1988-02-30"}, "birth_date"),
        ({"last_name": "Петров", "birth_date": "12.05.1988"}, "birth_date"),
        ({"last_name": "Петров", "colour": "red"}, "colour"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "Пет\x00ров"}, "last_name"),
    ):
        response = client.get("/api/v1/persons", query_string=query, headers=samara)
        assert field in _problems(response), query
    twice = client.get("/api/v1/persons?last_name=a&last_name=b", headers=samara)
    assert "last_name" in _problems(twice)
    assert client.get("/api/v1/persons?last_name=Петров", headers=bearer(tokens["method"])).status_code == 403


def test_the_person_card_shows_household_incomes_and_categories(client, tokens, ids):
    response = client.get(f"/api/v1/persons/{ids['mother']}", headers=bearer(tokens["samara"]))
    assert response.status_code == 200, response.json
    card = response.json
    assert card["id"] == ids["mother"] and card["sex"] == "F" and card["snils"] is None
    members = {member["person_id"]: member["role"] for member in card["household"]["members"]}
    assert members == {
        ids["father"]: "applicant",
        ids["mother"]: "spouse",
        ids["son"]: "child",
        ids["daughter"]: "child",
    }
    assert card["incomes"] and card["incomes"][0]["total"] == "20000.00"
    assert [category["title"] for category in card["categories"]] == ["одинокий родитель"]
    assert isinstance(card["assignments"], list)
    for path in ("/api/v1/persons/0", "/api/v1/persons/-1", "/api/v1/persons/abc", f"/api/v1/persons/{2**64}"):
        assert client.get(path, headers=bearer(tokens["samara"])).status_code == 404, path


# -- rules, measures, the description ---------------------------------------------------------


def test_rules_show_the_live_version_and_the_last_reload(client, tokens):
    response = client.get("/api/v1/rules", headers=bearer(tokens["method"]))
    assert response.status_code == 200
    rules = response.json
    assert len(rules["version"]) == 64 and rules["measures"] > 0 and rules["parameters"] > 0
    assert rules["last_attempt"]["ok"] is True and rules["last_attempt"]["errors"] == []


def test_measures_list_codes_and_titles(client, tokens):
    response = client.get("/api/v1/measures", headers=bearer(tokens["samara"]))
    assert response.status_code == 200
    codes = {measure["code"]: measure["title"] for measure in response.json["measures"]}
    assert "unified_child_allowance" in codes and all(codes.values())


def test_the_openapi_document_needs_no_token_and_describes_every_operation(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.1") and spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = {
        (re.sub(r"<[^>]*?(\w+)>", r"{\1}", str(rule.rule)), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert described == routed
    for item in spec["paths"].values():
        for operation in item.values():
            assert "200" in operation["responses"]


# -- the web benchmark's helpers --------------------------------------------------------------


def test_percentiles_of_the_web_benchmark():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 100) == 100.0 and percentile([7.0], 99) == 7.0
    figures = summarize([0.010, 0.020, 0.030, 0.040], errors=1, seconds=2.0)
    assert figures["requests"] == 4 and figures["errors"] == 1
    assert figures["p50_ms"] == pytest.approx(25.0) and figures["throughput_rps"] == pytest.approx(2.0)
