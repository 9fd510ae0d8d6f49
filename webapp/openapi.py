"""The OpenAPI 3.1 description of the JSON API, built here from Python so that the request and
response schemas sit next to the code that checks them. The household snapshot's schema is the
engine's own (``engine/schemas/snapshot.schema.json``), moved under ``components``.

Served at ``/api/v1/openapi.json``; schemathesis generates requests from it in the tests, so it
must describe every status an operation can answer and every field of every body exactly.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

API_VERSION = "1.0.0"
PREFIX = "/api/v1"
SNAPSHOT_SCHEMA = "schemas/snapshot.schema.json"  # in the engine package
BIGINT_MAX = 2**63 - 1  # the largest id the register's columns hold

MONTH_PATTERN = "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CODE_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
MEMBER_PATTERN = "^[A-Za-z0-9_-]{1,32}$"
MAX_MEASURES = 100
SEARCH_LIMIT = 50


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A closed object: every property listed, all required unless said otherwise."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
        **extra,
    }


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
MONTH = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
MONEY_TEXT = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "Рубли с копейками, строкой."}
JSON_VALUE: dict[str, Any] = {"description": "Любое значение JSON: число строкой, дата, да/нет, список, объект."}


def _snapshot_components() -> dict[str, Any]:
    """The engine's snapshot schema as OpenAPI components: ``$defs/x`` become ``SnapshotX``."""
    # Read afresh: the engine's cached copy is rewritten in place by fastjsonschema (absolute refs).
    source = json.loads(resources.files("engine").joinpath(SNAPSHOT_SCHEMA).read_text("utf-8"))
    definitions = source.pop("$defs", {})
    names = {name: "Snapshot" + "".join(part.capitalize() for part in name.split("_")) for name in definitions}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            result = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and "#/$defs/" in value:
                    result[key] = f"#/components/schemas/{names[value.rsplit('#/$defs/', 1)[1]]}"
                else:
                    result[key] = rewrite(value)
            return result
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    source.pop("$schema", None)
    source.pop("$id", None)
    components = {"Snapshot": rewrite(source)}
    for name, definition in definitions.items():
        components[names[name]] = rewrite(definition)
    return components


