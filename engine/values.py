"""Runtime values that are not plain Python: the unknown, and the period being evaluated.

Unknown is not zero. A fact the snapshot lacks evaluates to :class:`Unknown`, which carries
the missing facts through arithmetic and comparisons, and through ``and``/``or`` by Kleene's
three-valued logic (``False and unknown`` is ``False``; ``True or unknown`` is ``True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.periods import Month

FACT_LABELS = {
    "incomes": "доходы",
    "no_income_reasons": "периоды уважительных причин отсутствия дохода",
    "property": "сведения об имуществе",
    "housing": "сведения о жилом помещении",
    "application": "дата заявления",
    "municipality": "муниципальное образование",
    "services": "жилищно-коммунальные услуги",
    "registered_residents": "число зарегистрированных",
    "ownership": "основание пользования жильём",
    "has_debts": "сведения о задолженности за ЖКУ",
    "categories": "дата начала категории",
    "pregnancy": "сведения о беременности",
}


@dataclass(frozen=True, slots=True, order=True)
class Fact:
    """A missing fact: where it would be in the snapshot, its kind, and a detail (months ...)."""

    path: str
    kind: str
    detail: str = ""

    def describe(self) -> str:
        label = FACT_LABELS.get(self.kind, self.kind)
        detail = f" {self.detail}" if self.detail else ""
        return f"{self.path}: {label}{detail}"


class Unknown:
    """A value that cannot be known from the snapshot, and the facts that would settle it."""

    __slots__ = ("facts",)

    def __init__(self, facts: frozenset[Fact]):
        self.facts = facts

    @classmethod
    def of(cls, path: str, kind: str, detail: str = "") -> Unknown:
        return cls(frozenset({Fact(path, kind, detail)}))

    def merge(self, other: Unknown) -> Unknown:
        return Unknown(self.facts | other.facts)

    def __repr__(self) -> str:
        return f"Unknown({sorted(f.describe() for f in self.facts)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.facts == self.facts

    def __hash__(self) -> int:
        return hash(self.facts)


def merge_unknowns(values: list[Unknown]) -> Unknown:
    facts: frozenset[Fact] = frozenset()
    for value in values:
        facts = facts | value.facts
    return Unknown(facts)


@dataclass(frozen=True, slots=True)
class PeriodValue:
    """The period being evaluated, as rules see it (``period.start``, ``period.month`` ...)."""

    month: Month
    kind: str  # month | once | year

    @property
    def start(self) -> date:
        return self.month.start if self.kind != "year" else date(self.month.year, 1, 1)

    @property
    def end(self) -> date:
        return self.month.end if self.kind != "year" else date(self.month.year, 12, 31)

    @property
    def year(self) -> int:
        return self.month.year

    path = "period"
