"""The function library on arrays. Each implementation gets the evaluated arguments (unknown
and error rows are masked by the caller) and returns a value with its own ``known``/``err``
where the function itself decides them, exactly as ``scalar_ops`` does row by row."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from engine import ast
from engine.backends import vector_values as vv
from engine.backends.vector_ops import (
    add_months_days,
    expand,
    full_months,
    full_years,
    month_end,
    month_index_of,
    month_start,
)
from engine.backends.vector_values import Bools, Days, Lists, Months, Num, Refs, Texts, Vec, Windows
from engine.errors import ParameterNotFoundError
from engine.frames import NO_DAY, NO_MONTH, OPEN_END, OPEN_START
from engine.money import parse_rounding
from engine.params import Bracket

EPOCH = date(1970, 1, 1)


def _ok(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)


def _literal(node: ast.Call, position: int) -> Any:
    return node.args[position].value  # type: ignore[attr-defined]


def _kinds(node: ast.Call, name: str) -> tuple[str, ...] | None:
    for key, value in node.keywords:
        if key == name:
            return tuple(item.value for item in value.items)  # type: ignore[attr-defined]
    return None


def _integral(value: Num) -> tuple[np.ndarray, np.ndarray]:
    """(integer values, rows that are not whole numbers)."""
    whole, rest = np.divmod(value.m, 10**value.scale)
    return whole.astype(np.int64), rest != 0


# -- numbers ----------------------------------------------------------------------------------------


def _extreme(pick: str):  # type: ignore[no-untyped-def]
    def run(ctx, node, *values: Vec) -> Vec:  # type: ignore[no-untyped-def]
        result = values[0]
        for other in values[1:]:
            if isinstance(result, Num):
                left, right = vv.compare(result, other)  # type: ignore[arg-type]
                scale = max(result.scale, other.scale)  # type: ignore[attr-defined]
                chosen = np.minimum(left, right) if pick == "min" else np.maximum(left, right)
                result = Num(result.known, result.err, chosen, scale)
            else:
                chosen = np.minimum(result.v, other.v) if pick == "min" else np.maximum(result.v, other.v)  # type: ignore[attr-defined]
                result = type(result)(result.known, result.err, chosen)  # type: ignore[call-arg]
        return type(result)(*_ok(len(result.known)), *_payload(result))  # type: ignore[call-arg]

    return run


def _payload(value: Vec) -> tuple:
    if isinstance(value, Num):
        return (value.m, value.scale)
    return (value.v,)  # type: ignore[attr-defined]


def _abs(ctx, node, x: Num) -> Vec:  # type: ignore[no-untyped-def]
    return Num(
        *_ok(len(x.m)), np.abs(x.m) if x.m.dtype != object else np.array([abs(v) for v in x.m], dtype=object), x.scale
    )


def _clamp(ctx, node, x: Num, low: Num, high: Num) -> Vec:  # type: ignore[no-untyped-def]
    low_m, high_m = vv.compare(low, high)
    bad = high_m < low_m
    raised = _extreme("max")(ctx, node, x, low)
    result = _extreme("min")(ctx, node, raised, high)
    result.err = bad
    return result


def _round(ctx, node, x: Num, mode: Texts) -> Vec:  # type: ignore[no-untyped-def]
    spec = parse_rounding(_literal(node, 1))
    rounded = vv.round_to(x, spec.places, spec.mode)
    return Num(*_ok(len(x.m)), rounded.m, rounded.scale)


# -- parameters ---------------------------------------------------------------------------------------


def _key_texts(keys: list[Vec]) -> list[np.ndarray]:
    texts = []
    for key in keys:
        if isinstance(key, Num):
            whole, fraction = np.divmod(key.m, 10**key.scale)
            as_text = np.where(fraction == 0, whole.astype(str), [str(v) for v in key.decimals()])
            texts.append(np.asarray(as_text, dtype=object))
        else:  # unknown rows hold None: any text will do, the caller masks them
            texts.append(np.array([v if isinstance(v, str) else "" for v in key.v], dtype=object))  # type: ignore[attr-defined]
    return texts


def _lookup(ctx, node, name: str, keys: list[Vec], at: Days | None):  # type: ignore[no-untyped-def]
    """For every row: the series value in force (as Python objects) and whether it failed."""
    parameter = ctx.ruleset.params[name]
    n = len(keys[0].known) if keys else (len(at.v) if at is not None else ctx.n)
    days = at.v if at is not None else np.full(n, ctx.as_of_day, dtype=np.int64)
    texts = _key_texts(keys)
    combined = (
        np.array(["\x1f".join(parts) for parts in zip(*texts, strict=True)], dtype=object)
        if texts
        else np.full(n, "", dtype=object)
    )
    values = np.empty(n, dtype=object)
    failed = np.zeros(n, dtype=bool)
    for key_text in np.unique(combined) if n else []:
        rows = np.flatnonzero(combined == key_text)
        key = tuple(key_text.split("\x1f")) if texts else ()
        try:
            if parameter.series is not None:
                series = parameter.series
            else:
                series = parameter.table.get(parameter.resolve_key(key))
                if series is None:
                    failed[rows] = True
                    continue
        except (ParameterNotFoundError, ValueError, ArithmeticError):
            failed[rows] = True
            continue
        dates = np.array([(d - EPOCH).days for d in series.dates], dtype=np.int64)
        position = np.searchsorted(dates, days[rows], side="right") - 1
        outside = position < 0
        if series.until is not None:
            outside |= days[rows] > (series.until - EPOCH).days
        failed[rows[outside]] = True
        good = rows[~outside]
        for row, index in zip(good, position[~outside], strict=True):
            values[row] = series.values[index].value
    return values, failed


def _decimals_to_num(values: np.ndarray, failed: np.ndarray) -> Num:
    present = [v for v in values if v is not None]
    scale = max((max(0, -v.as_tuple().exponent) for v in present), default=0)
    mantissas = [int(v.scaleb(scale)) if v is not None else 0 for v in values]
    big = any(abs(m) >= vv.INT64_SAFE for m in mantissas)
    n = len(values)
    return Num(np.ones(n, dtype=bool), failed.copy(), np.array(mantissas, dtype=object if big else np.int64), scale)


def _param(ctx, node, name: Texts, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    values, failed = _lookup(ctx, node, _literal(node, 0), list(keys), at)
    return _decimals_to_num(values, failed)


def _param_exists(ctx, node, name: Texts, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    _values, failed = _lookup(ctx, node, _literal(node, 0), list(keys), at)
    return Bools(*_ok(len(failed)), ~failed)


def _scale_apply(ctx, node, x: Num, keys: list[Vec], at: Days | None, marginal: bool) -> Vec:  # type: ignore[no-untyped-def]
    scales, failed = _lookup(ctx, node, _literal(node, 0), keys, at)
    results = np.empty(len(scales), dtype=object)
    from engine.params import bracket_value, marginal_value

    amounts = x.decimals()
    for row, (scale, amount) in enumerate(zip(scales, amounts, strict=True)):
        if failed[row] or scale is None or amount is None:
            results[row] = None
            continue
        brackets: tuple[Bracket, ...] = scale
        value = marginal_value(brackets, amount) if marginal else bracket_value(brackets, amount)
        if value is None:
            failed[row] = True
        results[row] = value
    return _decimals_to_num(results, failed)


def _bracket(ctx, node, name: Texts, x: Num, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    return _scale_apply(ctx, node, x, list(keys), at, marginal=False)


def _marginal(ctx, node, name: Texts, x: Num, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    return _scale_apply(ctx, node, x, list(keys), at, marginal=True)


# -- dates ------------------------------------------------------------------------------------------


def _member(ctx, person: Refs, column: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return ctx.frames.members[column].to_numpy()[person.idx]


def _age(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    return vv.num_ints(full_years(_member(ctx, person, "birth_day"), on.v))


def _age_months(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    return vv.num_ints(full_months(_member(ctx, person, "birth_day"), on.v))


def _months_between(ctx, node, start: Days, end: Days) -> Vec:  # type: ignore[no-untyped-def]
    return vv.num_ints(full_months(start.v, end.v))


def _add_months(ctx, node, value: Vec, months: Num) -> Vec:  # type: ignore[no-untyped-def]
    count, fractional = _integral(months)
    ok = _ok(len(count))
    if isinstance(value, Months):
        return Months(ok[0], fractional, value.v + count)
    return Days(ok[0], fractional, add_months_days(value.v, count))  # type: ignore[attr-defined]


def _add_days(ctx, node, value: Days, days: Num) -> Vec:  # type: ignore[no-untyped-def]
    count, fractional = _integral(days)
    return Days(np.ones(len(count), dtype=bool), fractional, value.v + count)


def _days_between(ctx, node, start: Days, end: Days) -> Vec:  # type: ignore[no-untyped-def]
    return vv.num_ints(end.v - start.v)


def _start_of_month(ctx, node, value: Vec) -> Vec:  # type: ignore[no-untyped-def]
    index = value.v if isinstance(value, Months) else month_index_of(value.v)  # type: ignore[attr-defined]
    return Days(*_ok(len(index)), month_start(index))


def _end_of_month(ctx, node, value: Vec) -> Vec:  # type: ignore[no-untyped-def]
    index = value.v if isinstance(value, Months) else month_index_of(value.v)  # type: ignore[attr-defined]
    return Days(*_ok(len(index)), month_end(index))


def _month(ctx, node, value: Vec) -> Vec:  # type: ignore[no-untyped-def]
    if isinstance(value, Texts):
        from engine.periods import Month

        index = np.array([Month.parse(text).index for text in value.v], dtype=np.int64)
        return Months(*_ok(len(index)), index)
    return Months(*_ok(len(value.v)), month_index_of(value.v))  # type: ignore[attr-defined]


def _date(ctx, node, text: Texts) -> Vec:  # type: ignore[no-untyped-def]
    day = (date.fromisoformat(_literal(node, 0)) - EPOCH).days
    return Days(*_ok(len(text.v)), np.full(len(text.v), day, dtype=np.int64))


def _window(ctx, node, ending: Months, months: Num) -> Vec:  # type: ignore[no-untyped-def]
    count, fractional = _integral(months)
    return Windows(np.ones(len(count), dtype=bool), fractional | (count < 1), ending.v - count + 1, ending.v.copy())


def _year_window(ctx, node, year: Num) -> Vec:  # type: ignore[no-untyped-def]
    number, fractional = _integral(year)
    bad = fractional | (number < 1900) | (number > 2200)
    return Windows(np.ones(len(number), dtype=bool), bad, number * 12, number * 12 + 11)


# -- categories, disability, pregnancy, documents ---------------------------------------------------------


def _rows_matching(
    ctx,
    table: str,
    person: Refs,
    on: np.ndarray | None,
    column: str | None,  # type: ignore[no-untyped-def]
    codes: np.ndarray | tuple | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (query row, table row) of each person's rows of a table, in the person's order,
    filtered by a code (one per query row, or a set) and a date inside [start, end]."""
    from engine.backends.vector_ops import _column, _grouped

    starts, counts = _grouped(ctx, table, "member", len(ctx.frames.members))
    rows, table_rows = expand(starts[person.idx], counts[person.idx])
    keep = np.ones(len(rows), dtype=bool)
    if column is not None and codes is not None:
        values = _column(ctx, table, column)[table_rows]
        if isinstance(codes, np.ndarray):
            keep &= values == codes[rows]
        else:
            keep &= np.isin(values, list(codes))
    if on is not None:
        keep &= (_column(ctx, table, "start")[table_rows] <= on[rows]) & (
            on[rows] <= _column(ctx, table, "end")[table_rows]
        )
    return rows[keep], table_rows[keep]