def _schemas(measure_codes: tuple[str, ...]) -> dict[str, Any]:
    code: dict[str, Any] = {"type": "string", "pattern": CODE_PATTERN}
    if measure_codes:
        code["enum"] = list(measure_codes)
    measures = {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_MEASURES,
        "uniqueItems": True,
        "items": code,
        "description": "Коды мер действующих правил (GET /api/v1/measures); без поля считаются все меры.",
    }
    period = {"type": "string", "pattern": MONTH_PATTERN, "description": "Месяц расчета, ГГГГ-ММ (1900-01 — 2099-12)."}
    trace = {"type": "boolean", "default": True, "description": "Включать ли в ответ дерево расчета."}
    trace_step: dict[str, Any] = _object(
        {
            "kind": STRING,
            "name": STRING,
            "value": JSON_VALUE,
            "expression": STRING,
            "location": STRING,
            "inputs": {"type": "array", "items": _object({"name": STRING, "value": JSON_VALUE})},
            "params": {"type": "array", "items": _ref("ParameterUse")},
            "note": STRING,
            "children": {"type": "array", "items": _ref("TraceStep")},
        },
        required=["kind", "name", "value"],
    )
    rule_error = _object(
        {
            "code": STRING,
            "message": STRING,
            "file": STRING,
            "line": {"type": "integer"},
            "column": {"type": "integer"},
            "source_line": STRING,
            "hint": _nullable(STRING),
        }
    )
    schemas: dict[str, Any] = {
        "Error": _object(
            {
                "error": {"type": "string", "description": "Заголовок ошибки."},
                "message": {"type": "string", "description": "Что случилось, простыми словами."},
                "problems": {
                    "type": "array",
                    "minItems": 1,
                    "items": _object({"field": STRING, "message": STRING}),
                    "description": "Каждое неверное поле запроса: путь и что с ним не так.",
                },
            },
            required=["error", "message"],
        ),
        "PersonCalculationRequest": _object(
            {
                "person_id": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
                "measures": measures,
                "period": period,
                "trace": trace,
            },
            required=["person_id", "period"],
            description="Расчет для человека из регистра: меры его семьи на последний день месяца.",
        ),
        "SnapshotCalculationRequest": _object(
            {
                "snapshot": _ref("Snapshot"),
                "person": {
                    "type": "string",
                    "pattern": MEMBER_PATTERN,
                    "description": "Член семьи (id в snapshot), для которого считаются меры человека.",
                },
                "measures": measures,
                "period": period,
                "trace": trace,
            },
            required=["snapshot", "period"],
            description="Расчет по переданным сведениям о семье, без обращения к регистру.",
        ),
        "CalculationRequest": {
            "oneOf": [_ref("PersonCalculationRequest"), _ref("SnapshotCalculationRequest")],
        },
        "CalculationResponse": _object(
            {
                "ruleset_version": STRING,
                "period": MONTH,
                "results": {"type": "array", "items": _ref("Result")},
            }
        ),
        "Result": _object(
            {
                "measure": STRING,
                "title": STRING,
                "period": MONTH,
                "person": _nullable(STRING),
                "status": {"enum": ["eligible", "ineligible", "undetermined", "error"]},
                "eligible": _nullable({"type": "boolean"}),
                "amount": _nullable(STRING),
                "schedule": _nullable(_ref("Schedule")),
                "reasons": {"type": "array", "items": STRING},
                "failed_conditions": {"type": "array", "items": STRING},
                "missing": {"type": "array", "items": _ref("MissingFact")},
                "ruleset_version": STRING,
                "measure_version": STRING,
                "error": _nullable(STRING),
                "trace": _ref("TraceStep"),
            },
            required=[
                "measure",
                "title",
                "period",
                "person",
                "status",
                "eligible",
                "amount",
                "schedule",
                "reasons",
                "failed_conditions",
                "missing",
                "ruleset_version",
                "measure_version",
                "error",
            ],
        ),
        "Schedule": _object(
            {
                "start": MONTH,
                "end": _nullable(MONTH),
                "review": _nullable(MONTH),
                "payment": STRING,
                "months": _nullable({"type": "array", "items": MONTH}),
            }
        ),
        "MissingFact": _object(
            {
                "path": STRING,
                "description": STRING,
                "document": _nullable(STRING),
                "document_title": _nullable(STRING),
            }
        ),
        "TraceStep": trace_step,
        "ParameterUse": _object(
            {
                "name": STRING,
                "key": {"type": "array", "items": STRING},
                "value": {
                    "anyOf": [
                        STRING,
                        {"type": "array", "items": _object({"from": STRING, "value": STRING})},
                    ]
                },
                "unit": _nullable(STRING),
                "effective_from": DATE,
                "reference": _nullable(STRING),
                "note": STRING,
            },
            required=["name", "key", "value", "unit", "effective_from", "reference"],
        ),
        "PersonBrief": _object(
            {
                "id": {"type": "integer"},
                "case_number": STRING,
                "snils": _nullable(STRING),
                "full_name": STRING,
                "birth_date": DATE,
                "municipality": STRING,
            },
            description="СНИЛС показан маской: видны только последние цифры.",
        ),
        "PersonList": _object(
            {
                "persons": {"type": "array", "maxItems": SEARCH_LIMIT, "items": _ref("PersonBrief")},
                "truncated": {"type": "boolean", "description": f"Найдено больше {SEARCH_LIMIT}: уточните запрос."},
            }
        ),
        "PersonCard": _object(
            {
                "id": {"type": "integer"},
                "full_name": STRING,
                "case_number": STRING,
                "snils": _nullable(STRING),
                "birth_date": DATE,
                "death_date": _nullable(DATE),
                "sex": {"enum": ["M", "F"]},
                "municipality": STRING,
                "as_of": DATE,
                "household": _nullable(_ref("HouseholdSummary")),
                "categories": {"type": "array", "items": _ref("CategorySummary")},
                "incomes": {"type": "array", "items": _ref("IncomeMonth")},
                "assignments": {"type": "array", "items": _ref("AssignmentSummary")},
            },
            description="Сведения на дату as_of (сегодня); СНИЛС маской.",
        ),
        "HouseholdSummary": _object(
            {
                "id": {"type": "integer"},
                "reference": STRING,
                "municipality": STRING,
                "members": {"type": "array", "items": _ref("HouseholdMember")},
            }
        ),
        "HouseholdMember": _object(
            {
                "person_id": {"type": "integer"},
                "full_name": STRING,
                "birth_date": DATE,
                "role": {"enum": ["applicant", "spouse", "child", "other"]},
                "member_since": DATE,
                "visible": {"type": "boolean", "description": "Карточку этого члена семьи можно открыть."},
            }
        ),
        "CategorySummary": _object({"title": STRING, "valid_from": _nullable(DATE), "valid_to": _nullable(DATE)}),
        "IncomeMonth": _object(
            {
                "month": MONTH,
                "total": MONEY_TEXT,
                "items": {"type": "array", "items": _object({"kind": STRING, "amount": MONEY_TEXT})},
            }
        ),
        "AssignmentSummary": _object(
            {
                "id": {"type": "integer"},
                "measure": STRING,
                "title": STRING,
                "member": STRING,
                "status": STRING,
                "amount": _nullable(MONEY_TEXT),
                "period_from": _nullable(DATE),
                "period_to": _nullable(DATE),
                "decision_number": _nullable(STRING),
                "decision_date": _nullable(DATE),
            }
        ),
        "RuleErrorInfo": rule_error,
        "ReloadAttempt": _object(
            {
                "at": {"type": "string", "format": "date-time"},
                "ok": {"type": "boolean"},
                "version": _nullable(STRING),
                "live_version": _nullable(STRING),
                "changed": {"type": "boolean"},
                "tests_run": {"type": "integer"},
                "seconds": {"type": "number"},
                "errors": {"type": "array", "items": _ref("RuleErrorInfo")},
            }
        ),
        "RulesInfo": _object(
            {
                "version": _nullable(STRING),
                "label": _nullable(STRING),
                "loaded_at": _nullable({"type": "string", "format": "date-time"}),
                "measures": {"type": "integer"},
                "parameters": {"type": "integer"},
                "tests": {"type": "integer"},
                "last_attempt": _nullable(_ref("ReloadAttempt")),
            }
        ),
        "MeasureInfo": _object(
            {
                "code": STRING,
                "title": STRING,
                "entity": {"enum": ["household", "person"]},
                "level": STRING,
                "funding": STRING,
                "legal_basis": STRING,
                "valid_from": DATE,
                "valid_to": _nullable(DATE),
            }
        ),
        "MeasureList": _object({"measures": {"type": "array", "items": _ref("MeasureInfo")}}),
    }
    schemas.update(_snapshot_components())
    return schemas


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json_content(_ref("Error"))}


