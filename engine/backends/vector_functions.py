"""The function library on arrays. Each implementation gets the evaluated arguments (unknown
and error rows are masked by the caller) and returns a value with its own ``known``/``err``
where the function itself decides them, exactly as ``scalar_ops`` does row by row."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from engine import ast
from engine.backends import vector_values as vv
from engine.backends.branchless import choose
from engine.backends.vector_ops import (
    _column,
    add_months_days,
    days_in_month,
    expand,
    full_months,
    group_bounds,
    month_end,
    month_index_of,
    month_start,
    ymd,
)
from engine.backends.vector_values import Bools, Days, Lists, Months, Num, Refs, Texts, Vec, Windows
from engine.errors import ParameterNotFoundError
from engine.frames import NO_DAY, NO_MONTH, OPEN_END, OPEN_START
from engine.money import parse_rounding
from engine.params import Bracket, Series

EPOCH = date(1970, 1, 1)


def _ok(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks for n rows all known, none an error (uniform: no arrays of n)."""
    return vv.ones(n), vv.zeros(n)


def _literal(node: ast.Call, position: int) -> Any:
    return node.args[position].value  # type: ignore[attr-defined]


def _kinds(node: ast.Call, name: str) -> tuple[str, ...] | None:
    for key, value in node.keywords:
        if key == name:
            return tuple(item.value for item in value.items)  # type: ignore[attr-defined]
    return None


def _integral(value: Num) -> tuple[np.ndarray, np.ndarray]:
    """(integer values, rows that are not whole numbers)."""
    unit = 10**value.scale
    whole = value.m // unit  # by one number: numpy's fast path (np.divmod is not)
    return whole.astype(np.int64), value.m - whole * unit != 0


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


class _SeriesArrays:
    """One series as arrays: its dates as day numbers and its values as mantissas at one scale."""

    __slots__ = ("days", "mantissas", "scale", "series", "until")

    def __init__(self, series: Series) -> None:
        self.series = series
        self.days = np.array([(d - EPOCH).days for d in series.dates], dtype=np.int64)
        self.until = None if series.until is None else (series.until - EPOCH).days
        values = [v.value for v in series.values]
        if all(isinstance(v, Decimal) for v in values):
            self.scale = max(max(0, -v.as_tuple().exponent) for v in values)  # type: ignore[union-attr, operator]
            whole = [int(v.scaleb(self.scale)) for v in values]  # type: ignore[union-attr]
            big = any(abs(m) >= vv.INT64_SAFE for m in whole)
            self.mantissas = np.array(whole, dtype=object if big else np.int64)
        else:  # a scale: brackets stay objects
            self.scale = 0
            self.mantissas = np.empty(len(values), dtype=object)
            for index, value in enumerate(values):
                self.mantissas[index] = value


def _arrays(ctx, parameter, key: tuple[str, ...]) -> _SeriesArrays | None:  # type: ignore[no-untyped-def]
    """The arrays of the series a key selects (memoised per rule set); ``None`` when there is none."""
    memo = ctx.program.parameters
    found = memo.get((parameter.name, key), False)
    if found is False:
        try:
            series = (
                parameter.series if parameter.series is not None else parameter.table.get(parameter.resolve_key(key))
            )
        except (ParameterNotFoundError, ValueError, ArithmeticError):
            series = None
        found = memo[(parameter.name, key)] = None if series is None else _SeriesArrays(series)
    return found  # type: ignore[no-any-return]


def _key_codes(key: Vec) -> tuple[np.ndarray, list[str]]:
    """Each row's code among the key's distinct texts, and those texts (as the scalar backend writes them)."""
    if isinstance(key, Num):
        uniques, codes = np.unique(key.m, return_inverse=True)
        texts = [_key_text(Decimal(int(m)).scaleb(-key.scale)) for m in uniques]
        return codes.astype(np.int64), texts
    if isinstance(key, Texts) and key.codes is not None and key.categories is not None:
        codes, texts = key.codes, [str(v) for v in key.categories]  # a categorical column's own
    else:
        codes, uniques = pd.factorize(key.v, use_na_sentinel=True)  # type: ignore[attr-defined]
        texts = [str(v) for v in uniques]
    codes = choose(codes < 0, len(texts), codes)  # unknown rows: any text will do, the caller masks them
    return codes.astype(np.int64), [*texts, ""]


