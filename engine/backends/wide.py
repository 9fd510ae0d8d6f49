"""Exact 128-bit products and shifted quotients of int64 columns, rounded back to int64 —
without Python integers.

A product of two numbers with ten fractional digits each has twenty; the rule language keeps
ten, rounded half-even (``engine.arithmetic.mul``). The mantissas of such a product overflow
int64 long before the rounded result does (a monthly income of 45 000.0000000000 times a ratio of
0.8123456789 is 3.6e24 before rounding, 3.6e14 after). Instead of falling back to object arrays
of Python integers (exact but a hundred times slower):

* up to twelve places (all the rule language needs: each factor has at most ten), the quotient
  is estimated in floating point — off by at most 2**12 + 1 for a result below 2**62 — and
  corrected exactly: the remainder ``a × b − estimate × 10**places`` is far below 2**63, so its
  int64 arithmetic, exact modulo 2**64, gives it exactly; its floor division by the power of ten
  is the correction, and what is left rounds half-even;
* beyond, the product is formed exactly in two uint64 words from 32-bit halves, divided by the
  power of ten with schoolbook short division in 32-bit limbs (each step fits uint64), and
  rounded from the exact remainder.

A quotient keeps ten places too (``engine.arithmetic.div``): ``a / b`` is ``a × 10**shift / b``
on the mantissas, and ``a × 10**shift`` overflows int64 when both have ten places already (a
per-capita income divided by a minimum that is itself an average: 1.5e14 × 10**10). The quotient
does not, so ``div_shifted_round_half_even`` forms it by long division, a few digits at a time:
the remainder of each step, times the next digits' power of ten, stays below the divisor × 10**c
< 2**63, and the last remainder rounds half-even.

Examples:
    >>> import numpy as np
    >>> mul_round_half_even(np.array([45_000 * 10**10]), np.array([8_123_456_789]), 10).tolist()
    [365555555505000]
    >>> mul_round_half_even(np.array([-5, 5, 15, 25]), np.array([1, 1, 1, 1]), 1).tolist()
    [0, 0, 2, 2]
    >>> div_shifted_round_half_even(np.array([15 * 10**13, -1]), np.array([3 * 10**14, 4]), 10).tolist()
    [5000000000, -2500000000]
"""

from __future__ import annotations

import numpy as np

from engine.backends.branchless import choose

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_LIMB = 10**9  # the largest power of ten below 2**32: one short-division step


def _product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact product of two uint64 columns below 2**63, as (high word, low word)."""
    a0, a1 = a & _MASK32, a >> _SHIFT32
    b0, b1 = b & _MASK32, b >> _SHIFT32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    middle = (p00 >> _SHIFT32) + (p01 & _MASK32) + (p10 & _MASK32)  # below 3 * 2**32
    low = (p00 & _MASK32) | ((middle & _MASK32) << _SHIFT32)
    high = p11 + (p01 >> _SHIFT32) + (p10 >> _SHIFT32) + (middle >> _SHIFT32)
    return high, low


def _short_division(limbs: list[np.ndarray], divisor: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Limbs (32-bit, most significant first) divided by a divisor below 2**32: quotient limbs
    and the remainder; every intermediate is below divisor × 2**32 < 2**64."""
    d = np.uint64(divisor)
    remainder = np.zeros(limbs[0].shape, dtype=np.uint64)
    quotient = []
    for limb in limbs:
        current = (remainder << _SHIFT32) | limb
        digit = current // d
        remainder = current - digit * d
        quotient.append(digit)
    return quotient, remainder


def mul_round_half_even(a: np.ndarray, b: np.ndarray, places: int) -> np.ndarray | None:
    """``round_half_even(a × b / 10**places)`` for int64 columns with |values| < 2**63, exact;
    ``None`` when a result does not fit in int64 (the caller then computes with Python ints)."""
    if not 0 < places <= 18:
        return None
    if places <= _ESTIMATED_PLACES:
        estimated = _by_estimate(a, b, places)
        if estimated is not None:
            return estimated
    return _by_limbs(a, b, places)


_ESTIMATED_PLACES = 12  # 10**12 × (2**12 + 2) < 2**53: the remainder of a wrong estimate fits int64


