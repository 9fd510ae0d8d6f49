"""The fixed function library: names, argument shapes and result types.

The checker uses these signatures to type every call; each backend implements every name
(``tests/engine/test_backends_complete.py`` holds them to it). Functions marked
``person_first`` take an optional leading person: ``age(period.start)`` is the age of the
person the measure is evaluated for, ``age(m, period.start)`` the age of member ``m``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.types import (
    ANY,
    BOOL,
    CATEGORY_SET,
    DATE,
    MONEY,
    MONTH,
    NUMBER,
    NUMERIC,
    ORDERED,
    PERSON,
    TEXT,
    WINDOW,
    Type,
    is_list,
)


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    types: tuple[Type, ...]
    required: bool = True
    literal: bool = False  # must be a literal text (checked at load time)
    list_of: bool = False  # a list whose items have one of ``types``


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    args: tuple[Arg, ...]
    result: Type | Callable[[list[Type]], Type]
    doc: str
    person_first: bool = False
    variadic: bool = False  # the last argument repeats
    keyword_only: tuple[Arg, ...] = ()


def _same(types: list[Type]) -> Type:
    """The common type of numeric/ordered arguments; money wins over number literals."""
    known = [t for t in types if t != ANY]
    if not known:
        return ANY
    if MONEY in known:
        return MONEY
    return known[0]


def _first(types: list[Type]) -> Type:
    return types[0] if types else ANY


FUNCTIONS: dict[str, Function] = {}


def _define(function: Function) -> None:
    FUNCTIONS[function.name] = function


_define(Function("min", (Arg("a", ORDERED), Arg("b", ORDERED)), _same, "the smallest argument", variadic=True))
_define(Function("max", (Arg("a", ORDERED), Arg("b", ORDERED)), _same, "the largest argument", variadic=True))
_define(Function("abs", (Arg("x", NUMERIC),), _first, "absolute value"))
_define(
    Function(
        "clamp",
        (Arg("x", NUMERIC), Arg("low", NUMERIC), Arg("high", NUMERIC)),
        _same,
        "x limited to [low, high]",
    )
)
_define(
    Function(
        "round",
        (Arg("x", NUMERIC), Arg("mode", (TEXT,), literal=True)),
        _first,
        "round with a named mode: kopeck_half_up, ruble_down, hundredth_half_even ...",
    )
)
_define(
    Function(
        "param",
        (Arg("name", (TEXT,), literal=True), Arg("key", (TEXT, NUMBER), required=False)),
        ANY,  # decided by the parameter's unit
        "the value of a dated parameter in force on `at` (default: the period's first day)",
        variadic=True,
        keyword_only=(Arg("at", (DATE,), required=False),),
    )
)
_define(
    Function(
        "param_exists",
        (Arg("name", (TEXT,), literal=True), Arg("key", (TEXT, NUMBER), required=False)),
        BOOL,
        "whether the parameter has a value for these keys on `at` (to refuse readably instead of failing)",
        variadic=True,
        keyword_only=(Arg("at", (DATE,), required=False),),
    )
)
_define(
    Function(
        "bracket",
        (Arg("name", (TEXT,), literal=True), Arg("x", NUMERIC), Arg("key", (TEXT, NUMBER), required=False)),
        ANY,
        "the value of the scale bracket containing x (keys after x for a keyed scale)",
        variadic=True,
        keyword_only=(Arg("at", (DATE,), required=False),),
    )
)
_define(
    Function(
        "marginal",
        (Arg("name", (TEXT,), literal=True), Arg("x", NUMERIC), Arg("key", (TEXT, NUMBER), required=False)),
        ANY,
        "sum of each bracket's rate times the part of x inside it (keys after x for a keyed scale)",
        variadic=True,
        keyword_only=(Arg("at", (DATE,), required=False),),
    )
)
_define(Function("age", (Arg("on", (DATE,)),), NUMBER, "completed years on a date", person_first=True))
_define(Function("age_months", (Arg("on", (DATE,)),), NUMBER, "completed months of age on a date", person_first=True))
_define(
    Function(
        "months_between",
        (Arg("start", (DATE,)), Arg("end", (DATE,))),
        NUMBER,
        "completed calendar months from start to end (Civil Code art. 192)",
    )
)
_define(
    Function(
        "add_months",
        (Arg("value", (DATE, MONTH)), Arg("months", (NUMBER,))),
        _first,
        "a date or month shifted by whole months",
    )
)
_define(Function("add_days", (Arg("value", (DATE,)), Arg("days", (NUMBER,))), DATE, "a date shifted by days"))
_define(
    Function(
        "days_between",
        (Arg("start", (DATE,)), Arg("end", (DATE,))),
        NUMBER,
        "calendar days from start to end (end − start; add 1 to count both ends)",
    )
)
_define(Function("start_of_month", (Arg("value", (DATE, MONTH)),), DATE, "the first day of the month"))
_define(Function("end_of_month", (Arg("value", (DATE, MONTH)),), DATE, "the last day of the month"))
_define(Function("month", (Arg("value", (DATE, TEXT)),), MONTH, "the month of a date, or a literal 'YYYY-MM'"))
_define(Function("date", (Arg("text", (TEXT,), literal=True),), DATE, "a literal date 'YYYY-MM-DD'"))
_define(
    Function(
        "window",
        (Arg("ending", (MONTH,)), Arg("months", (NUMBER,))),
        WINDOW,
        "the reference window of `months` whole months ending with `ending`",
    )
)
_define(
    Function(
        "year_window",
        (Arg("year", (NUMBER,)),),
        WINDOW,
        "the calendar year as a window of twelve months (January to December)",
    )
)
_define(
    Function(
        "has_category",
        (Arg("code", (TEXT,)), Arg("on", (DATE,))),
        BOOL,
        "whether the person holds an entitlement category on a date",
        person_first=True,
    )
)
_define(
    Function(
        "category_start",
        (Arg("code", (TEXT,)), Arg("on", (DATE,))),
        DATE,
        "the first day of the category period covering a date (guard with has_category)",
        person_first=True,
    )
)
_define(
    Function(
        "categories",
        (Arg("on", (DATE,)),),
        CATEGORY_SET,
        "the set of categories the person holds on a date",
        person_first=True,
    )
)
_define(
    Function(
        "disability_group",
        (Arg("on", (DATE,)),),
        NUMBER,
        "disability group 1, 2 or 3 on a date; 0 when none (a disabled child is 0 here)",
        person_first=True,
    )
)
_define(
    Function(
        "is_disabled_child",
        (Arg("on", (DATE,)),),
        BOOL,
        "whether the person has the status of a disabled child on a date",
        person_first=True,
    )
)
_define(
    Function(
        "is_pregnant",
        (Arg("on", (DATE,)),),
        BOOL,
        "registered pregnancy in progress on a date",
        person_first=True,
    )
)
_define(
    Function(
        "pregnancy_weeks",
        (Arg("on", (DATE,)),),
        NUMBER,
        "weeks of pregnancy on a date (from the registration record)",
        person_first=True,
    )
)
_define(
    Function(
        "pregnancy_registered_on",
        (),
        DATE,
        "the date the pregnancy was registered with the clinic (guard with is_pregnant)",
        person_first=True,
    )
)
_define(
    Function(
        "expected_birth",
        (),
        DATE,
        "the expected date of birth from the pregnancy record; unknown when the record has none",
        person_first=True,
    )
)
_define(
    Function(
        "pregnancy_registration_weeks",
        (),
        NUMBER,
        "weeks of pregnancy when the woman registered with the clinic",
        person_first=True,
    )
)
_define(
    Function(
        "income",
        (Arg("window", (WINDOW,)),),
        MONEY,
        "the person's income over a window; kinds=[...] to include, exclude=[...] to leave out",
        person_first=True,
        keyword_only=(
            Arg("kinds", (TEXT,), required=False, list_of=True),
            Arg("exclude", (TEXT,), required=False, list_of=True),
        ),
    )
)
_define(
    Function(
        "income_months",
        (Arg("window", (WINDOW,)),),
        NUMBER,
        "months of a window in which the person had income (of the given kinds)",
        person_first=True,
        keyword_only=(
            Arg("kinds", (TEXT,), required=False, list_of=True),
            Arg("exclude", (TEXT,), required=False, list_of=True),
        ),
    )
)
_define(
    Function(
        "reason_months",
        (Arg("window", (WINDOW,)),),
        NUMBER,
        "months of a window touched by an objective reason for having no income",
        person_first=True,
        keyword_only=(Arg("kinds", (TEXT,), required=False, list_of=True),),
    )
)
_define(
    Function(
        "has_reason",
        (Arg("on", (DATE,)),),
        BOOL,
        "whether an objective reason for having no income covers a date",
        person_first=True,
        keyword_only=(Arg("kinds", (TEXT,), required=False, list_of=True),),
    )
)
_define(
    Function(
        "has_document",
        (Arg("kind", (TEXT,)),),
        BOOL,
        "whether the person's file holds a document of a kind",
        person_first=True,
    )
)

PERSON_TYPE = PERSON
AGGREGATE_RESULTS = {"count": NUMBER, "any": BOOL, "all": BOOL}


def describe() -> list[tuple[str, str]]:
    """(signature, description) for every function, for the docs and ``mera rules functions``."""
    rows = []
    for function in FUNCTIONS.values():
        parts = ["[person]"] if function.person_first else []
        for arg in function.args:
            text = arg.name if arg.required else f"[{arg.name}]"
            parts.append(text + ("..." if function.variadic and arg is function.args[-1] else ""))
        parts += [f"{arg.name}=" for arg in function.keyword_only]
        rows.append((f"{function.name}({', '.join(parts)})", function.doc))
    return rows


__all__ = ["AGGREGATE_RESULTS", "FUNCTIONS", "Arg", "Function", "describe", "is_list"]
