"""Hypothesis strategies for households that stress the rules: edge ages, zero and huge
incomes, partly declared incomes, category and reason periods starting and ending inside the
reference windows, month boundaries, unknown property and housing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from engine.snapshot import Snapshot, parse_snapshot

PERIODS = ("2024-03", "2025-01", "2025-03", "2026-02", "2026-03", "2026-07")
CATEGORIES = (
    "labour_veteran",
    "pensioner",
    "sole_parent",
    "full_time_student",
    "insured_on_parental_leave",
    "dismissed_on_liquidation",
    "maternity_capital_received",
    "part_time_employment",
    "large_family",
    "edv_other_ground_chosen",
    "nsu_cash_medicines",
    "nsu_cash_sanatorium",
    "nsu_cash_travel",
    "combat_veteran",
    "war_disabled",
    "wwii_participant",
    "home_front_worker",
    "rehabilitated",
    "repression_victim",
    "conscript_spouse",
    "siege_survivor",
    "war_victim_family",
    "guardian",
    "foster_parent",
)
INCOME_KINDS = ("wages", "pension", "sick_leave", "self_employment", "deposit_interest", "maternity_benefit", "stipend")
REASONS = (
    "registered_unemployment",
    "child_care_under_3",
    "disabled_child_care",
    "full_time_study",
    "medical_treatment",
)
MUNICIPALITIES = ("36701000", "36740000", "36735000", "36713000")
REFERENCE = date(2026, 3, 1)


def _day(draw, low: date, high: date) -> date:  # type: ignore[no-untyped-def]
    return low + timedelta(days=draw(st.integers(0, (high - low).days)))


@st.composite
def birth_dates(draw) -> date:  # type: ignore[no-untyped-def]
    """Ages spread over a life, with a weight on the edges rules care about."""
    edge_years = draw(st.sampled_from([0, 1, 2, 3, 16, 17, 18, 22, 23, 55, 58, 60, 63, 65, 80]))
    if draw(st.booleans()):
        shift = draw(st.integers(-40, 40))
        return date(REFERENCE.year - edge_years, REFERENCE.month, 1) + timedelta(days=shift)
    return _day(draw, date(1935, 1, 1), date(2026, 6, 30))


@st.composite
def amounts(draw) -> str:  # type: ignore[no-untyped-def]
    choice = draw(st.sampled_from(["zero", "small", "usual", "huge"]))
    if choice == "zero":
        return "0"
    if choice == "small":
        return str(Decimal(draw(st.integers(1, 500_000))).scaleb(-2))
    if choice == "usual":
        return str(Decimal(draw(st.integers(1_000_000, 15_000_000))).scaleb(-2))
    return str(Decimal(draw(st.integers(10**10, 10**13))).scaleb(-2))


@st.composite
def members(draw, index: int, role: str) -> dict:  # type: ignore[no-untyped-def]
    member: dict = {
        "id": f"p{index}",
        "role": role,
        "birth_date": draw(birth_dates()).isoformat(),
        "sex": draw(st.sampled_from(["M", "F"])),
    }
    categories = []
    for code in draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True)):
        start = _day(draw, date(2010, 1, 1), date(2026, 8, 1)) if draw(st.booleans()) else None
        end = _day(draw, date(2023, 1, 1), date(2027, 1, 1)) if draw(st.booleans()) else None
        if start and end and end < start:
            start, end = end, start
        categories.append(
            {"code": code, "from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
        )
    if categories:
        member["categories"] = categories
    if draw(st.integers(0, 9)) < 8:  # incomes declared, sometimes partly
        first = draw(st.sampled_from(["2022-06", "2023-01", "2023-12", "2024-12", "2025-06"]))
        last = draw(st.sampled_from(["2025-10", "2026-02", "2026-06"]))
        member["incomes_declared"] = {"from": first, "to": last}
        incomes = []
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(INCOME_KINDS))
            start = draw(st.sampled_from(["2022-06", "2023-01", "2024-02", "2025-01", "2025-06", "2025-11"]))
            start = max(start, first)
            stop = min(draw(st.sampled_from(["2024-12", "2025-08", "2026-01", "2026-06"])), last)
            if stop >= start:
                incomes.append({"kind": kind, "amount": draw(amounts()), "from": start, "to": stop})
        member["incomes"] = incomes
    if draw(st.booleans()):
        reasons = []
        for _ in range(draw(st.integers(0, 2))):
            start = _day(draw, date(2023, 6, 1), date(2026, 3, 31))
            end = start + timedelta(days=draw(st.integers(0, 500))) if draw(st.booleans()) else None
            reasons.append(
                {
                    "kind": draw(st.sampled_from(REASONS)),
                    "from": start.isoformat(),
                    "to": end.isoformat() if end else None,
                }
            )
        member["no_income_reasons"] = reasons
    if draw(st.integers(0, 9)) == 0:
        start = _day(draw, date(2015, 1, 1), date(2026, 6, 1))
        member["disability"] = {
            "group": draw(st.sampled_from([1, 2, 3, "child"])),
            "from": start.isoformat(),
            "to": (start + timedelta(days=draw(st.integers(30, 4000)))).isoformat() if draw(st.booleans()) else None,
        }
    if member["sex"] == "F" and draw(st.integers(0, 5)) == 0:
        registered = _day(draw, date(2025, 6, 1), date(2026, 6, 1))
        member["pregnancy"] = {
            "registered_on": registered.isoformat(),
            "weeks_at_registration": draw(st.integers(4, 20)),
        }
        if draw(st.booleans()):
            member["pregnancy"]["expected_birth"] = (
                registered + timedelta(days=draw(st.integers(60, 250)))
            ).isoformat()
    if draw(st.integers(0, 4)) > 0:  # property declared
        property_: dict = {}
        estate = []
        for _ in range(draw(st.integers(0, 3))):
            estate.append(
                {
                    "kind": draw(st.sampled_from(["apartment", "house", "garage", "land", "non_residential"])),
                    "area": str(Decimal(draw(st.integers(500, 20_000))).scaleb(-2)),
                    "share": draw(st.sampled_from(["1", "1/2", "1/3", "2/3", "1/4"])),
                }
            )
        property_["real_estate"] = estate
        property_["vehicles"] = [
            {
                k: v
                for k, v in (
                    ("kind", draw(st.sampled_from(["car", "motorcycle", "boat"]))),
                    ("year", draw(st.one_of(st.none(), st.integers(2000, 2026)))),
                    ("power_hp", draw(st.one_of(st.none(), st.integers(60, 400)))),
                )
                if v is not None
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
        property_["deposits"] = [{"balance": draw(amounts())} for _ in range(draw(st.integers(0, 1)))]
        member["property"] = property_
    return member


@st.composite
def households(draw, index: int = 0) -> Snapshot:  # type: ignore[no-untyped-def]
    size = draw(st.integers(1, 8))
    roles = ["applicant"] + [draw(st.sampled_from(["spouse", "child", "child", "other"])) for _ in range(size - 1)]
    data: dict = {
        "id": f"h{index}",
        "region": draw(st.sampled_from(["63", "63", "63", "77"])),
        "members": [draw(members(i, role)) for i, role in enumerate(roles)],
    }
    if draw(st.integers(0, 5)) > 0:
        data["municipality"] = draw(st.sampled_from(MUNICIPALITIES))
    if draw(st.integers(0, 5)) > 0:
        data["application"] = {"date": _day(draw, date(2023, 1, 1), date(2026, 8, 31)).isoformat()}
    if draw(st.integers(0, 3)) > 0:
        services = [
            {"code": code, "cost": str(Decimal(draw(st.integers(0, 900_000))).scaleb(-2))}
            for code in draw(
                st.lists(
                    st.sampled_from(["heating", "cold_water", "capital_repair", "electricity", "maintenance", "gas"]),
                    max_size=5,
                    unique=True,
                )
            )
        ]
        housing: dict = {"area": str(Decimal(draw(st.integers(1000, 15_000))).scaleb(-2)), "services": services}
        for key, value in (
            ("ownership", draw(st.sampled_from(["own", "social_rent", "private_rent", None]))),
            ("registered_residents", draw(st.one_of(st.none(), st.integers(1, 9)))),
            ("has_debts", draw(st.one_of(st.none(), st.booleans()))),
        ):
            if value is not None:
                housing[key] = value
        data["housing"] = housing
    return parse_snapshot(data)


@st.composite
def populations(draw, max_households: int = 5) -> list[Snapshot]:  # type: ignore[no-untyped-def]
    count = draw(st.integers(1, max_households))
    return [draw(households(i)) for i in range(count)]