def _has_category(ctx, node, person: Refs, code: Texts, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    rows, _table_rows = _rows_matching(ctx, "categories", person, on.v, "code", code.v.astype(object))
    result = np.zeros(len(person.idx), dtype=bool)
    result[rows] = True
    return Bools(*_ok(len(result)), result)


def _category_start(ctx, node, person: Refs, code: Texts, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    from engine.backends.vector_ops import _column

    rows, table_rows = _rows_matching(ctx, "categories", person, on.v, "code", code.v.astype(object))
    n = len(person.idx)
    first = np.concatenate([[True], rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, dtype=bool)
    start = np.full(n, NO_DAY, dtype=np.int64)
    start[rows[first]] = _column(ctx, "categories", "start")[table_rows[first]]
    holds = np.zeros(n, dtype=bool)
    holds[rows[first]] = True
    known = ~holds | (start != OPEN_START)
    return Days(known, ~holds, start)


def _categories(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    from engine.backends.vector_ops import _column

    rows, table_rows = _rows_matching(ctx, "categories", person, on.v, None, None)
    pairs = pd.DataFrame({"row": rows, "code": _column(ctx, "categories", "code")[table_rows]})
    unique = pairs.drop_duplicates().sort_values(["row", "code"])
    n = len(person.idx)
    items = unique["code"].to_numpy(dtype=object)
    return Lists(*_ok(n), unique["row"].to_numpy().astype(np.int64), Texts(*_ok(len(items)), items))


def _disability_active(ctx, person: Refs, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    group = _member(ctx, person, "disability_group")
    start = _member(ctx, person, "disability_from")
    end = _member(ctx, person, "disability_to")
    present = np.array([g is not None and g == g for g in group], dtype=bool)
    active = present & (start <= on) & (on <= end)
    return group, active


def _disability_group(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    group, active = _disability_active(ctx, person, on.v)
    numbers = np.array(
        [int(g) if a and g != "child" else 0 for g, a in zip(group, active, strict=True)], dtype=np.int64
    )
    return vv.num_ints(numbers)


def _is_disabled_child(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    group, active = _disability_active(ctx, person, on.v)
    return Bools(*_ok(len(active)), active & (group == "child"))


def _pregnancy_weeks_on(ctx, person: Refs, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    registered = _member(ctx, person, "pregnancy_day")
    weeks_then = _member(ctx, person, "pregnancy_weeks")
    expected = _member(ctx, person, "pregnancy_expected")
    has = registered != NO_DAY
    weeks = weeks_then + np.floor_divide(on - np.where(has, registered, 0), 7)
    pregnant = has & (on >= registered) & ~((expected != NO_DAY) & (on > expected)) & (weeks <= 42)
    return pregnant, np.where(pregnant, weeks, 0)


def _is_pregnant(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    pregnant, _weeks = _pregnancy_weeks_on(ctx, person, on.v)
    return Bools(*_ok(len(pregnant)), pregnant)


def _pregnancy_weeks(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    _pregnant, weeks = _pregnancy_weeks_on(ctx, person, on.v)
    return vv.num_ints(weeks)


def _pregnancy_registration_weeks(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    has = _member(ctx, person, "pregnancy_day") != NO_DAY
    return vv.num_ints(np.where(has, _member(ctx, person, "pregnancy_weeks"), 0))


def _pregnancy_registered_on(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    day = _member(ctx, person, "pregnancy_day")
    return Days(np.ones(len(day), dtype=bool), day == NO_DAY, day)


def _expected_birth(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    has = _member(ctx, person, "pregnancy_day") != NO_DAY
    expected = _member(ctx, person, "pregnancy_expected")
    return Days(expected != NO_DAY, ~has, expected)


def _has_document(ctx, node, person: Refs, kind: Texts) -> Vec:  # type: ignore[no-untyped-def]
    rows, _table_rows = _rows_matching(ctx, "documents", person, None, "kind", kind.v.astype(object))
    result = np.zeros(len(person.idx), dtype=bool)
    result[rows] = True
    return Bools(*_ok(len(result)), result)


# -- incomes and reasons -------------------------------------------------------------------------------

_SHIFT = 2**20  # month numbers stay below; member rows above


def _income_index(ctx, kinds: tuple[str, ...] | None, exclude: tuple[str, ...] | None):  # type: ignore[no-untyped-def]
    key = ("incomes", kinds, exclude)
    found = ctx.cache.get(key)
    if found is None:
        incomes = ctx.frames.incomes
        mask = np.ones(len(incomes), dtype=bool)
        if kinds is not None:
            mask &= incomes["kind"].isin(kinds).to_numpy()
        if exclude is not None:
            mask &= ~incomes["kind"].isin(exclude).to_numpy()
        chosen = incomes[mask]
        monthly = chosen.groupby(["member", "month"], sort=True)["amount"].sum()
        keys = monthly.index.get_level_values(0).to_numpy().astype(np.int64) * _SHIFT + monthly.index.get_level_values(
            1
        ).to_numpy().astype(np.int64)
        amounts = monthly.to_numpy().astype(np.int64)
        found = ctx.cache[key] = (
            keys,
            np.concatenate([[0], np.cumsum(amounts)]),
            np.concatenate([[0], np.cumsum(amounts > 0)]),
        )
    return found


def _income_known(ctx, person: Refs, window: Windows) -> np.ndarray:  # type: ignore[no-untyped-def]
    first = _member(ctx, person, "incomes_first")
    last = _member(ctx, person, "incomes_last")
    return (first != NO_MONTH) & (window.first >= first) & (window.last <= last)


def _income_window(ctx, node, person: Refs, window: Windows, which: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    keys, amounts, positive = _income_index(ctx, _kinds(node, "kinds"), _kinds(node, "exclude"))
    low = np.searchsorted(keys, person.idx * _SHIFT + window.first, side="left")
    high = np.searchsorted(keys, person.idx * _SHIFT + window.last, side="right")
    prefix = amounts if which == 0 else positive
    return prefix[high] - prefix[low], _income_known(ctx, person, window)


def _income(
    ctx,
    node,
    person: Refs,
    window: Windows,
    kinds: Lists | None = None,  # type: ignore[no-untyped-def]
    exclude: Lists | None = None,
) -> Vec:
    total, known = _income_window(ctx, node, person, window, 0)
    return Num(known, np.zeros(len(known), dtype=bool), total, 2)


def _income_months(
    ctx,
    node,
    person: Refs,
    window: Windows,
    kinds: Lists | None = None,  # type: ignore[no-untyped-def]
    exclude: Lists | None = None,
) -> Vec:
    count, known = _income_window(ctx, node, person, window, 1)
    return Num(known, np.zeros(len(known), dtype=bool), count.astype(np.int64), 0)


def _reason_months(ctx, node, person: Refs, window: Windows, kinds: Lists | None = None) -> Vec:  # type: ignore[no-untyped-def]
    wanted = _kinds(node, "kinds")
    known = _member(ctx, person, "reasons_known")
    from engine.backends.vector_ops import _column

    rows, table_rows = _rows_matching(ctx, "reasons", person, None, "kind" if wanted else None, wanted)
    n = len(person.idx)
    counts = np.zeros(n, dtype=np.int64)
    if len(rows):
        first = np.maximum(window.first[rows], month_index_of(_column(ctx, "reasons", "start")[table_rows]))
        ends = _column(ctx, "reasons", "end")[table_rows]
        open_end = ends >= OPEN_END
        last = np.where(
            open_end, window.last[rows], np.minimum(window.last[rows], month_index_of(np.where(open_end, 0, ends)))
        )
        spans = pd.DataFrame({"row": rows, "first": first, "last": last})
        spans = spans[spans["last"] >= spans["first"]].sort_values(["row", "first"], kind="stable")
        if len(spans):
            reach = spans.groupby("row")["last"].cummax()
            previous = reach.groupby(spans["row"]).shift(fill_value=np.iinfo(np.int64).min)
            begin = np.maximum(spans["first"].to_numpy(), previous.to_numpy() + 1)
            covered = np.maximum(0, spans["last"].to_numpy() - begin + 1)
            np.add.at(counts, spans["row"].to_numpy(), covered)
    return Num(known, np.zeros(n, dtype=bool), counts, 0)


def _has_reason(ctx, node, person: Refs, on: Days, kinds: Lists | None = None) -> Vec:  # type: ignore[no-untyped-def]
    wanted = _kinds(node, "kinds")
    known = _member(ctx, person, "reasons_known")
    rows, _table_rows = _rows_matching(ctx, "reasons", person, on.v, "kind" if wanted else None, wanted)
    result = np.zeros(len(person.idx), dtype=bool)
    result[rows] = True
    return Bools(known, np.zeros(len(result), dtype=bool), result)


IMPLEMENTATIONS = {
    "min": _extreme("min"),
    "max": _extreme("max"),
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
    "pregnancy_registration_weeks": _pregnancy_registration_weeks,
    "pregnancy_registered_on": _pregnancy_registered_on,
    "expected_birth": _expected_birth,
    "income": _income,
    "income_months": _income_months,
    "reason_months": _reason_months,
    "has_reason": _has_reason,
    "has_document": _has_document,
}

__all__ = ["IMPLEMENTATIONS", "expand"]
