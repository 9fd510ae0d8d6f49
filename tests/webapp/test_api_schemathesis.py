"""Schemathesis against the JSON API, on both databases: every operation of the OpenAPI document
with generated valid and invalid requests (a specialist's bearer token), and no answer may be a
server error or stray from the document (status codes, content type, body schemas).

Deterministic: Hypothesis derandomized, no example database, a fixed number of examples.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.webapp.test_api import issue
from webapp.openapi import document

EXAMPLES = 40

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module")
def specialist_token(app) -> str:  # type: ignore[no-untyped-def]
    return issue(app, "samara", "schemathesis")


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Every operation with valid data, and with invalid data where there is something to break
    (parameters or a body)."""
    cases = []
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES])
def test_every_operation_answers_as_documented(api_schema, specialist_token, method, path, mode):  # type: ignore[no-untyped-def]
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {specialist_token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exchange(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers, checks=CHECKS)

    exchange()


def test_the_documented_examples_are_answered_as_documented(api_schema, specialist_token, ids):  # type: ignore[no-untyped-def]
    """The request examples of the description, sent as they are (the person example with the
    Samara father's id), get a 200 that conforms to the response schemas, traces included."""
    operation = api_schema["/api/v1/calculate"]["POST"]
    examples = document()["paths"]["/api/v1/calculate"]["post"]["requestBody"]["content"]["application/json"]
    headers = {"Authorization": f"Bearer {specialist_token}"}
    for name, example in examples["examples"].items():
        body = dict(example["value"])
        if "person_id" in body:
            body["person_id"] = ids["father"]
        case = operation.Case(body=body, media_type="application/json")
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code == 200, (name, response.text[:500])
        assert response.json()["results"], name
