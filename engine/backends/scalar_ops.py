"""Scalar implementations of the function library and of record field access.

Every function receives the evaluation frame and its evaluated arguments; unknown arguments
never reach it (the caller propagates them), except where a function reads facts itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine.errors import EvaluationError, ParameterNotFoundError
from engine.money import apply_rounding
from engine.params import bracket_value, marginal_value
from engine.periods import Month, Window, add_months, full_months, full_years, ranges_overlap
from engine.snapshot import Housing, Member, Service, Snapshot
from engine.values import PeriodValue, Unknown

ZERO = Decimal(0)


def _int(value: Decimal, what: str, span: Any) -> int:
    if value != value.to_integral_value():
        raise EvaluationError(f"{what} must be a whole number, got {value}", span)
    return int(value)


# -- field access ----------------------------------------------------------------------------


def _unknown_property(snapshot: Snapshot) -> Unknown:
    facts = [Unknown.of(f"{m.path}.property", "property") for m in snapshot.members if m.real_estate is None]
    result = facts[0]
    for other in facts[1:]:
        result = result.merge(other)
    return result


def field_value(obj: Any, name: str) -> Any:
    """The value of ``obj.name`` as the language sees it; ``Unknown`` for a missing fact."""
    if isinstance(obj, Member):
        value = getattr(obj, name)
        if value is None:
            return Unknown.of(f"{obj.path}.property", "property")
        return value
    if isinstance(obj, Snapshot):
        if name == "size":
            return Decimal(obj.size)
        if name == "housing":
            return obj.housing if obj.housing is not None else Unknown.of("housing", "housing")
        if name == "municipality":
            return (
                obj.municipality
                if obj.municipality is not None
                else Unknown.of("household.municipality", "municipality")
            )
        value = getattr(obj, name)
        if value is None and name in ("real_estate", "vehicles", "deposits"):
            return _unknown_property(obj)
        return value
    if isinstance(obj, Housing | Service):
        value = getattr(obj, name)
        if value is None:
            kind = "services" if isinstance(obj, Service) else name
            return Unknown.of(f"{obj.path}.{name}", kind)
        return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(obj, Window):
        if name == "months":
            return Decimal(obj.length)
        return getattr(obj, name)
    if isinstance(obj, Month):
        if name == "number":
            return Decimal(obj.month)
        if name == "year":
            return Decimal(obj.year)
        return getattr(obj, name)
    if isinstance(obj, date):
        return Decimal(getattr(obj, name))
    if isinstance(obj, PeriodValue) and name == "year":
        return Decimal(obj.year)
    value = getattr(obj, name)
    if value is None:  # an optional field left out (a vehicle's year, ...): unknown, not zero
        return Unknown.of(f"{getattr(obj, 'path', '?')}.{name}", "property")
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


# -- the function library ----------------------------------------------------------------------


def _min(f, node, *values):  # type: ignore[no-untyped-def]
    return min(values)


def _max(f, node, *values):  # type: ignore[no-untyped-def]
    return max(values)


def _abs(f, node, x):  # type: ignore[no-untyped-def]
    return abs(x)


def _clamp(f, node, x, low, high):  # type: ignore[no-untyped-def]
    if high < low:
        raise EvaluationError(f"clamp(): the upper bound {high} is below the lower bound {low}", node.span)
    return min(max(x, low), high)


def _round(f, node, x, mode):  # type: ignore[no-untyped-def]
    return apply_rounding(x, mode)


def _key_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value)


def _lookup(f, node, name: str, keys: tuple, at: date | None):  # type: ignore[no-untyped-def]
    parameter = f.ruleset.params[name]
    on = at if at is not None else f.as_of
    try:
        use = parameter.lookup(on, tuple(_key_text(k) for k in keys))
    except ParameterNotFoundError as exc:
        raise EvaluationError(str(exc), node.span) from None
    if f.step is not None:
        f.step.used(use)
    return use


def _param(f, node, name, *keys, at=None):  # type: ignore[no-untyped-def]
    return _lookup(f, node, name, keys, at).value


def _param_exists(f, node, name, *keys, at=None):  # type: ignore[no-untyped-def]
    parameter = f.ruleset.params[name]
    on = at if at is not None else f.as_of
    try:
        parameter.lookup(on, tuple(_key_text(k) for k in keys))
    except ParameterNotFoundError:
        result = False
    else:
        result = True
    if f.step is not None:
        f.step.read(f"{name}[{', '.join(_key_text(k) for k in keys)}] есть на {on.isoformat()}", result)
    return result


def _bracket(f, node, name, x, *keys, at=None):  # type: ignore[no-untyped-def]
    scale = _lookup(f, node, name, keys, at).value
    value = bracket_value(scale, x)
    if value is None:
        raise EvaluationError(f"{x} is below the first bracket of {name}", node.span)
    return value


def _marginal(f, node, name, x, *keys, at=None):  # type: ignore[no-untyped-def]
    return marginal_value(_lookup(f, node, name, keys, at).value, x)


def _age(f, node, person, on):  # type: ignore[no-untyped-def]
    f.read(f"{person.path}.birth_date", person.birth_date)
    return Decimal(full_years(person.birth_date, on))


def _age_months(f, node, person, on):  # type: ignore[no-untyped-def]
    f.read(f"{person.path}.birth_date", person.birth_date)
    return Decimal(full_months(person.birth_date, on))


def _months_between(f, node, start, end):  # type: ignore[no-untyped-def]
    return Decimal(full_months(start, end))


def _add_months(f, node, value, months):  # type: ignore[no-untyped-def]
    count = _int(months, "add_months(): the number of months", node.span)
    if isinstance(value, Month):
        return value.add(count)
    return add_months(value, count)


def _add_days(f, node, value, days):  # type: ignore[no-untyped-def]
    return value + timedelta(days=_int(days, "add_days(): the number of days", node.span))


def _days_between(f, node, start, end):  # type: ignore[no-untyped-def]
    return Decimal((end - start).days)


def _start_of_month(f, node, value):  # type: ignore[no-untyped-def]
    return value.start if isinstance(value, Month) else value.replace(day=1)


def _end_of_month(f, node, value):  # type: ignore[no-untyped-def]
    return (value if isinstance(value, Month) else Month.of(value)).end


def _month(f, node, value):  # type: ignore[no-untyped-def]
    return Month.parse(value) if isinstance(value, str) else Month.of(value)


def _date(f, node, text):  # type: ignore[no-untyped-def]
    return date.fromisoformat(text)


def _window(f, node, ending, months):  # type: ignore[no-untyped-def]
    count = _int(months, "window(): the number of months", node.span)
    if count < 1:
        raise EvaluationError("window(): a window has at least one month", node.span)
    return Window.ending(ending, count)


def _year_window(f, node, year):  # type: ignore[no-untyped-def]
    number = _int(year, "year_window(): the year", node.span)
    if not 1900 <= number <= 2200:
        raise EvaluationError(f"year_window(): {number} is not a plausible year", node.span)
    return Window(Month(number, 1), Month(number, 12))


def _holds(person: Member, code: str, on: date) -> bool:
    return any(c.code == code and ranges_overlap(c.start, c.end, on) for c in person.categories)


def _has_category(f, node, person, code, on):  # type: ignore[no-untyped-def]
    result = _holds(person, code, on)
    f.read(f"{person.path}.categories[{code}] на {on.isoformat()}", result)
    return result


def _category_start(f, node, person, code, on):  # type: ignore[no-untyped-def]
    for period in person.categories:
        if period.code == code and ranges_overlap(period.start, period.end, on):
            if period.start is None:
                return Unknown.of(f"{person.path}.categories[{code}].from", "categories")
            f.read(f"{person.path}.categories[{code}].from", period.start)
            return period.start
    raise EvaluationError(
        f"category_start(): {person.path} does not hold {code!r} on {on}; guard with has_category", node.span
    )


def _categories(f, node, person, on):  # type: ignore[no-untyped-def]
    result = tuple(sorted({c.code for c in person.categories if ranges_overlap(c.start, c.end, on)}))
    f.read(f"{person.path}.categories на {on.isoformat()}", result)
    return result


def _disability_on(person: Member, on: date):  # type: ignore[no-untyped-def]
    d = person.disability
    return d if d is not None and ranges_overlap(d.start, d.end, on) else None


def _disability_group(f, node, person, on):  # type: ignore[no-untyped-def]
    d = _disability_on(person, on)
    result = Decimal(d.group) if d is not None and d.group != "child" else ZERO
    f.read(f"{person.path}.disability.group на {on.isoformat()}", result)
    return result


def _is_disabled_child(f, node, person, on):  # type: ignore[no-untyped-def]
    d = _disability_on(person, on)
    result = d is not None and d.group == "child"
    f.read(f"{person.path}.disability (ребёнок-инвалид) на {on.isoformat()}", result)
    return result


def _pregnancy_weeks_on(person: Member, on: date) -> Decimal | None:
    p = person.pregnancy
    if p is None or on < p.registered_on:
        return None
    weeks = p.weeks_at_registration + (on - p.registered_on).days // 7
    if p.expected_birth is not None and on > p.expected_birth:
        return None
    if weeks > 42:
        return None
    return Decimal(weeks)


def _is_pregnant(f, node, person, on):  # type: ignore[no-untyped-def]
    result = _pregnancy_weeks_on(person, on) is not None
    f.read(f"{person.path}.pregnancy на {on.isoformat()}", result)
    return result


def _pregnancy_weeks(f, node, person, on):  # type: ignore[no-untyped-def]
    weeks = _pregnancy_weeks_on(person, on)
    result = weeks if weeks is not None else ZERO
    f.read(f"{person.path}.pregnancy.weeks на {on.isoformat()}", result)
    return result


def _pregnancy_record(person: Member, node):  # type: ignore[no-untyped-def]
    if person.pregnancy is None:
        raise EvaluationError(f"{person.path} has no pregnancy record; guard with is_pregnant", node.span)
    return person.pregnancy


def _pregnancy_registered_on(f, node, person):  # type: ignore[no-untyped-def]
    result = _pregnancy_record(person, node).registered_on
    f.read(f"{person.path}.pregnancy.registered_on", result)
    return result


def _expected_birth(f, node, person):  # type: ignore[no-untyped-def]
    result = _pregnancy_record(person, node).expected_birth
    if result is None:
        return Unknown.of(f"{person.path}.pregnancy.expected_birth", "pregnancy")
    f.read(f"{person.path}.pregnancy.expected_birth", result)
    return result


def _pregnancy_registration_weeks(f, node, person):  # type: ignore[no-untyped-def]
    result = Decimal(person.pregnancy.weeks_at_registration) if person.pregnancy else ZERO
    f.read(f"{person.path}.pregnancy.weeks_at_registration", result)
    return result


def _income_unknown(person: Member, window: Window) -> Unknown | None:
    declared = person.incomes_declared
    if declared is not None and window.first in declared and window.last in declared:
        return None
    if declared is None:
        missing = str(window)
    else:
        gaps = [m for m in window.months() if m not in declared]
        missing = f"{gaps[0]}..{gaps[-1]}" if len(gaps) > 1 else str(gaps[0])
    return Unknown.of(f"{person.path}.incomes", "incomes", f"за {missing}")


def _monthly_totals(f, person: Member, window: Window, kinds, exclude) -> tuple[Decimal, ...]:  # type: ignore[no-untyped-def]
    """The person's income of the chosen kinds for each month of a window, cached per evaluation
    (the same window is summed by several steps of one measure)."""
    key = (person.id, window.first.index, window.last.index, kinds, exclude)
    cached = f.cache.get(key)
    if cached is None:
        totals = []
        incomes = f.cache.get(person.id)
        if incomes is None:  # the person's incomes by month number, built once per household
            incomes = f.cache[person.id] = {month.index: by_kind for month, by_kind in person.incomes.items()}
        for index in range(window.first.index, window.last.index + 1):
            total = ZERO
            by_kind = incomes.get(index)
            if by_kind:
                for kind, amount in by_kind.items():
                    if (kinds is None or kind in kinds) and (exclude is None or kind not in exclude):
                        total += amount
            totals.append(total)
        cached = f.cache[key] = tuple(totals)
    return cached


def _income(f, node, person, window, kinds=None, exclude=None):  # type: ignore[no-untyped-def]
    unknown = _income_unknown(person, window)
    if unknown is not None:
        return unknown
    total = sum(_monthly_totals(f, person, window, kinds, exclude), ZERO)
    if f.step is not None:
        f.step.read(f"{person.path}.incomes за {window}" + (f" ({', '.join(kinds)})" if kinds else ""), total)
    return total


def _income_months(f, node, person, window, kinds=None, exclude=None):  # type: ignore[no-untyped-def]
    unknown = _income_unknown(person, window)
    if unknown is not None:
        return unknown
    result = Decimal(sum(1 for total in _monthly_totals(f, person, window, kinds, exclude) if total > 0))
    if f.step is not None:
        f.step.read(f"{person.path}.incomes: месяцев с доходом за {window}", result)
    return result


def _reasons(person: Member, kinds):  # type: ignore[no-untyped-def]
    return [r for r in person.no_income_reasons or () if kinds is None or r.kind in kinds]


def _reason_months(f, node, person, window, kinds=None):  # type: ignore[no-untyped-def]
    if person.no_income_reasons is None:
        return Unknown.of(f"{person.path}.no_income_reasons", "no_income_reasons")
    covered = set()
    for reason in _reasons(person, kinds):
        first = max(window.first, Month.of(reason.start))
        last = window.last if reason.end is None else min(window.last, Month.of(reason.end))
        covered.update(range(first.index, last.index + 1))
    result = Decimal(len(covered))
    f.read(f"{person.path}.no_income_reasons: месяцев за {window}", result)
    return result


def _has_reason(f, node, person, on, kinds=None):  # type: ignore[no-untyped-def]
    if person.no_income_reasons is None:
        return Unknown.of(f"{person.path}.no_income_reasons", "no_income_reasons")
    result = any(ranges_overlap(r.start, r.end, on) for r in _reasons(person, kinds))
    f.read(f"{person.path}.no_income_reasons на {on.isoformat()}", result)
    return result


def _has_document(f, node, person, kind):  # type: ignore[no-untyped-def]
    result = any(d.kind == kind for d in person.documents)
    f.read(f"{person.path}.documents[{kind}]", result)
    return result


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "min": _min,
    "max": _max,
    "abs": _abs,
    "clamp": _clamp,
    "round": _round,
    "param": _param,
    "param_exists": _param_exists,
    "bracket": _bracket,
    "marginal": _marginal,
    "age": _age,
    "age_months": _age_months,
    "months_between": _months_between,
    "add_months": _add_months,
    "add_days": _add_days,
    "days_between": _days_between,
    "start_of_month": _start_of_month,
    "end_of_month": _end_of_month,
    "month": _month,
    "date": _date,
    "window": _window,
    "year_window": _year_window,
    "has_category": _has_category,
    "category_start": _category_start,
    "categories": _categories,
    "disability_group": _disability_group,
    "is_disabled_child": _is_disabled_child,
    "is_pregnant": _is_pregnant,
    "pregnancy_weeks": _pregnancy_weeks,
    "pregnancy_registered_on": _pregnancy_registered_on,
    "expected_birth": _expected_birth,
    "pregnancy_registration_weeks": _pregnancy_registration_weeks,
    "income": _income,
    "income_months": _income_months,
    "reason_months": _reason_months,
    "has_reason": _has_reason,
    "has_document": _has_document,
}
