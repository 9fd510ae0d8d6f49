"""Types of the rule language and the shape of the inputs rules may read.

The checker infers a type for every expression; the record table below says which fields a
person, a household, a service ... has, so ``person.birth_dat`` is caught at load time with a
suggestion, not at run time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Type:
    name: str
    item: Type | None = None

    def __str__(self) -> str:
        if self.name == "list" and self.item is not None:
            return f"list of {self.item}"
        return self.name


NUMBER = Type("number")
MONEY = Type("money")
BOOL = Type("bool")
DATE = Type("date")
MONTH = Type("month")
TEXT = Type("text")
WINDOW = Type("window")
ANY = Type("any")  # after an error, to avoid cascades

PERSON = Type("person")
HOUSEHOLD = Type("household")
HOUSING = Type("housing")
SERVICE = Type("service")
REAL_ESTATE = Type("real_estate")
VEHICLE = Type("vehicle")
DEPOSIT = Type("deposit")
PERIOD = Type("period")
APPLICATION = Type("application")


def list_of(item: Type) -> Type:
    return Type("list", item)


CATEGORY_SET = list_of(TEXT)
NUMERIC = (NUMBER, MONEY)
ORDERED = (NUMBER, MONEY, DATE, MONTH)


def is_list(t: Type) -> bool:
    return t.name == "list"


# Fields of each record type, as the language sees them. The scalar backend reads the
# attribute of the same name on the snapshot's dataclasses; the vector backend a column.
RECORDS: dict[Type, dict[str, Type]] = {
    PERSON: {
        "id": TEXT,
        "role": TEXT,
        "birth_date": DATE,
        "sex": TEXT,
        "real_estate": list_of(REAL_ESTATE),
        "vehicles": list_of(VEHICLE),
        "deposits": list_of(DEPOSIT),
    },
    HOUSEHOLD: {
        "members": list_of(PERSON),
        "size": NUMBER,
        "region": TEXT,
        "municipality": TEXT,
        "housing": HOUSING,
        "real_estate": list_of(REAL_ESTATE),
        "vehicles": list_of(VEHICLE),
        "deposits": list_of(DEPOSIT),
    },
    HOUSING: {
        "area": NUMBER,
        "ownership": TEXT,
        "registered_residents": NUMBER,
        "has_debts": BOOL,
        "services": list_of(SERVICE),
    },
    SERVICE: {
        "code": TEXT,
        "unit": TEXT,
        "tariff": MONEY,
        "norm": NUMBER,
        "volume": NUMBER,
        "cost": MONEY,
    },
    REAL_ESTATE: {"kind": TEXT, "area": NUMBER, "share": NUMBER, "owner": TEXT},
    VEHICLE: {"kind": TEXT, "year": NUMBER, "power_hp": NUMBER, "owner": TEXT},
    DEPOSIT: {"balance": MONEY, "owner": TEXT},
    PERIOD: {"start": DATE, "end": DATE, "month": MONTH, "year": NUMBER},
    APPLICATION: {"date": DATE, "month": MONTH, "measure": TEXT},
    WINDOW: {"first": MONTH, "last": MONTH, "start": DATE, "end": DATE, "months": NUMBER},
    MONTH: {"start": DATE, "end": DATE, "year": NUMBER, "number": NUMBER},
    DATE: {"year": NUMBER, "month": NUMBER, "day": NUMBER},
}

# Names every expression can read, besides the measure's own variables and rules/lib.
ROOTS: dict[str, Type] = {
    "person": PERSON,  # the person the measure is evaluated for (the applicant for households)
    "applicant": PERSON,
    "household": HOUSEHOLD,
    "members": list_of(PERSON),
    "housing": HOUSING,
    "period": PERIOD,
    "application": APPLICATION,
}


def unit_type(unit: str) -> Type:
    """The language type of a parameter with this unit: money for roubles, else number."""
    return MONEY if unit == "rub" or unit.startswith("rub_") or unit.startswith("rub/") else NUMBER