def _by_estimate(a: np.ndarray, b: np.ndarray, places: int) -> np.ndarray | None:
    """The floating-point estimate corrected exactly; ``None`` near 2**62 (the limbs decide)."""
    divisor = 10**places  # exact in float64 up to 10**22
    estimate = np.floor(a.astype(np.float64) * b.astype(np.float64) / divisor)
    if estimate.size and max(estimate.max(), -estimate.min()) >= 2.0**62:
        return None
    quotient = estimate.astype(np.int64)
    # Relative error of the estimate below 2**-50, so |a·b/10**places − estimate| < 2**12 + 1 and
    # the true remainder is below 2**13 × 10**12 < 2**53: int64 arithmetic (wrapping, exact
    # modulo 2**64) gives it exactly.
    remainder = a.astype(np.int64) * b.astype(np.int64) - quotient * np.int64(divisor)
    # floor: 0 <= remainder < divisor. ``//`` by one number is numpy's fast path (np.divmod is not:
    # it divides row by row in hardware, 20 times slower)
    correction = remainder // np.int64(divisor)
    remainder -= correction * np.int64(divisor)
    quotient += correction
    twice = remainder * 2
    quotient += (twice > divisor) | ((twice == divisor) & (quotient & 1).astype(bool))
    if quotient.size and max(int(quotient.max()), -int(quotient.min())) >= 2**62:
        return None
    return quotient


def _by_limbs(a: np.ndarray, b: np.ndarray, places: int) -> np.ndarray | None:
    negative = (a < 0) ^ (b < 0)
    high, low = _product(np.abs(a).astype(np.uint64), np.abs(b).astype(np.uint64))
    limbs = [high >> _SHIFT32, high & _MASK32, low >> _SHIFT32, low & _MASK32]
    first = 10 ** min(places, 9)
    second = 10 ** (places - min(places, 9))
    limbs, remainder = _short_division(limbs, first)
    if second > 1:
        limbs, upper = _short_division(limbs, second)
        remainder = upper * np.uint64(first) + remainder  # below 10**18
    if limbs[0].any() or limbs[1].any() or (limbs[2] >= np.uint64(2**30)).any():
        return None  # at least 2**62: not kept as int64 by the callers either
    quotient = ((limbs[2] << _SHIFT32) | limbs[3]).astype(np.int64)
    twice = remainder * np.uint64(2)
    divisor = np.uint64(10**places)
    bump = (twice > divisor) | ((twice == divisor) & ((quotient & 1) == 1))
    quotient += bump
    if quotient.size and int(quotient.max()) >= 2**62:
        return None
    return choose(negative, -quotient, quotient)


_FITS = 2**62  # what the callers keep as int64 (``engine.backends.vector_values.INT64_SAFE``)


def div_shifted_round_half_even(a: np.ndarray, b: np.ndarray, shift: int) -> np.ndarray | None:
    """``round_half_even(a × 10**shift / b)`` for int64 columns (or ``b`` one int64) with
    |values| < 2**62 and no zero in ``b``, exact; ``None`` when a quotient does not fit below
    2**62 or a divisor is too large for a step of one digit (the caller then computes with
    Python ints)."""
    if shift < 0:
        return None
    divisor = np.abs(np.asarray(b, dtype=np.int64))
    largest = int(divisor.max()) if divisor.size else 1
    if largest == 0 or largest >= _FITS // 10:
        return None
    digits = 1  # per step: the remainder (below the divisor) times 10**digits fits int64
    while digits < 18 and largest * 10 ** (digits + 1) < 2**63:
        digits += 1
    negative = (np.asarray(a) < 0) ^ (np.asarray(b) < 0)
    numerator = np.abs(np.asarray(a, dtype=np.int64))
    one = divisor if divisor.ndim == 0 else None  # one divisor: numpy's fast path (no hardware divide per row)
    quotient = numerator // divisor
    remainder = numerator - quotient * divisor
    left = shift
    while left:
        step = min(digits, left)
        power = 10**step
        if quotient.size and int(quotient.max()) >= _FITS // power:
            return None
        scaled = remainder * np.int64(power)
        if one is None:
            digit, remainder = np.divmod(scaled, divisor)
        else:
            digit = scaled // one
            remainder = scaled - digit * one
        quotient = quotient * np.int64(power) + digit
        left -= step
    twice = remainder * 2
    quotient += (twice > divisor) | ((twice == divisor) & (quotient & 1).astype(bool))
    if quotient.size and int(quotient.max()) >= _FITS:
        return None
    return choose(negative, -quotient, quotient)
