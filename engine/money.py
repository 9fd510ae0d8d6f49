"""Money and rounding: Decimal in Python, integer minor units (kopecks) in frames and storage.

Each rounding mode exists twice: on ``Decimal`` (the scalar backend) and on integers as a
rounded division (the vector backend and the database). A property test keeps them equal,
negatives included.

Examples:
    >>> apply_rounding(Decimal("2.675"), "kopeck_half_up")
    Decimal('2.68')
    >>> apply_rounding(Decimal("-2.675"), "kopeck_half_up")
    Decimal('-2.68')
    >>> div_round(-2675, 1000, "half_up"), div_round(-2675, 1000, "floor")
    (-3, -3)
    >>> to_kopecks(Decimal("1234.56")), from_kopecks(123456)
    (123456, Decimal('1234.56'))
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,  # ties away from zero: the law's "округляется"
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,  # towards zero: "отбрасывается"
    "up": decimal.ROUND_UP,  # away from zero
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}

UNITS: dict[str, int] = {
    "kopeck": 2,
    "ruble": 0,
    "hundredth": 2,
    "thousandth": 3,
    "ten_thousandth": 4,
    "whole": 0,
}

KOPECK = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Rounding:
    """A declared rounding point: decimal places and a mode."""

    name: str
    places: int
    mode: str

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)


def rounding_names() -> list[str]:
    return [f"{unit}_{mode}" for unit in UNITS for mode in MODES]


def parse_rounding(name: str) -> Rounding:
    """Parse ``<unit>_<mode>`` such as ``kopeck_half_up``; ``ValueError`` otherwise."""
    for unit, places in UNITS.items():
        prefix = unit + "_"
        if name.startswith(prefix) and name[len(prefix) :] in MODES:
            return Rounding(name, places, name[len(prefix) :])
    raise ValueError(f"unknown rounding {name!r}")


def round_decimal(value: Decimal, places: int, mode: str) -> Decimal:
    """Round a Decimal to ``places`` decimal places with a mode name from ``MODES``."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=MODES[mode])


def apply_rounding(value: Decimal, rounding: str | Rounding) -> Decimal:
    spec = parse_rounding(rounding) if isinstance(rounding, str) else rounding
    return round_decimal(value, spec.places, spec.mode)


def div_round(numerator: int, denominator: int, mode: str) -> int:
    """``numerator / denominator`` rounded to an integer, exactly, with a mode from ``MODES``."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(numerator, denominator)  # floor division: remainder >= 0
    if remainder == 0:
        return quotient
    negative = numerator < 0
    if mode == "floor":
        return quotient
    if mode == "ceiling":
        return quotient + 1
    if mode == "down":  # towards zero
        return quotient + 1 if negative else quotient
    if mode == "up":  # away from zero
        return quotient if negative else quotient + 1
    twice = 2 * remainder
    if twice < denominator:
        return quotient
    if twice > denominator:
        return quotient + 1
    # an exact tie between quotient and quotient + 1
    if mode == "half_up":
        return quotient if negative else quotient + 1
    if mode == "half_even":
        return quotient if quotient % 2 == 0 else quotient + 1
    raise ValueError(f"unknown rounding mode {mode!r}")


def round_minor(value: int, from_places: int, to_places: int, mode: str) -> int:
    """Round an integer of ``10**-from_places`` units to ``to_places``, staying in the same units."""
    if to_places >= from_places:
        return value
    step = 10 ** (from_places - to_places)
    return div_round(value, step, mode) * step


def to_kopecks(amount: Decimal) -> int:
    """An amount already rounded to kopecks, as an integer; refuses sub-kopeck amounts."""
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has fractions of a kopeck; round it first")
    return int(scaled)


def from_kopecks(kopecks: int) -> Decimal:
    return Decimal(kopecks).scaleb(-2)


def format_rub(amount: Decimal) -> str:
    """Russian money format: ``12 345,67 ₽`` (non-breaking thin spaces between thousands).

    >>> format_rub(Decimal("-12345.6"))
    '-12\\u202f345,60\\xa0₽'
    """
    text = f"{abs(amount):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{'-' if amount < 0 else ''}{text}\xa0₽"