RESPONSES: dict[str, Any] = {
    "BadRequest": _error("Запрос составлен неверно: в problems — каждое неверное поле."),
    "Unauthorized": {
        "description": "Нет действующего токена (заголовок Authorization: Bearer ...).",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
        "content": _json_content(_ref("Error")),
    },
    "Forbidden": _error("Роль владельца токена не дает права на это действие."),
    "NotFound": _error("Нет такого объекта или он вне территории владельца токена (ответы не различаются)."),
    "TooLarge": _error("Тело запроса больше допустимого."),
    "Unavailable": _error("Правила еще не загружены."),
}


def _responses(ok: dict[str, Any], *errors: str) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok}
    codes = {"BadRequest": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404"}
    codes |= {"TooLarge": "413", "Unavailable": "503"}
    for name in errors:
        responses[codes[name]] = {"$ref": f"#/components/responses/{name}"}
    return responses


EXAMPLE_SNAPSHOT: dict[str, Any] = {
    "id": "example-1",
    "region": "63",
    "municipality": "36701000",
    "application": {"date": "2026-03-10", "measure": "unified_child_allowance"},
    "members": [
        {
            "id": "mother",
            "role": "applicant",
            "birth_date": "1990-09-01",
            "sex": "F",
            "incomes_declared": {"from": "2024-12", "to": "2026-02"},
            "incomes": [{"kind": "wages", "amount": "20000.00", "from": "2024-12", "to": "2026-02"}],
            "no_income_reasons": [],
            "property": {},
        },
        {
            "id": "son",
            "role": "child",
            "birth_date": "2020-11-03",
            "sex": "M",
            "incomes_declared": {"from": "2024-12", "to": "2026-02"},
            "property": {},
        },
    ],
    "housing": {
        "area": "42.0",
        "ownership": "own",
        "registered_residents": 2,
        "has_debts": False,
        "services": [{"code": "heating", "cost": "2278.50"}, {"code": "cold_water", "cost": "624.73"}],
    },
}


def _paths() -> dict[str, Any]:
    search_parameters = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": "string", "maxLength": length},
        }
        for name, description, length in (
            ("snils", "СНИЛС (с дефисами и пробелами или без).", 20),
            ("case_number", "Номер личного дела.", 30),
            ("last_name", "Фамилия (полностью; регистр букв не важен).", 100),
            ("first_name", "Имя (вместе с фамилией).", 100),
            ("birth_date", "Дата рождения ГГГГ-ММ-ДД.", 10),
        )
    ]
    return {
        f"{PREFIX}/calculate": {
            "post": {
                "operationId": "calculate",
                "summary": "Расчет мер для человека из регистра или для переданной семьи",
                "description": (
                    "person_id — расчет по регистру (в пределах территории владельца токена); snapshot — расчет "
                    "по переданным сведениям (право api.snapshot: специалист, методолог). Ничего не сохраняется."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("CalculationRequest"),
                            "examples": {
                                "person": {
                                    "summary": "Человек из регистра, все меры",
                                    "value": {"person_id": 1, "period": "2026-03"},
                                },
                                "snapshot": {
                                    "summary": "Семья, переданная целиком; одна мера без дерева расчета",
                                    "value": {
                                        "snapshot": EXAMPLE_SNAPSHOT,
                                        "measures": ["unified_child_allowance"],
                                        "period": "2026-03",
                                        "trace": False,
                                    },
                                },
                                "snapshot_member": {
                                    "summary": "Семья целиком, меры одного ее члена, с деревом расчета",
                                    "value": {"snapshot": EXAMPLE_SNAPSHOT, "person": "mother", "period": "2026-03"},
                                },
                            },
                        }
                    },
                },
                "responses": _responses(
                    {
                        "description": "Результаты с деревом расчета.",
                        "content": _json_content(_ref("CalculationResponse")),
                    },
                    "BadRequest",
                    "Unauthorized",
                    "Forbidden",
                    "NotFound",
                    "TooLarge",
                    "Unavailable",
                ),
            }
        },
        f"{PREFIX}/persons": {
            "get": {
                "operationId": "searchPersons",
                "summary": "Поиск граждан по СНИЛС, номеру дела или фамилии",
                "description": (
                    "Нужен хотя бы один параметр; имя — только вместе с фамилией. Найдутся граждане, у которых "
                    f"совпадают все указанные поля, только с территории владельца токена, не больше {SEARCH_LIMIT}."
                ),
                "parameters": search_parameters,
                "responses": _responses(
                    {"description": "Найденные граждане.", "content": _json_content(_ref("PersonList"))},
                    "BadRequest",
                    "Unauthorized",
                    "Forbidden",
                ),
            }
        },
        f"{PREFIX}/persons/{{person_id}}": {
            "get": {
                "operationId": "getPerson",
                "summary": "Карточка гражданина: семья, категории, доходы, назначения",
                "parameters": [
                    {
                        "name": "person_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
                    }
                ],
                "responses": _responses(
                    {"description": "Карточка.", "content": _json_content(_ref("PersonCard"))},
                    "Unauthorized",
                    "Forbidden",
                    "NotFound",
                ),
            }
        },
        f"{PREFIX}/rules": {
            "get": {
                "operationId": "getRules",
                "summary": "Действующая версия правил и последняя попытка перезагрузки с ошибками",
                "responses": _responses(
                    {"description": "Сведения о правилах.", "content": _json_content(_ref("RulesInfo"))},
                    "Unauthorized",
                    "Forbidden",
                ),
            }
        },
        f"{PREFIX}/measures": {
            "get": {
                "operationId": "listMeasures",
                "summary": "Меры действующих правил: коды и названия",
                "responses": _responses(
                    {"description": "Меры.", "content": _json_content(_ref("MeasureList"))},
                    "Unauthorized",
                    "Forbidden",
                    "Unavailable",
                ),
            }
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "Это описание API",
                "security": [],
                "responses": {
                    "200": {"description": "Документ OpenAPI 3.1.", "content": _json_content({"type": "object"})}
                },
            }
        },
    }


@lru_cache(maxsize=4)
def document(measure_codes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAPI document; ``measure_codes``, the live rules' measures, are the accepted codes
    (built once per rules version)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Мера: API расчета мер социальной поддержки",
            "version": API_VERSION,
            "description": (
                "Машинный доступ к расчетам и регистру с теми же правами, что у страниц: токен выдает "
                "администратор, владелец токена видит только граждан своей территории. Ошибки — JSON "
                "с полями error, message и (для неверного запроса) problems."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(measure_codes),
            "responses": RESPONSES,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Токен API: Authorization: Bearer mera_...",
                }
            },
        },
        "security": [{"bearer": []}],
    }


__all__ = [
    "BIGINT_MAX",
    "CODE_PATTERN",
    "EXAMPLE_SNAPSHOT",
    "MAX_MEASURES",
    "MEMBER_PATTERN",
    "MONTH_PATTERN",
    "SEARCH_LIMIT",
    "document",
]
