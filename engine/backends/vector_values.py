"""Values of the vector backend: columns with a ``known`` mask and an ``err`` mask.

``known`` is False where the scalar backend would have an unknown; ``err`` is True where it
would raise (a division by zero, a parameter outside its dates ...). A mask that holds one value
on every row is usually a *uniform* mask (``ones``/``zeros``: a read-only view of one element,
no array of n): combining masks with ``both``/``either`` then costs nothing, and the batch skips
steps for unknowns and errors where there are none. Masks are never changed in place. Numbers are integer
mantissas with a scale (value = mantissa × 10**-scale), computed exactly as
``engine.arithmetic`` defines: int64 while the magnitudes allow it, Python integers in object
arrays beyond (exact, slower, rare).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

from engine.arithmetic import PLACES
from engine.backends.branchless import choose
from engine.backends.wide import div_shifted_round_half_even, mul_round_half_even

INT64_SAFE = 2**62


@lru_cache(maxsize=1024)  # read-only views: one per length serves every value (numpy makes one in µs)
def ones(n: int) -> np.ndarray:
    """A uniform True mask of n rows (every row known)."""
    return np.broadcast_to(np.True_, (n,))


@lru_cache(maxsize=1024)
def zeros(n: int) -> np.ndarray:
    """A uniform False mask of n rows (no row an error)."""
    return np.broadcast_to(np.False_, (n,))


def spread(value: object, n: int, dtype: object = np.int64) -> np.ndarray:
    """n rows of one value (a constant, a parameter, the period's end): a read-only view of one
    element, as ``ones``/``zeros`` are for masks. ``single`` reads the value back, so arithmetic
    can treat the column as the one number it is (no pass over n rows to find its magnitude,
    division by one divisor)."""
    return np.broadcast_to(np.array(value, dtype=dtype), (n,))


def single(values: np.ndarray) -> object | None:
    """The value of a ``spread`` column (every row reads one element); None for a column of its
    own rows."""
    if values.ndim == 1 and values.strides[0] == 0 and len(values):
        return values[0]
    return None


def take_column(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]``, a one-value column (a uniform mask, a ``spread`` constant) staying one."""
    one = single(values)
    if one is None:
        return values[index]
    if values.dtype == np.bool_:
        return ones(len(index)) if one else zeros(len(index))
    return spread(one, len(index), values.dtype)


def uniform(mask: np.ndarray) -> bool | None:
    """The value of a uniform mask (``ones``/``zeros``); None for a mask of its own rows."""
    value = single(mask)
    return None if value is None else bool(value)


def both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a & b``, without a pass when either is uniform."""
    ua = uniform(a)
    if ua is not None:
        return b if ua else a
    ub = uniform(b)
    if ub is not None:
        return a if ub else b
    return a & b


def either(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a | b``, without a pass when either is uniform."""
    ua = uniform(a)
    if ua is not None:
        return a if ua else b
    ub = uniform(b)
    if ub is not None:
        return b if ub else a
    return a | b


def vdiv_round(numerator: np.ndarray, denominator: np.ndarray, mode: str) -> np.ndarray:
    """Vectorised ``engine.money.div_round``: integer division rounded by a named mode.

    A zero denominator gives a meaningless value (callers mark those rows as errors).
    """
    numerator = np.asarray(numerator)
    denominator = np.asarray(denominator)
    divisor = single(denominator)
    if divisor is not None and numerator.dtype != object and denominator.dtype != object and divisor > 0:
        return _div_round_positive(numerator, np.int64(divisor), mode)  # one divisor: numpy's fast path
    if numerator.dtype != object and denominator.dtype != object and (denominator > 0).all():
        return _div_round_positive(numerator, denominator, mode)
    safe = choose(denominator == 0, 1, denominator)
    negative_denominator = safe < 0
    numerator = choose(negative_denominator, -numerator, numerator)
    safe = choose(negative_denominator, -safe, safe)
    quotient = numerator // safe  # floor division, as divmod (also on object arrays of Python ints)
    remainder = numerator - quotient * safe
    exact = remainder == 0
    negative = numerator < 0
    if mode == "floor":
        bump = np.zeros(quotient.shape, dtype=bool)
    elif mode == "ceiling":
        bump = ~exact
    elif mode == "down":
        bump = ~exact & negative
    elif mode == "up":
        bump = ~exact & ~negative
    else:
        twice = remainder * 2
        above = twice > safe
        tie = twice == safe
        if mode == "half_up":
            bump = above | (tie & ~negative)
        elif mode == "half_even":
            bump = above | (tie & (quotient % 2 != 0))
        else:
            raise ValueError(f"unknown rounding mode {mode!r}")
    return choose(bump, quotient + 1, quotient)


def _div_round_positive(numerator: np.ndarray, denominator: np.ndarray, mode: str) -> np.ndarray:
    """``vdiv_round`` for int64 columns (or a scalar) with every denominator positive."""
    if np.ndim(denominator) == 0:  # numpy divides by one number without the hardware's division
        quotient = numerator // denominator
        remainder = numerator - quotient * denominator
    else:
        quotient, remainder = np.divmod(numerator, denominator)  # floor: the remainder is never negative
    if mode == "floor":
        return quotient
    inexact = remainder != 0
    if mode == "ceiling":
        return quotient + inexact
    negative = numerator < 0
    if mode == "down":
        return quotient + (inexact & negative)
    if mode == "up":
        return quotient + (inexact & ~negative)
    twice = remainder * 2
    if mode == "half_up":
        return quotient + ((twice > denominator) | ((twice == denominator) & ~negative))
    if mode == "half_even":
        return quotient + ((twice > denominator) | ((twice == denominator) & (quotient & 1).astype(bool)))
    raise ValueError(f"unknown rounding mode {mode!r}")


def _max_abs(values: np.ndarray) -> int:
    if values.size == 0:
        return 0
    one = single(values)
    if one is not None:
        return abs(int(one))
    if values.dtype == object:
        return max(abs(int(v)) for v in values)
    return max(int(values.max()), -int(values.min()))


def rescale(mantissas: np.ndarray, factor: int) -> np.ndarray:
    """Mantissas times a power of ten, exact: Python ints where int64 would overflow (numpy
    array arithmetic wraps around silently) — the factor alone may not fit."""
    if factor == 1:
        return mantissas
    one = single(mantissas)
    if one is not None:
        value = int(one) * factor
        return spread(value, len(mantissas), np.int64 if abs(value) < INT64_SAFE else object)
    if mantissas.dtype == object or max(_max_abs(mantissas), 1) * factor >= INT64_SAFE:
        return _wide(mantissas) * factor
    return mantissas * factor


def _wide(values: np.ndarray) -> np.ndarray:
    return values if values.dtype == object else values.astype(object)


def _narrow(values: np.ndarray) -> np.ndarray:
    """Back to int64 when every value fits (object arrays are exact but slow)."""
    if values.dtype != object or _max_abs(values) >= INT64_SAFE:
        return values
    return values.astype(np.int64)


@dataclass(slots=True)
class Vec:
    known: np.ndarray
    err: np.ndarray

    def __len__(self) -> int:
        return len(self.known)


@dataclass(slots=True)
class Num(Vec):
    m: np.ndarray  # mantissas: int64, or Python ints in an object array
    scale: int

    def take(self, index: np.ndarray) -> Num:
        return Num(take_column(self.known, index), take_column(self.err, index), take_column(self.m, index), self.scale)

    def rescaled(self, scale: int) -> np.ndarray:
        """Mantissas at a larger scale (exact)."""
        return rescale(self.m, 10 ** (scale - self.scale))

    def decimals(self) -> list[Decimal | None]:
        return [Decimal(int(m)).scaleb(-self.scale) if k else None for m, k in zip(self.m, self.known, strict=True)]


def num_constant(value: Decimal, n: int) -> Num:
    exponent = value.as_tuple().exponent
    scale = max(0, -exponent) if isinstance(exponent, int) else 0
    mantissa = int(value.scaleb(scale))
    return Num(ones(n), zeros(n), spread(mantissa, n, np.int64 if abs(mantissa) < INT64_SAFE else object), scale)


def num_ints(values: np.ndarray, known: np.ndarray | None = None, scale: int = 0) -> Num:
    n = len(values)
    return Num(ones(n) if known is None else known, zeros(n), np.asarray(values, dtype=np.int64), scale)


def aligned(a: Num, b: Num) -> tuple[np.ndarray, np.ndarray, int]:
    scale = max(a.scale, b.scale)
    return a.rescaled(scale), b.rescaled(scale), scale


def add(a: Num, b: Num, sign: int = 1) -> Num:
    left, right, scale = aligned(a, b)
    if _max_abs(left) + _max_abs(right) >= INT64_SAFE:
        left, right = _wide(left), _wide(right)
    result = left + right if sign > 0 else left - right
    return Num(both(a.known, b.known), either(a.err, b.err), _narrow(result), scale)


def _reduce_places(mantissa: np.ndarray, scale: int) -> tuple[np.ndarray, int]:
    if scale <= PLACES:
        return mantissa, scale
    divisor = 10 ** (scale - PLACES)
    if mantissa.dtype == object:
        return vdiv_round(mantissa, np.full(mantissa.shape, divisor, dtype=object), "half_even"), PLACES
    return vdiv_round(mantissa, np.int64(divisor), "half_even"), PLACES


def mul(a: Num, b: Num) -> Num:
    left, right = a.m, b.m
    scale = a.scale + b.scale
    if _max_abs(left) * _max_abs(right) >= INT64_SAFE:
        if scale > PLACES and left.dtype != object and right.dtype != object:
            product = mul_round_half_even(left, right, scale - PLACES)  # exact, in two words
            if product is not None:
                return Num(both(a.known, b.known), either(a.err, b.err), product, PLACES)
        left, right = _wide(left), _wide(right)
    mantissa, scale = _reduce_places(left * right, scale)
    return Num(both(a.known, b.known), either(a.err, b.err), _narrow(mantissa), scale)


def div(a: Num, b: Num) -> Num:
    """The exact quotient rounded half-even to ten places; rows dividing by zero are errors."""
    shift = PLACES - a.scale + b.scale  # a/b at scale PLACES = a_m * 10**shift / b_m
    known = both(a.known, b.known)
    err = either(a.err, b.err)
    if shift > 0 and a.m.dtype != object and b.m.dtype != object and _max_abs(a.m) * 10**shift >= INT64_SAFE:
        quotient, zero = _long_divided(a.m, b.m, shift)  # a × 10**shift overflows int64, the quotient rarely
        if quotient is not None:
            return Num(known, err if zero is None else either(err, both(zero, known)), quotient, PLACES)
    numerator = rescale(a.m, 10**shift) if shift >= 0 else a.m
    denominator = rescale(b.m, 10 ** (-shift)) if shift < 0 else b.m
    if numerator.dtype == object or denominator.dtype == object:
        numerator, denominator = _wide(numerator), _wide(denominator)
    divisor = single(denominator)
    if divisor is None:
        zero = denominator == 0
        if zero.any():
            err = either(err, both(zero, known))
    elif divisor == 0:  # one divisor, zero: every known row divides by zero
        err = either(err, known)
    quotient = vdiv_round(numerator, denominator, "half_even")
    return Num(known, err, _narrow(quotient), PLACES)


def _long_divided(
    numerator: np.ndarray, denominator: np.ndarray, shift: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``numerator × 10**shift / denominator`` rounded half-even by long division in int64
    (``engine.backends.wide``), and the rows dividing by zero (``None``: none); no quotient
    (``None``) when one does not fit, or every row divides by zero."""
    divisor = single(denominator)
    if divisor is not None:
        return (None if divisor == 0 else div_shifted_round_half_even(numerator, np.int64(divisor), shift)), None
    zero = denominator == 0
    if not zero.any():
        return div_shifted_round_half_even(numerator, denominator, shift), None
    # rows dividing by zero are errors: 0 / 1 in their place, a value nobody reads
    return div_shifted_round_half_even(choose(zero, 0, numerator), choose(zero, 1, denominator), shift), zero


def negate(a: Num) -> Num:
    return Num(a.known, a.err, -a.m, a.scale)


def compare(a: Num, b: Num) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) mantissas at one scale, for any comparison."""
    left, right, _scale = aligned(a, b)
    if left.dtype == object or right.dtype == object:
        left, right = _wide(left), _wide(right)
    return left, right


def round_to(a: Num, places: int, mode: str) -> Num:
    if places >= a.scale:
        return a
    factor = 10 ** (a.scale - places)
    divisor = np.full(a.m.shape, factor, dtype=object) if a.m.dtype == object else np.int64(factor)
    return Num(a.known, a.err, vdiv_round(a.m, divisor, mode), places)


@dataclass(slots=True)
class Bools(Vec):
    v: np.ndarray

    def take(self, index: np.ndarray) -> Bools:
        return Bools(take_column(self.known, index), take_column(self.err, index), take_column(self.v, index))


@dataclass(slots=True)
class Days(Vec):
    """Dates as days since 1970-01-01."""

    v: np.ndarray

    def take(self, index: np.ndarray) -> Days:
        return Days(take_column(self.known, index), take_column(self.err, index), take_column(self.v, index))


@dataclass(slots=True)
class Months(Vec):
    """Months as month numbers."""

    v: np.ndarray

    def take(self, index: np.ndarray) -> Months:
        return Months(take_column(self.known, index), take_column(self.err, index), take_column(self.v, index))


@dataclass(slots=True)
class Texts(Vec):
    """Text per row. Text read from a categorical column also has each row's category code (-1:
    missing) and the categories, so comparing it with one text compares integers; its strings
    (``v``) are then made only when something reads them (a comparison of two columns, a choice,
    a key for the value store), not for every column read."""

    strings: np.ndarray | None  # object array of str (None: not made yet, from the codes)
    codes: np.ndarray | None = None  # kept by ``take`` only
    categories: np.ndarray | None = None  # object array of str

    @property
    def v(self) -> np.ndarray:
        if self.strings is None:
            assert self.codes is not None and self.categories is not None
            self.strings = np.append(self.categories, None)[self.codes]  # code -1: the None after them
        return self.strings

    def take(self, index: np.ndarray) -> Texts:
        return Texts(
            take_column(self.known, index),
            take_column(self.err, index),
            None if self.strings is None else take_column(self.strings, index),
            None if self.codes is None else self.codes[index],
            self.categories,
        )


def text_in(value: Texts, texts: tuple[str, ...]) -> np.ndarray:
    """Rows whose text is one of ``texts``: by category codes when the value has them."""
    if value.codes is not None and value.categories is not None:
        return np.isin(value.codes, np.flatnonzero(np.isin(value.categories, texts)))
    found = np.zeros(len(value.v), dtype=bool)
    for text in dict.fromkeys(texts):
        found |= value.v == text
    return found


def text_equal(a: Texts, b: Texts) -> np.ndarray | None:
    """``a.v == b.v`` row by row through the category codes, when one side has them and the
    other is one text for every row (a literal: a ``spread`` column); None otherwise."""
    for coded, other in ((a, b), (b, a)):
        value = single(other.v)  # a literal is a str; a missing row's code (-1) is no category's
        if coded.codes is not None and coded.categories is not None and value is not None:
            position = np.flatnonzero(coded.categories == value)
            return coded.codes == position[0] if len(position) else np.zeros(len(coded.codes), dtype=bool)
    return None


@dataclass(slots=True)
class Windows(Vec):
    first: np.ndarray
    last: np.ndarray

    def take(self, index: np.ndarray) -> Windows:
        return Windows(
            take_column(self.known, index),
            take_column(self.err, index),
            take_column(self.first, index),
            take_column(self.last, index),
        )


@dataclass(slots=True)
class Refs(Vec):
    """References to rows of a table: kind is person, household, housing, service, real_estate,
    vehicle, deposit, period or application."""

    kind: str
    idx: np.ndarray

    def take(self, index: np.ndarray) -> Refs:
        return Refs(
            take_column(self.known, index), take_column(self.err, index), self.kind, take_column(self.idx, index)
        )


@dataclass(slots=True)
class Lists(Vec):
    """A list per row: the pairs (owner row, item) in the scalar order, owners ascending."""

    owner: np.ndarray
    items: Vec

    def take(self, index: np.ndarray) -> Lists:
        """The lists of the rows ``index`` (a row may appear several times)."""
        counts = np.bincount(self.owner, minlength=len(self.known))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        picked = counts[index]
        new_owner = np.repeat(np.arange(len(index)), picked)
        offsets = np.arange(picked.sum()) - np.repeat(np.cumsum(picked) - picked, picked)
        source = np.repeat(starts[index], picked) + offsets
        return Lists(take_column(self.known, index), take_column(self.err, index), new_owner, take(self.items, source))


def take(value: Vec, index: np.ndarray) -> Vec:
    return value.take(index)  # type: ignore[attr-defined]