def _key_text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


class _Found:
    """A parameter looked up for every row: the series each row uses and its value's position."""

    __slots__ = ("failed", "groups", "n")

    def __init__(self, n: int) -> None:
        self.n = n
        self.failed = np.zeros(n, dtype=bool)
        self.groups: list[tuple[np.ndarray | slice, _SeriesArrays, np.ndarray]] = []  # rows, series, positions

    def num(self) -> Num:
        scale = max((arrays.scale for _rows, arrays, _pos in self.groups), default=0)
        parts = [
            (rows, vv.rescale(arrays.mantissas[positions], 10 ** (scale - arrays.scale)))
            for rows, arrays, positions in self.groups
        ]
        big = any(values.dtype == object for _rows, values in parts)
        mantissas = np.zeros(self.n, dtype=object if big else np.int64)
        for rows, values in parts:
            mantissas[rows] = values
        return Num(np.ones(self.n, dtype=bool), self.failed.copy(), mantissas, scale)

    def objects(self) -> np.ndarray:
        values = np.full(self.n, None, dtype=object)
        for rows, arrays, positions in self.groups:
            values[rows] = arrays.mantissas[positions]
        return values


def _lookup(ctx, node, name: str, keys: list[Vec], at: Days | None) -> _Found:  # type: ignore[no-untyped-def]
    """For every row: the series value in force and whether the lookup failed."""
    parameter = ctx.ruleset.params[name]
    n = len(keys[0].known) if keys else (len(at.v) if at is not None else ctx.n)
    days = at.v if at is not None else np.full(n, ctx.as_of_day, dtype=np.int64)
    found = _Found(n)
    if not n:
        return found
    if not keys:
        groups: list[tuple[np.ndarray | slice, tuple[str, ...]]] = [(slice(None), ())]
    else:
        combined = np.zeros(n, dtype=np.int64)
        texts: list[list[str]] = []
        for key in keys:
            codes, key_texts = _key_codes(key)
            combined = combined * len(key_texts) + codes
            texts.append(key_texts)
        uniques, order, bounds = _groups_of(combined, math.prod(len(key_texts) for key_texts in texts))
        groups = []
        for number, code in enumerate(uniques.tolist()):
            parts = []
            for key_texts in reversed(texts):
                code, part = divmod(code, len(key_texts))
                parts.append(key_texts[part])
            rows = slice(None) if order is None else order[(bounds[number - 1] if number else 0) : bounds[number]]
            groups.append((rows, tuple(reversed(parts))))
    for rows, key in groups:
        arrays = _arrays(ctx, parameter, key)
        if arrays is None:
            found.failed[rows] = True
            continue
        on = days[rows]
        positions = np.searchsorted(arrays.days, on, side="right") - 1
        outside = positions < 0
        if arrays.until is not None:
            outside |= on > arrays.until
        if outside.any():
            found.failed[rows] = found.failed[rows] | outside
            positions = choose(outside, 0, positions)
        found.groups.append((rows, arrays, positions))
    return found


_COUNTED_KEYS = 2**16  # combined keys below this: counted, and sorted by radix (a 16-bit stable sort)


