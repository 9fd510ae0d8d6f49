"""The methodologist's services: readable views of a RuleSet for pages, the rules' reload state,
version diffs and reference books (drafts and their what-if: ``measures.drafts``).

The views are pure functions over a RuleSet (or a ``LiveRules``) that return plain data
(dicts, lists, strings, dates): templates only lay them out. Nothing here needs Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import LiveRules, ReloadAttempt, RuleError, RuleSet, ast
from engine.diff import RuleSetDiff, diff_rulesets, value_text
from engine.measures import Condition, Formula, Measure, MeasureVersion, ScheduleSpec
from engine.params import Parameter
from registry.access import Actor, NotFoundError, require
from registry.calculations import ruleset_of
from registry.cards import PAYMENT_TITLES
from registry.history import municipalities
from registry.models import Municipality
from registry.reference import DOCUMENT_KINDS, ENTITLEMENT_CATEGORIES, INCOME_KINDS, NO_INCOME_REASONS
from registry.rulesets import stored_versions

LEVEL_TITLES = {"federal": "Федеральные меры", "regional": "Региональные меры", "municipal": "Муниципальные меры"}
FUNDING_TITLES = {
    "federal_budget": "федеральный бюджет",
    "regional_budget": "областной бюджет",
    "municipal_budget": "местный бюджет",
    "social_fund_budget": "бюджет Социального фонда",
}
ENTITY_TITLES = {"person": "гражданин", "household": "семья"}
PERIOD_TITLES = {"month": "ежемесячно", "once": "единовременно", "year": "ежегодно"}
VERSION_BY_TITLES = {"period": "по расчетному месяцу", "application_date": "по дате обращения"}
UNIT_TITLES = {
    "rub": "руб.",
    "ratio": "доля",
    "years": "лет",
    "months": "мес.",
    "days": "дн.",
    "count": "число",
    "m2": "кв. м",
    "hp": "л. с.",
    "number": "число",
}
CONDITION_TITLES = {"all": "все условия", "any": "одно из условий", "not": "не выполняется", "leaf": "условие"}
ROUNDING_UNITS = {
    "kopeck": "до копейки",
    "ruble": "до рубля",
    "hundredth": "до сотых",
    "thousandth": "до тысячных",
    "ten_thousandth": "до десятитысячных",
    "whole": "до целого",
}
ROUNDING_MODES = {
    "half_up": "по правилам арифметики",
    "half_even": "к четному",
    "down": "с отбрасыванием",
    "up": "в большую сторону по модулю",
    "floor": "в меньшую сторону",
    "ceiling": "в большую сторону",
}
PARAM_FUNCTIONS = ("param", "bracket", "marginal", "param_exists")
STATUS_TITLES = {
    "eligible": "право есть",
    "ineligible": "права нет",
    "undetermined": "не хватает сведений",
    "error": "ошибка в правилах",
}
STATUS_ORDER = {"eligible": 0, "undetermined": 1, "ineligible": 2, "error": 3, "not_applicable": 4}


def _stamp(moment: datetime) -> str:
    return moment.astimezone().strftime("%d.%m.%Y %H:%M:%S")


def funding_title(code: str) -> str:
    return FUNDING_TITLES.get(code, code)


def rounding_title(name: str) -> str:
    for unit, title in ROUNDING_UNITS.items():
        if name.startswith(unit + "_"):
            return f"{title}, {ROUNDING_MODES.get(name[len(unit) + 1 :], name)}"
    return name


# -- the live rules and their reloads ---------------------------------------------------------------


def attempt_summary(attempt: ReloadAttempt) -> str:
    """The attempt in one Russian sentence."""
    live = attempt.live_version[:12] if attempt.live_version else "нет"
    if attempt.ok and not attempt.changed:
        return f"файлы не изменились, работает версия {live}"
    if attempt.ok:
        return f"загружена версия {live}: пройдено встроенных тестов {attempt.tests_run}, {attempt.seconds:.2f} с"
    return f"изменения отклонены, ошибок: {len(attempt.errors)}; продолжает работать версия {live}"


def error_view(error: RuleError) -> dict[str, Any]:
    data = error.as_dict()
    data["location"] = error.span.location
    return data


def attempt_view(attempt: ReloadAttempt) -> dict[str, Any]:
    return {
        "at": _stamp(attempt.at),
        "at_iso": attempt.at.isoformat(),
        "ok": attempt.ok,
        "changed": attempt.changed,
        "version": attempt.version,
        "short_version": attempt.version[:12] if attempt.version else "—",
        "live_version": attempt.live_version,
        "summary": attempt_summary(attempt),
        "error_count": len(attempt.errors),
        "errors": [error_view(error) for error in attempt.errors],
        "tests_run": attempt.tests_run,
        "seconds": attempt.seconds,
    }


def file_kind(path: str) -> str:
    return {"measures": "мера", "parameters": "параметры", "lib": "библиотека"}.get(path.split("/", 1)[0], "прочее")


def ruleset_summary(ruleset: RuleSet) -> dict[str, Any]:
    return {
        "version": ruleset.version,
        "short_version": ruleset.short_version,
        "label": ruleset.label,
        "loaded_at": _stamp(ruleset.loaded_at),
        "files": [
            {"path": f"{ruleset.label}/{path}", "kind": file_kind(path), "size": len(data)}
            for path, data in sorted(ruleset.files.items())
        ],
        "measure_count": len(ruleset.measures),
        "parameter_count": len(ruleset.params),
        "test_count": ruleset.test_count,
        "library_count": len(ruleset.library),
    }


def rules_state(live: LiveRules) -> dict[str, Any]:
    """What the rules page polls: the live version and the last attempt; ``state`` changes
    whenever either does."""
    last = live.last_attempt
    version = live.current.version if _has_current(live) else None
    data = {
        "version": version,
        "ok": last.ok if last else None,
        "errors": len(last.errors) if last else 0,
        "attempted_at": last.at.isoformat() if last else None,
    }
    data["state"] = f"{version}|{data['ok']}|{data['errors']}|{data['attempted_at']}"
    return data


def _has_current(live: LiveRules) -> bool:
    try:
        live.current  # noqa: B018
    except RuntimeError:
        return False
    return True


def rules_overview(live: LiveRules) -> dict[str, Any]:
    """The rules page: the live RuleSet, the last attempt with every error, recent attempts."""
    last = live.last_attempt
    attempts = list(live.attempts)
    return {
        "root": str(live.root),
        "live": ruleset_summary(live.current) if _has_current(live) else None,
        "last": attempt_view(last) if last else None,
        "history": [attempt_view(attempt) for attempt in reversed(attempts)],
        "state": rules_state(live) if _has_current(live) else {"state": "none"},
    }


# -- measures ------------------------------------------------------------------------------------


def measure_catalogue(ruleset: RuleSet) -> list[dict[str, Any]]:
    """The measures grouped by level (federal, regional, municipal), each sorted by title."""
    groups = []
    for level, title in LEVEL_TITLES.items():
        rows = [
            {
                "code": m.code,
                "title": m.title,
                "level": m.level,
                "funding": funding_title(m.funding),
                "entity": ENTITY_TITLES.get(m.entity, m.entity),
                "period": PERIOD_TITLES.get(m.period, m.period),
                "legal_basis": m.legal_basis,
                "region": m.region,
                "valid_from": m.valid_from,
                "valid_to": m.valid_to,
                "versions": len(m.versions),
            }
            for m in sorted(ruleset.measures.values(), key=lambda m: m.title)
            if m.level == level
        ]
        if rows:
            groups.append({"level": level, "title": title, "measures": rows})
    return groups


def _formula(formula: Formula | None) -> dict[str, str] | None:
    if formula is None:
        return None
    return {"text": formula.text, "location": formula.span.line_location}


def condition_view(condition: Condition) -> dict[str, Any]:
    return {
        "kind": condition.kind,
        "kind_title": CONDITION_TITLES.get(condition.kind, condition.kind),
        "id": condition.id,
        "formula": condition.formula.text if condition.formula else None,
        "reason": condition.reason,
        "location": condition.span.line_location,
        "children": [condition_view(child) for child in condition.children],
    }


def schedule_view(spec: ScheduleSpec) -> list[tuple[str, str]]:
    """The schedule as (label, value) lines."""
    start = {
        "application_month": "с месяца обращения",
        "month_of_right": "с месяца возникновения права",
        "expression": "с месяца по формуле",
    }.get(spec.start, spec.start)
    if spec.start_formula is not None:
        start += f": {spec.start_formula.text}"
    lines = [("Начало", start)]
    if spec.look_back_months is not None:
        lines.append(("Не ранее чем за", f"{spec.look_back_months} мес. до обращения"))
    if spec.term_months is not None:
        lines.append(("Срок", f"{spec.term_months} мес."))
    if spec.until is not None:
        lines.append(("До", spec.until.text))
    if spec.review_every is not None:
        lines.append(("Пересмотр", f"каждые {spec.review_every} мес."))
    lines.append(("Выплата", PAYMENT_TITLES.get(spec.payment, spec.payment)))
    return lines


def _version_formulas(version: MeasureVersion) -> Iterator[Formula]:
    yield from (variable.formula for variable in version.variables.values())
    yield from (leaf.formula for leaf in version.eligibility.leaves() if leaf.formula is not None)
    yield version.amount
    if version.applies_to is not None:
        yield version.applies_to
    for formula in (version.schedule.start_formula, version.schedule.until):
        if formula is not None:
            yield formula


def _references(formulas: Iterable[Formula], ruleset: RuleSet) -> tuple[set[str], set[str]]:
    """Parameters and library variables the formulas read, library variables followed through."""
    params: set[str] = set()
    library: set[str] = set()
    pending = list(formulas)
    while pending:
        formula = pending.pop()
        for node in ast.walk(formula.expr):
            if isinstance(node, ast.Call) and node.func in PARAM_FUNCTIONS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Text):
                    params.add(first.value)
            elif isinstance(node, ast.Name) and node.id in ruleset.library and node.id not in library:
                library.add(node.id)
                pending.append(ruleset.library[node.id].formula)
    return params, library


def measure_parameters(ruleset: RuleSet, measure: Measure) -> tuple[list[str], list[str]]:
    """The parameters and library variables a measure uses (in any version), sorted."""
    formulas = [formula for version in measure.versions for formula in _version_formulas(version)]
    params, library = _references(formulas, ruleset)
    return sorted(p for p in params if p in ruleset.params), sorted(library)


def _expectation(test: Any) -> list[str]:
    expect = test.expect
    lines = []
    if expect.status:
        lines.append(STATUS_TITLES.get(expect.status, expect.status))
    if expect.amount is not None:
        lines.append(f"сумма: {expect.amount}")
    lines.extend(f"причина: {reason}" for reason in expect.reasons)
    lines.extend(f"не хватает: {item}" for item in expect.missing)
    lines.extend(f"срок {key}: {value or '—'}" for key, value in expect.schedule.items())
    lines.extend(f"{name} = {value}" for name, value in expect.variables.items())
    return lines


def measure_view(ruleset: RuleSet, code: str) -> dict[str, Any]:
    """One measure in readable form; ``NotFoundError`` for an unknown code."""
    measure = ruleset.measures.get(code)
    if measure is None:
        raise NotFoundError("мера не найдена")
    used_params, used_library = measure_parameters(ruleset, measure)
    versions = []
    for index, version in enumerate(measure.versions):
        following = measure.versions[index + 1].effective_from if index + 1 < len(measure.versions) else None
        versions.append(
            {
                "effective_from": version.effective_from,
                "until": following,
                "legal_basis": version.legal_basis,
                "location": version.span.line_location,
                "variables": [
                    {"name": name, "formula": variable.formula.text, "location": variable.formula.span.line_location}
                    for name, variable in version.variables.items()
                ],
                "eligibility": condition_view(version.eligibility),
                "amount": _formula(version.amount),
                "rounding": rounding_title(version.rounding.name),
                "schedule": schedule_view(version.schedule),
                "applies_to": _formula(version.applies_to),
                "applies_to_reason": version.applies_to_reason,
            }
        )
    return {
        "code": measure.code,
        "title": measure.title,
        "level": LEVEL_TITLES.get(measure.level, measure.level),
        "funding": funding_title(measure.funding),
        "legal_basis": measure.legal_basis,
        "entity": ENTITY_TITLES.get(measure.entity, measure.entity),
        "period": PERIOD_TITLES.get(measure.period, measure.period),
        "region": measure.region,
        "municipalities": list(measure.municipalities),
        "valid_from": measure.valid_from,
        "valid_to": measure.valid_to,
        "version_by": VERSION_BY_TITLES.get(measure.version_by, measure.version_by),
        "location": measure.span.line_location,
        "documents": [(doc, ruleset.documents.get(doc, doc)) for doc in measure.documents],
        "evidence": [(kind, doc, ruleset.documents.get(doc, doc)) for kind, doc in measure.evidence.items()],
        "versions": versions,
        "tests": [
            {
                "name": test.name,
                "period": test.period,
                "person": test.person,
                "expect": _expectation(test),
                "location": test.span.line_location,
            }
            for test in measure.tests
        ],
        "parameters": [parameter_view(ruleset.params[name]) for name in used_params],
        "library": [
            {
                "name": name,
                "formula": ruleset.library[name].formula.text,
                "location": ruleset.library[name].formula.span.line_location,
            }
            for name in used_library
        ],
    }


# -- parameters ----------------------------------------------------------------------------------


def parameter_view(parameter: Parameter) -> dict[str, Any]:
    series = []
    for key, values in parameter.all_series():
        series.append(
            {
                "key": " / ".join(key),
                "until": values.until,
                "values": [
                    {
                        "effective_from": value.effective_from,
                        "value": value_text(value.value),
                        "reference": value.reference,
                        "verified": value.verified,
                        "note": value.note,
                        "location": value.span.line_location,
                    }
                    for value in values.values
                ],
            }
        )
    return {
        "name": parameter.name,
        "anchor": "p-" + parameter.name.replace(".", "-"),
        "description": parameter.description,
        "unit": parameter.unit,
        "unit_title": UNIT_TITLES.get(parameter.unit, parameter.unit),
        "kind": "шкала" if parameter.kind == "scale" else "значение",
        "key_names": [spec.name for spec in parameter.keys],
        "location": parameter.span.line_location,
        "series": series,
        "unverified": sum(1 for s in series for v in s["values"] if not v["verified"]),
    }


def parameter_views(ruleset: RuleSet, prefix: str = "") -> list[dict[str, Any]]:
    """Every parameter whose name starts with ``prefix`` (case-insensitive), by name."""
    wanted = prefix.strip().lower()
    return [parameter_view(ruleset.params[name]) for name in ruleset.params.names() if name.lower().startswith(wanted)]


def parameter_families(ruleset: RuleSet) -> list[str]:
    return sorted({name.split(".", 1)[0] for name in ruleset.params.names()})


# -- versions and their diff -----------------------------------------------------------------------


def version_choices(session: Session, live: RuleSet) -> list[tuple[str, str]]:
    """(version, label) of every stored RuleSet and the live one, newest first."""
    found: dict[str, str] = {}
    for version, stored_at in stored_versions(session):
        found[version] = f"{version[:12]} · сохранена {stored_at:%d.%m.%Y %H:%M}"
    found[live.version] = f"{live.short_version} · работает сейчас"
    return list(reversed(list(found.items())))


def diff_versions(session: Session, live: RuleSet, old: str, new: str) -> RuleSetDiff:
    """The diff between two known versions; ``NotFoundError`` for any other."""
    known = dict(version_choices(session, live))
    rulesets = []
    for version in (old, new):
        if version not in known:
            raise NotFoundError("версия правил не найдена")
        rulesets.append(live if version == live.version else ruleset_of(session, version))
    return diff_rulesets(rulesets[0], rulesets[1])


# -- reference books -----------------------------------------------------------------------------


def reference_books(session: Session, actor: Actor) -> dict[str, Any]:
    """The reference books, read-only: municipalities from the register, the rest from code."""
    require(actor, "reference.read")
    municipalities = session.execute(
        select(Municipality.oktmo, Municipality.name, Municipality.region).order_by(
            Municipality.region, Municipality.name
        )
    ).all()
    return {
        "municipalities": [{"oktmo": o, "name": n, "region": r} for o, n, r in municipalities],
        "document_kinds": [
            {
                "code": kind.code,
                "title": kind.title,
                "subkinds": [sub.title for sub in kind.subkinds],
                "source": kind.rules.source,
            }
            for kind in DOCUMENT_KINDS.values()
        ],
        "categories": [
            {
                "code": category.code,
                "title": category.title,
                "proof": DOCUMENT_KINDS[category.proof_kind].title
                if category.proof_kind in DOCUMENT_KINDS
                else category.proof_kind,
                "source": category.source,
            }
            for category in ENTITLEMENT_CATEGORIES.values()
        ],
        "income_kinds": [{"code": kind.code, "title": kind.title} for kind in INCOME_KINDS.values()],
        "no_income_reasons": [{"code": reason.code, "title": reason.title} for reason in NO_INCOME_REASONS.values()],
    }


def municipality_names(session: Session) -> dict[str, str]:
    return dict(municipalities(session))


def municipality_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The municipalities an actor may run a what-if for, by name."""
    return [(code, name) for code, name in municipality_names(session).items() if actor.sees(code)]


__all__ = [
    "attempt_summary",
    "diff_versions",
    "measure_catalogue",
    "measure_parameters",
    "measure_view",
    "parameter_views",
    "reference_books",
    "rules_overview",
    "rules_state",
    "version_choices",
]
