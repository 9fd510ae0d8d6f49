"""Column types: money as integer kopecks, quantities as scaled integers. Never float: SQLite's
Numeric goes through float, so both databases store integers and mean the same thing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Integer
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator):
    """Roubles as ``Decimal`` in Python, integer kopecks in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must not be a float")
        scaled = Decimal(value).scaleb(2)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has fractions of a kopeck")
        return int(scaled)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else Decimal(value).scaleb(-2)


class Scaled(TypeDecorator):
    """A non-negative decimal quantity (area, volume, norm) with a fixed number of places."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int):
        super().__init__()
        self.places = places

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("quantities must not be floats")
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else Decimal(value).scaleb(-self.places)


__all__ = ["Integer", "Money", "Scaled"]