def _groups_of(combined: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The distinct keys of the rows (ascending), the rows ordered by key (stable; ``None`` when
    every row has one key: all of them, in order) and where each key's rows end in that order."""
    if space <= _COUNTED_KEYS:
        counts = np.bincount(combined, minlength=space)
        uniques = np.flatnonzero(counts)
        if len(uniques) == 1:
            return uniques, None, counts[uniques]
        return uniques, np.argsort(combined.astype(np.uint16), kind="stable"), np.cumsum(counts[uniques])
    uniques, inverse = np.unique(combined, return_inverse=True)
    return uniques, np.argsort(inverse, kind="stable"), np.cumsum(np.bincount(inverse, minlength=len(uniques)))


def _param(ctx, node, name: Texts, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    day = ctx.as_of_day if at is None else _one_value(at.v)
    if keys or day is None or not ctx.n:
        return _lookup(ctx, node, _literal(node, 0), list(keys), at).num()
    # No key, one day for every row: one lookup, spread.
    cache_key = ("param", ctx.ruleset.version, _literal(node, 0), day)
    found = ctx.cache.get(cache_key)
    if found is None:
        one = _lookup(ctx, node, _literal(node, 0), [], Days(*_ok(1), np.array([day], dtype=np.int64))).num()
        found = ctx.cache[cache_key] = (one.m[0], one.scale, bool(one.err[0]), one.m.dtype)
    mantissa, scale, failed, dtype = found
    n = len(at.v) if at is not None else ctx.n
    return Num(vv.ones(n), vv.ones(n) if failed else vv.zeros(n), vv.spread(mantissa, n, dtype), scale)


def _param_exists(ctx, node, name: Texts, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    found = _lookup(ctx, node, _literal(node, 0), list(keys), at)
    return Bools(*_ok(found.n), ~found.failed)


def _scale_apply(ctx, node, x: Num, keys: list[Vec], at: Days | None, marginal: bool) -> Vec:  # type: ignore[no-untyped-def]
    from engine.params import bracket_value, marginal_value

    found = _lookup(ctx, node, _literal(node, 0), keys, at)
    scales, failed = found.objects(), found.failed.copy()
    results = np.full(len(scales), None, dtype=object)
    amounts = x.decimals()
    for row in np.flatnonzero(~failed):
        brackets: tuple[Bracket, ...] = scales[row]
        amount = amounts[row]
        if amount is None:
            continue
        value = marginal_value(brackets, amount) if marginal else bracket_value(brackets, amount)
        if value is None:
            failed[row] = True
        results[row] = value
    return _decimals_to_num(results, failed)


def _decimals_to_num(values: np.ndarray, failed: np.ndarray) -> Num:
    present = [v for v in values if v is not None]
    scale = max((max(0, -v.as_tuple().exponent) for v in present), default=0)
    mantissas = [int(v.scaleb(scale)) if v is not None else 0 for v in values]
    big = any(abs(m) >= vv.INT64_SAFE for m in mantissas)
    n = len(values)
    return Num(np.ones(n, dtype=bool), failed.copy(), np.array(mantissas, dtype=object if big else np.int64), scale)


def _bracket(ctx, node, name: Texts, x: Num, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    return _scale_apply(ctx, node, x, list(keys), at, marginal=False)


def _marginal(ctx, node, name: Texts, x: Num, *keys: Vec, at: Days | None = None) -> Vec:  # type: ignore[no-untyped-def]
    return _scale_apply(ctx, node, x, list(keys), at, marginal=True)


# -- dates ------------------------------------------------------------------------------------------


def _member(ctx, person: Refs, column: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return _column(ctx, "members", column)[person.idx]


def _age(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    # The birth dates' calendar parts once per frames; the dates' own once per call (one for
    # every row, as ``age(period.end)``, or one per row).
    years, month_days = _birth_parts(ctx)
    day = _one_value(on.v)
    on_year, on_month, on_day = ymd(on.v if day is None else np.array([day], dtype=np.int64))  # broadcast
    before = month_days[person.idx] > on_month * 32 + on_day
    return vv.num_ints(on_year - years[person.idx] - before)


def _one_value(values: np.ndarray) -> int | None:
    """The value every row has, or None."""
    one = vv.single(values)
    if one is not None:
        return int(one)
    if not len(values) or values[0] != values.min() or values[0] != values.max():
        return None
    return int(values[0])


def _birth_parts(ctx) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per member: birth year, and month × 32 + day (ordered as the calendar is)."""
    found = ctx.cache.get(("birth parts",))
    if found is None:
        years, months, days = ymd(_column(ctx, "members", "birth_day").values)
        found = ctx.cache[("birth parts",)] = (years, months * 32 + days)
    return found


def _age_months(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    day = _one_value(on.v)
    if day is not None and len(ctx.frames.members):
        # One date for every row: the months from the birth month, less one when the birthday's
        # day (clamped to the month's length, as add_months does) is still ahead (art. 192).
        years, month_days = _birth_parts(ctx)
        birth_years, birth_month_days = years[person.idx], month_days[person.idx]
        (on_year,), (on_month,), (on_day,) = ymd(np.array([day], dtype=np.int64))
        if (birth_years * 12 * 32 + birth_month_days <= on_year * 12 * 32 + on_month * 32 + on_day).all():
            last_day = int(days_in_month(np.array([on_year]), np.array([on_month]))[0])
            months = (on_year - birth_years) * 12 + on_month - birth_month_days // 32
            return vv.num_ints(months - (np.minimum(birth_month_days % 32, last_day) > on_day))
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

        codes, texts = pd.factorize(value.v, use_na_sentinel=True)  # each distinct text parsed once
        parsed = np.array([Month.parse(text).index for text in texts] + [0], dtype=np.int64)
        index = parsed[codes]  # unknown rows (code -1) take the 0 appended: the caller masks them
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
    codes: np.ndarray | tuple | str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (query row, table row) of each person's rows of a table, in the person's order,
    filtered by a code (one per query row, a set, or one text for every row) and a date inside
    [start, end]."""
    from engine.backends.vector_ops import _column, _grouped

    if column is not None and isinstance(codes, str):  # one code: only the rows of that code are looked at
        starts, counts, coded = _rows_of_code(ctx, table, column, codes)
        rows, found = expand(starts[person.idx], counts[person.idx])
        table_rows = coded[found]
        codes = None
    else:
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


def _coded_rows(ctx, table: str, column: str, code: str) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The rows of a table whose ``column`` is ``code``, in order, and their members; once per
    frames (a categorical column compared by its codes)."""
    key = ("rows of code", table, column, code)
    found = ctx.cache.get(key)
    if found is None:
        values = _column(ctx, table, column)
        if values.codes is not None and values.categories is not None:
            position = np.flatnonzero(values.categories == code)
            match = values.codes.values == position[0] if len(position) else np.zeros(len(values.values), dtype=bool)
        else:
            match = values.values == code
        coded = np.flatnonzero(match)
        found = ctx.cache[key] = (coded, getattr(ctx.frames, table)["member"].to_numpy()[coded])
    return found  # type: ignore[no-any-return]


def _rows_of_code(ctx, table: str, column: str, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """``_coded_rows`` of a table sorted by member, with where each member's begin among them and
    how many: counts as long as the register, made for each call rather than kept for every code."""
    coded, members = _coded_rows(ctx, table, column, code)
    return (*group_bounds(members, len(ctx.frames.members)), coded)


def _one_text(texts: Texts) -> str | np.ndarray:
    """A code argument as ``_rows_matching`` takes it: the one text of a literal, else per row."""
    literal = vv.single(texts.v)
    return literal if isinstance(literal, str) else texts.v.astype(object)


def _has_category(ctx, node, person: Refs, code: Texts, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    day = _one_value(on.v)
    literal = vv.single(code.v)
    if day is not None and literal is not None and len(ctx.frames.members):
        # One code (a literal: a ``spread`` column) on one day for every row: a flag per member, once.
        key = ("has category", literal, day)
        flags = ctx.cache.get(key)
        if flags is None:
            categories = ctx.frames.categories
            coded, members = _coded_rows(ctx, "categories", "code", literal)
            valid = (categories["start"].to_numpy()[coded] <= day) & (day <= categories["end"].to_numpy()[coded])
            flags = np.zeros(len(ctx.frames.members), dtype=bool)
            flags[members[valid]] = True
            ctx.cache[key] = flags  # kept only when whole: threads may read the cache meanwhile
        return Bools(*_ok(len(person.idx)), flags[person.idx])
    rows, _table_rows = _rows_matching(ctx, "categories", person, on.v, "code", _one_text(code))
    result = np.zeros(len(person.idx), dtype=bool)
    result[rows] = True
    return Bools(*_ok(len(result)), result)


def _category_start(ctx, node, person: Refs, code: Texts, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    from engine.backends.vector_ops import _column

    rows, table_rows = _rows_matching(ctx, "categories", person, on.v, "code", _one_text(code))
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


def _disability_columns(ctx) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per member: the disability group as a number (0 for none and for a child) and whether it
    is a disabled child's status, each distinct text converted once."""
    key = ("disability",)
    found = ctx.cache.get(key)
    if found is None:
        codes, groups = pd.factorize(ctx.frames.members["disability_group"].to_numpy(dtype=object))
        numbers = np.array([0 if g == "child" else int(g) for g in groups] + [0], dtype=np.int64)
        child = np.array([g == "child" for g in groups] + [False], dtype=bool)
        present = codes >= 0
        found = ctx.cache[key] = (present, choose(present, numbers[codes], 0), choose(present, child[codes], False))
    return found  # type: ignore[no-any-return]


def _disability_active(ctx, person: Refs, on: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per row: the group number, whether it is a child's status, and whether it is in force on ``on``."""
    present, numbers, child = _disability_columns(ctx)
    start = _member(ctx, person, "disability_from")
    end = _member(ctx, person, "disability_to")
    active = present[person.idx] & (start <= on) & (on <= end)
    return numbers[person.idx], child[person.idx], active


def _disability_group(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    numbers, _child, active = _disability_active(ctx, person, on.v)
    return vv.num_ints(choose(active, numbers, 0))


def _is_disabled_child(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    _numbers, child, active = _disability_active(ctx, person, on.v)
    return Bools(*_ok(len(active)), active & child)


def _pregnancy_weeks_on(ctx, person: Refs, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    registered = _member(ctx, person, "pregnancy_day")
    weeks_then = _member(ctx, person, "pregnancy_weeks")
    expected = _member(ctx, person, "pregnancy_expected")
    has = registered != NO_DAY
    weeks = weeks_then + np.floor_divide(on - choose(has, registered, 0), 7)
    pregnant = has & (on >= registered) & ~((expected != NO_DAY) & (on > expected)) & (weeks <= 42)
    return pregnant, choose(pregnant, weeks, 0)


def _is_pregnant(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    pregnant, _weeks = _pregnancy_weeks_on(ctx, person, on.v)
    return Bools(*_ok(len(pregnant)), pregnant)


def _pregnancy_weeks(ctx, node, person: Refs, on: Days) -> Vec:  # type: ignore[no-untyped-def]
    _pregnant, weeks = _pregnancy_weeks_on(ctx, person, on.v)
    return vv.num_ints(weeks)


def _pregnancy_registration_weeks(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    has = _member(ctx, person, "pregnancy_day") != NO_DAY
    return vv.num_ints(choose(has, _member(ctx, person, "pregnancy_weeks"), 0))


def _pregnancy_registered_on(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    day = _member(ctx, person, "pregnancy_day")
    return Days(np.ones(len(day), dtype=bool), day == NO_DAY, day)


def _expected_birth(ctx, node, person: Refs) -> Vec:  # type: ignore[no-untyped-def]
    has = _member(ctx, person, "pregnancy_day") != NO_DAY
    expected = _member(ctx, person, "pregnancy_expected")
    return Days(expected != NO_DAY, ~has, expected)


def _has_document(ctx, node, person: Refs, kind: Texts) -> Vec:  # type: ignore[no-untyped-def]
    rows, _table_rows = _rows_matching(ctx, "documents", person, None, "kind", _one_text(kind))
    result = np.zeros(len(person.idx), dtype=bool)
    result[rows] = True
    return Bools(*_ok(len(result)), result)


# -- incomes and reasons -------------------------------------------------------------------------------

_SHIFT = 2**20  # month numbers stay below; member rows above


def _income_index(ctx, kinds: tuple[str, ...] | None, exclude: tuple[str, ...] | None):  # type: ignore[no-untyped-def]
    """Monthly totals of the chosen kinds per (member, month), as sorted keys and prefix sums."""
    key = ("incomes", kinds, exclude)
    found = ctx.cache.get(key)
    if found is None:
        keys, amounts, kind_codes, kind_names = _income_rows(ctx)
        mask = np.ones(len(keys), dtype=bool)
        if kinds is not None:
            mask &= np.isin(kind_codes, [i for i, name in enumerate(kind_names) if name in kinds])
        if exclude is not None:
            mask &= ~np.isin(kind_codes, [i for i, name in enumerate(kind_names) if name in exclude])
        keys, amounts = keys[mask], amounts[mask]
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else keys
        monthly = np.add.reduceat(amounts, starts) if len(keys) else amounts
        found = ctx.cache[key] = (
            keys[starts],
            np.concatenate([[0], np.cumsum(monthly)]),
            np.concatenate([[0], np.cumsum(monthly > 0)]),
        )
    return found


def _income_rows(ctx):  # type: ignore[no-untyped-def]
    """The income table ordered by (member, month): keys, amounts, kind codes and kind names."""
    key = ("income_rows",)
    found = ctx.cache.get(key)
    if found is None:
        incomes = ctx.frames.incomes
        keys = incomes["member"].to_numpy(dtype=np.int64) * _SHIFT + incomes["month"].to_numpy(dtype=np.int64)
        amounts = incomes["amount"].to_numpy(dtype=np.int64)
        codes, names = _income_kinds(ctx)
        if len(keys) and not (keys[1:] >= keys[:-1]).all():
            order = np.argsort(keys, kind="stable")
            keys, amounts, codes = keys[order], amounts[order], codes[order]
        found = ctx.cache[key] = (keys, amounts, codes, list(names))
    return found


def _member_window_totals(ctx, kinds, exclude, first: int, last: int, which: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per member of the frames: the income (``which`` 0) or the months with income (1) of the
    chosen kinds from month ``first`` to ``last`` — one window for all, computed once."""
    key = ("income window", kinds, exclude, first, last, which)
    found = ctx.cache.get(key)
    dense = _income_matrix(ctx) if found is None else None
    if dense is not None:  # a slice of the kind × month × member matrix
        matrix, first_month, names = dense
        chosen = tuple(i for i, wanted in enumerate(_wanted(names, kinds, exclude)) if wanted)
        low, high = max(first, first_month) - first_month, min(last, first_month + matrix.shape[1] - 1) - first_month
        # selections naming kinds the frames do not hold share the sums of those they do
        same = ("income window matrix", chosen, low, high, which)
        found = ctx.cache.get(same)
        if found is None:
            found = ctx.cache[same] = _matrix_window(matrix, chosen, low, high, which)
        ctx.cache[key] = found
    if found is None and which == 0:  # straight from the rows: no per-(member, month) index to build
        _keys, amounts, codes, names = _income_rows(ctx)
        months, bounds = _income_row_months(ctx)
        inside = (months >= first) & (months <= last)
        if kinds is not None or exclude is not None:
            inside &= np.array(_wanted(names, kinds, exclude), dtype=bool)[codes] if len(names) else False
        running = np.concatenate([[0], np.cumsum(choose(inside, amounts, 0))])
        found = ctx.cache[key] = running[bounds[1:]] - running[bounds[:-1]]
    if found is None:
        keys, amounts, positive = _income_index(ctx, kinds, exclude)
        prefix = amounts if which == 0 else positive
        months = keys % _SHIFT
        inside = (months >= first) & (months <= last)
        running = np.concatenate([[0], np.cumsum(choose(inside, np.diff(prefix), 0))])
        bounds = _member_bounds(ctx, keys, kinds, exclude)
        found = ctx.cache[key] = running[bounds[1:]] - running[bounds[:-1]]
    return found


def _matrix_window(matrix: np.ndarray, chosen: tuple[int, ...], low: int, high: int, which: int) -> np.ndarray:
    """Per member: the sum (``which`` 0) or the count of months with a positive total (1) of the
    ``chosen`` kinds' columns ``low``..``high`` of the matrix — whole rows of members at a time."""
    members = matrix.shape[2]
    if not chosen or low > high:
        return np.zeros(members, dtype=np.int64)
    if which == 0:
        total = matrix[chosen[0], low : high + 1].sum(axis=0, dtype=np.int64)
        for kind in chosen[1:]:
            total += matrix[kind, low : high + 1].sum(axis=0, dtype=np.int64)
        return total
    count = np.zeros(members, dtype=np.int64)
    for month in range(low, high + 1):
        count += _kinds_total([matrix[kind, month] for kind in chosen]) > 0
    return count


def _kinds_total(parts: list[np.ndarray]) -> np.ndarray:
    """The sum of the chosen kinds' values (int64 once there are two to add)."""
    if len(parts) == 1:
        return parts[0]
    total = parts[0].astype(np.int64)
    for part in parts[1:]:
        total += part
    return total


def _wanted(names: list[str], kinds: tuple[str, ...] | None, exclude: tuple[str, ...] | None) -> list[bool]:
    """For each income kind of the frames: whether ``kinds=`` and ``exclude=`` choose it."""
    return [(kinds is None or name in kinds) and not (exclude is not None and name in exclude) for name in names]


def _income_kinds(ctx) -> tuple[np.ndarray, list[str]]:  # type: ignore[no-untyped-def]
    """Each income row's kind as a code (-1: none) into the kinds present, once per frames:
    from a categorical column's own codes (no hashing of millions of rows), else factorized."""
    found = ctx.cache.get(("income kinds",))
    if found is None:
        kind = ctx.frames.incomes["kind"]
        if isinstance(kind.dtype, pd.CategoricalDtype):
            codes = kind.cat.codes.to_numpy()
            present = np.bincount(codes.astype(np.int64) + 1, minlength=len(kind.cat.categories) + 1)[1:] > 0
            if not present.all():  # a category no row has: renumbered among the present; -1 stays -1
                codes = np.append(np.cumsum(present) - 1, -1)[codes]
            found = codes, [str(c) for c in kind.cat.categories[present]]
        else:
            codes, names = kind.factorize()
            found = codes.astype(np.int64), [str(name) for name in names]
        ctx.cache[("income kinds",)] = found
    return found


_MATRIX_CELLS = 40_000_000  # kinds × months × members: 160 MB as int32, at most


def _income_matrix(ctx):  # type: ignore[no-untyped-def]
    """The incomes as a kinds × months × members matrix (int32 when every amount fits, else
    int64), with only the kinds the frames hold — a window's total is then the sum of a few whole
    rows — or None when it would be too big. Made from the income table in any order."""
    key = ("income matrix",)
    if key in ctx.cache:
        return ctx.cache[key]
    incomes = ctx.frames.incomes
    members = len(ctx.frames.members)
    found = None
    codes, names = _income_kinds(ctx)
    if len(incomes) and members and codes.min() >= 0:
        months = incomes["month"].to_numpy(dtype=np.int64)
        first_month = int(months.min())
        span = int(months.max()) - first_month + 1
        if len(names) * members * span <= _MATRIX_CELLS:
            amounts = incomes["amount"].to_numpy(dtype=np.int64)
            small = int(amounts.max()) < 2**31 and int(amounts.min()) > -(2**31)
            matrix = np.zeros((len(names), span, members), dtype=np.int32 if small else np.int64)
            where = (codes, months - first_month, incomes["member"].to_numpy(dtype=np.int64))
            matrix[where] = amounts  # one row per (member, month, kind): a frames invariant ...
            if np.count_nonzero(matrix) != np.count_nonzero(amounts):  # ... else add them up, exactly
                matrix = np.zeros(matrix.shape, dtype=np.int64)
                np.add.at(matrix, where, amounts)
            found = (matrix, first_month, list(names))
    ctx.cache[key] = found
    return found


def _dense_windows(ctx, kinds, exclude, person: Refs, window: Windows, which: int) -> np.ndarray | None:  # type: ignore[no-untyped-def]
    """Incomes over windows of one length starting in different months (from each household's
    application, say), gathered from the matrix: None without one, or for windows of several lengths."""
    dense = _income_matrix(ctx)
    if dense is None or not len(person.idx):
        return None
    known = window.known
    length = _one_value((window.last - window.first)[known])
    if length is None or length < 0 or length > 240:
        return None
    matrix, first_month, names = dense
    span = matrix.shape[1]
    chosen = tuple(i for i, wanted in enumerate(_wanted(names, kinds, exclude)) if wanted)
    found = np.zeros(len(person.idx), dtype=np.int64)
    if not chosen:
        return found
    offset = choose(known, window.first - first_month, 0)
    for step in range(length + 1):  # the windows' first months, then their second ...
        column = offset + step
        inside = (column >= 0) & (column < span)
        flat = np.clip(column, 0, span - 1) * matrix.shape[2] + person.idx
        monthly = _kinds_total([matrix[kind].reshape(-1)[flat] for kind in chosen])
        found += choose(inside, monthly, 0) if which == 0 else inside & (monthly > 0)
    return found


def _income_row_months(ctx) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The month of each income row (ordered as ``_income_rows``) and where each member's rows
    begin (and the last member's end)."""
    found = ctx.cache.get(("income row months",))
    if found is None:
        keys = _income_rows(ctx)[0]
        found = (keys % _SHIFT).astype(np.int32), _member_starts(keys, len(ctx.frames.members))
        ctx.cache[("income row months",)] = found
    return found


def _member_bounds(ctx, keys: np.ndarray, kinds, exclude) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``_member_starts`` of a kinds selection's (member, month) index, once."""
    key = ("income bounds", kinds, exclude)
    found = ctx.cache.get(key)
    if found is None:
        found = ctx.cache[key] = _member_starts(keys, len(ctx.frames.members))
    return found


def _member_starts(keys: np.ndarray, members: int) -> np.ndarray:
    """Where each member's rows begin in ascending (member, month) keys, and where the last ends."""
    counts = np.bincount(keys // _SHIFT, minlength=members)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _income_known(ctx, person: Refs, window: Windows) -> np.ndarray:  # type: ignore[no-untyped-def]
    first = _member(ctx, person, "incomes_first")
    last = _member(ctx, person, "incomes_last")
    return (first != NO_MONTH) & (window.first >= first) & (window.last <= last)


def _income_window(ctx, node, person: Refs, window: Windows, which: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    kinds, exclude = _kinds(node, "kinds"), _kinds(node, "exclude")
    first, last = _one_value(window.first), _one_value(window.last)
    if first is not None and last is not None and len(ctx.frames.members):
        totals = _member_window_totals(ctx, kinds, exclude, first, last, which)
        return totals[person.idx], _income_known(ctx, person, window)
    totals = _dense_windows(ctx, kinds, exclude, person, window, which)
    if totals is not None:
        return totals, _income_known(ctx, person, window)
    keys, amounts, positive = _income_index(ctx, kinds, exclude)
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
        last = choose(
            open_end, window.last[rows], np.minimum(window.last[rows], month_index_of(choose(open_end, 0, ends)))
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
