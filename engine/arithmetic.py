"""The arithmetic of the rule language, defined so that both backends compute the same digits.

Numbers are decimals with at most ``PLACES`` (10) fractional digits. Addition, subtraction and
comparison are exact. A product keeps its digits up to ten places and is rounded half-even
beyond; a quotient is the exact quotient rounded half-even to ten places. Nothing depends on a
precision setting or on the order of rounding inside a library: the scalar backend computes
with ``Decimal`` and exact integer ratios, the vector backend with scaled integers, and both
round at the same points in the same way. Declared rounding (``round()``, a measure's
``rounding``) then applies on top.

Examples:
    >>> div(Decimal("540000.00"), Decimal(12))
    Decimal('45000.00')
    >>> div(Decimal(1), Decimal(3))
    Decimal('0.3333333333')
    >>> mul(div(Decimal(1), Decimal(3)), Decimal(3))
    Decimal('0.9999999999')
    >>> mul(Decimal("0.123456"), Decimal("0.123456"))
    Decimal('0.0152413839')
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from engine.money import div_round

PLACES = 10
QUANTUM = Decimal(1).scaleb(-PLACES)
# Wide enough that + − × of language numbers are exact before the declared rounding.
CONTEXT = decimal.Context(
    prec=120,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def mul(a: Decimal, b: Decimal) -> Decimal:
    """``a × b``, rounded half-even to ten places when it has more — from the exact product,
    whatever the caller's decimal context (its default 28 digits would round a product of two
    17-digit numbers first, and round twice)."""
    product = CONTEXT.multiply(a, b)
    if _exponent(product) < -PLACES:
        return product.quantize(QUANTUM, rounding=decimal.ROUND_HALF_EVEN, context=CONTEXT)
    return product


def div(a: Decimal, b: Decimal) -> Decimal:
    """``a ÷ b`` rounded half-even to ten places, from the exact ratio (no double rounding).

    Raises ``decimal.DivisionByZero`` for ``b == 0`` (and ``0 / 0``), as ``Decimal`` does.
    """
    if b == 0:
        raise decimal.DivisionByZero("division by zero")
    numerator_a, denominator_a = a.as_integer_ratio()
    numerator_b, denominator_b = b.as_integer_ratio()
    quotient = div_round(numerator_a * denominator_b * 10**PLACES, denominator_a * numerator_b, "half_even")
    result = Decimal(quotient).scaleb(-PLACES, context=CONTEXT)  # exact, whatever the caller's context
    # Keep the exponent Decimal would give an exact quotient (540000.00 / 12 = 45000.00), so
    # traces read naturally; the value is the same either way.
    ideal = min(max(_exponent(a) - _exponent(b), -PLACES), 0)
    trimmed = result.normalize(CONTEXT)
    if _exponent(trimmed) > ideal:
        trimmed = trimmed.quantize(Decimal(1).scaleb(ideal), context=CONTEXT)
    return trimmed


def fits(value: Decimal) -> bool:
    """Whether a literal or input has at most ten fractional digits."""
    return _exponent(value) >= -PLACES
