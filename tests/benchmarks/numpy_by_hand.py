"""The benchmark's three benefits written by hand in numpy: the floor of any numpy backend.

``openfisca_compare.py --by-hand`` times this beside Mera and OpenFisca-core. It computes what
Mera computes, with the same exact arithmetic (integer mantissas with ten places, rounded
half-even at each division and product, kopecks rounded half-up at the end), the same narrowing
(the amount only for the eligible) and the same result columns (status, first failed condition,
amount, first month), but with no rule language: every step is one numpy call written for these
formulas, each value computed once. No interpreter can do less work in numpy, so the time this
takes bounds what a numpy backend of Mera can reach; its totals must equal Mera's to the kopeck.

The population and parameters are ``openfisca_compare``'s (persons sorted by household).
"""

from __future__ import annotations

import numpy as np

from engine.backends.vector_values import vdiv_round
from engine.backends.wide import mul_round_half_even

TEN = 10**10  # a value with ten places: mantissa = value × TEN
ELIGIBLE, INELIGIBLE = 1, 2  # status codes of the result (as engine.batch's, in spirit)


def div_half_even(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """round_half_even(numerator / denominator): the vector backend's own integer division."""
    return vdiv_round(numerator, np.int64(denominator) if np.ndim(denominator) == 0 else denominator, "half_even")


def div_half_up(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """round_half_up(numerator / denominator), as the rounding ``kopeck_half_up`` does."""
    return vdiv_round(numerator, np.int64(denominator), "half_up")


class Shared:
    """What the benefits share, computed once (as Mera's shared variables and OpenFisca's
    inputs are)."""

    def __init__(self, population, period_end: np.datetime64, age_limit: int) -> None:  # type: ignore[no-untyped-def]
        household = population.household
        self.count = population.households
        self.size = np.bincount(household, minlength=self.count).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(self.size)[:-1]])  # persons lie sorted by household
        total = np.add.reduceat(population.wages.sum(axis=1, dtype=np.int64) * 100, starts)  # kopecks
        self.monthly = div_half_even(total * 10**8, 12)  # Σ income / 12, ten places
        self.per_capita = div_half_even(self.monthly, self.size)  # / family size, ten places
        self.age = ages(population.birth, period_end)
        child = (population.role == "child") & (self.age < age_limit)
        self.children = np.add.reduceat(child.astype(np.int64), starts)
        self.cost = population.housing_cost  # kopecks
        self.male = population.sex == "M"  # per person, as OpenFisca's inputs are
        self.veteran = population.veteran


def ages(birth: np.ndarray, on: np.datetime64) -> np.ndarray:
    """Full years on a day (the birthday counted from its day), as Mera's ``age``."""
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    on_year, on_month, on_day = on.astype(object).year, on.astype(object).month, on.astype(object).day
    return on_year - years - (months * 32 + days > on_month * 32 + on_day)


def kopecks(value) -> int:  # type: ignore[no-untyped-def]
    """A parameter in roubles as integer kopecks."""
    return int(value * 100)


def child_allowance(shared: Shared, values: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    minimum, child_minimum = kopecks(values["per_capita_minimum"]), kopecks(values["child_minimum"])
    has_children = shared.children > 0
    eligible_rows = has_children & (shared.per_capita < minimum * 10**8)
    status = INELIGIBLE - eligible_rows.astype(np.int8)
    failed = (2 - has_children.astype(np.int8)) * ~eligible_rows  # no children (1), then the income (2)
    eligible = np.flatnonzero(eligible_rows)
    size, children = shared.size[eligible], shared.children[eligible]
    per_capita = shared.per_capita[eligible]
    lift = div_half_even(child_minimum * children * 10**8, size)  # ten places
    half = div_half_even(lift * 5, 10)  # 0.5 × lift, back to ten places
    three_quarters = div_half_even(lift * 75, 100)
    share = np.where(
        per_capita + half >= minimum * 10**8, 50, np.where(per_capita + three_quarters >= minimum * 10**8, 75, 100)
    )
    amount = np.zeros(shared.count, dtype=np.int64)
    amount[eligible] = div_half_up(share * child_minimum * children, 100)
    return status, failed, amount


def housing_subsidy(shared: Shared, values: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    minimum = kopecks(values["per_capita_minimum"])
    max_share = int(values["max_share"] * 100)  # two places
    allowed = div_half_even(shared.monthly * max_share, 100)  # share × income, ten places
    below = np.flatnonzero(shared.per_capita < minimum * 10**8)  # the rest: a correction of exactly 1
    correction = div_half_even(shared.per_capita[below] * 100, minimum)  # per-capita income / minimum
    corrected = mul_round_half_even(allowed[below], correction, 10)
    assert corrected is not None
    allowed[below] = corrected
    standard = np.array(
        [0, *(kopecks(values[f"standard_{size}"]) for size in ("single", "pair", "more"))], dtype=np.int64
    )[np.minimum(shared.size, 3)]
    counted = np.minimum(standard * shared.size, shared.cost) * 10**8  # ten places
    eligible = counted > allowed
    status = INELIGIBLE - eligible.astype(np.int8)
    failed = (~eligible).astype(np.int8)
    amount = np.zeros(shared.count, dtype=np.int64)
    rows = np.flatnonzero(eligible)
    amount[rows] = div_half_up(counted[rows] - allowed[rows], 10**8)
    return status, failed, amount


def veteran_payment(shared: Shared, values: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    pension_age = np.where(shared.male, int(values["pension_age_men"]), int(values["pension_age_women"]))
    eligible = shared.veteran & (shared.age >= pension_age)
    status = INELIGIBLE - eligible.astype(np.int8)
    failed = (2 - shared.veteran.astype(np.int8)) * ~eligible  # applies_to (1), then the age (2)
    amount = eligible * np.int64(kopecks(values["veteran_amount"]))
    return status, failed, amount


def run(population, copies: int, parameters, period_end: np.datetime64, start_month: int) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Per benefit: (recipients, total in kopecks), every result column made as Mera makes it."""
    shared = Shared(population, period_end, age_limit=17)
    totals = {}
    for k in range(copies):
        values = parameters(k)
        for code, (status, failed, amount) in (
            (f"child_allowance_{k}", child_allowance(shared, values)),
            (f"housing_subsidy_{k}", housing_subsidy(shared, values)),
            (f"veteran_payment_{k}", veteran_payment(shared, values)),
        ):
            result = {  # the columns of a Mera result (its measure and version are one value each)
                "status": status,
                "failed": failed,
                "amount": amount,
                "start": np.where(status == ELIGIBLE, start_month, -1),
            }
            paid = result["status"] == ELIGIBLE
            totals[code] = (int(paid.sum()), int(result["amount"].sum()))
    return totals
