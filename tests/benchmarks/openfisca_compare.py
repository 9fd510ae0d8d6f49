"""Mera against OpenFisca-core on the same benefits and the same population.

    pip install -e '.[openfisca]'
    python tests/benchmarks/openfisca_compare.py                       # 10k, 100k, 500k persons
    python tests/benchmarks/openfisca_compare.py --persons 20000 --copies 33 --json
    python tests/benchmarks/openfisca_compare.py --threads 1 --repeat 1              # quicker

Three benefits, written once as Mera rules (YAML, below) and once as an OpenFisca tax-benefit
system (Python variables, below), evaluated for March 2026:

* ``child_allowance`` (household): the unified allowance's means test — the family's income over
  the 12 months ending two months before the month, per capita, below the subsistence minimum —
  and its amount, 50 / 75 / 100 % of the child minimum per child under 17, the lowest share
  that lifts the per-capita income to the minimum;
* ``housing_subsidy`` (household): the standard cost (by family size) or the actual cost, the
  lower, less the maximum share of the monthly income, reduced by the ratio of the per-capita
  income to the minimum when below it;
* ``veteran_payment`` (person): a flat monthly amount for a labour veteran from the pension age
  (by sex).

The ~100-benefit variant (``--copies 33``) repeats the three with different parameters (each copy
raises every amount and threshold by 1 %). Both engines start from the same in-memory seeded
population (numpy arrays); each timing includes building the engine's input (Mera's frames,
OpenFisca's simulation with its inputs set), not defining the rules (building OpenFisca's
tax-benefit system; loading Mera's rule set and compiling its formulas, ``engine.batch.prepare``).
Both run in one process with the memory allocator set as Mera's batch processes set it
(``engine.allocator.keep_freed_memory``: freed columns kept for reuse); OpenFisca's timings are
the same with it and without (0.19–0.20 s for the three benefits at 500k persons either way).
A third timing, "numpy by hand" (``numpy_by_hand.py``), computes the same benefits with the same
exact arithmetic and result columns in numpy calls written for these formulas alone, with no rule
language: the floor of any numpy implementation, Mera's included. Its totals must equal Mera's.
Both must give the same recipients and the same totals: Mera to the kopeck (integer kopecks, decimal arithmetic),
OpenFisca in float32, so its totals may differ by float32 rounding (one kopeck per recipient
plus 2**-22 of the total); recipients must be the same, and a float32 comparison landing on the
other side of a threshold would be reported as a disagreement, never hidden.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import Month  # noqa: E402
from engine.allocator import keep_freed_memory  # noqa: E402
from engine.batch import STATUS_TYPE, evaluate_measures, prepare  # noqa: E402
from engine.frames import (  # noqa: E402
    EPOCH,
    NO_DAY,
    NO_NUMBER,
    OPEN_END,
    OPEN_START,
    QUANTITY_PLACES,
    Frames,
    text_column,
)
from engine.ruleset import RuleSet, build_ruleset  # noqa: E402

PERIOD = Month(2026, 3)
APPLICATION = date(2026, 3, 5)
WINDOW = [PERIOD.add(-13 + i) for i in range(12)]  # 2025-02 .. 2026-01
BENEFITS = ("child_allowance", "housing_subsidy", "veteran_payment")
# Parameters of copy 0 (roubles; shares as decimals); copy k multiplies amounts and thresholds by 1 + k/100.
BASE = {
    "per_capita_minimum": Decimal("18939"),
    "child_minimum": Decimal("18106"),
    "max_share": Decimal("0.22"),
    "standard_single": Decimal("7140"),
    "standard_pair": Decimal("6280"),
    "standard_more": Decimal("5710"),
    "veteran_amount": Decimal("824"),
    "pension_age_men": Decimal("63"),
    "pension_age_women": Decimal("58"),
}
SCALED = ("per_capita_minimum", "child_minimum", "standard_single", "standard_pair", "standard_more", "veteran_amount")


def parameters(copy: int) -> dict[str, Decimal]:
    factor = 1 + Decimal(copy) / 100
    return {
        name: (value * factor).quantize(Decimal("0.01")) if name in SCALED else value for name, value in BASE.items()
    }


# -- the population -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    household: np.ndarray  # per person: household number (persons sorted by household)
    role: np.ndarray  # applicant / spouse / child
    sex: np.ndarray  # M / F
    birth: np.ndarray  # datetime64[D]
    veteran: np.ndarray  # bool
    wages: np.ndarray  # persons × 12 months of the window, whole roubles
    housing_cost: np.ndarray  # per household, kopecks

    @property
    def persons(self) -> int:
        return len(self.household)

    @property
    def households(self) -> int:
        return len(self.housing_cost)


def make_population(persons: int, seed: int = 2026) -> Population:
    """Households of 1–6 (applicant, spouse in 70 % of households of two or more, children),
    adults 20–85, children 0–17, wages for 75 % of adults under 65 (log-normal around 40 000 ₽,
    one month in ten unpaid), labour veterans 30 % of those over 50, housing costs 3–15 thousand."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(np.arange(1, 7), size=persons, p=[0.27, 0.30, 0.22, 0.13, 0.05, 0.03])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), persons) + 1]
    sizes[-1] -= sizes.sum() - persons
    household = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(persons) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    couple = rng.random(len(sizes)) < 0.7
    role = np.where(position == 0, "applicant", np.where((position == 1) & couple[household], "spouse", "child"))
    adult = role != "child"
    age_days = np.where(adult, rng.integers(20 * 365, 86 * 365, persons), rng.integers(0, 18 * 365, persons))
    birth = np.datetime64(APPLICATION) - age_days.astype("timedelta64[D]")
    sex = np.where(rng.random(persons) < 0.5, "M", "F")
    works = adult & (age_days < 65 * 365) & (rng.random(persons) < 0.75)
    level = rng.lognormal(np.log(40_000), 0.5, persons)
    monthly = np.round(level[:, None] * rng.uniform(0.9, 1.1, (persons, 12)))
    paid = rng.random((persons, 12)) >= 0.1
    wages = np.where(works[:, None] & paid, monthly, 0).astype(np.int64)
    veteran = adult & (age_days > 50 * 365) & (rng.random(persons) < 0.3)
    housing_cost = rng.integers(300_000, 1_500_000, len(sizes))
    return Population(household, role, sex, birth, veteran, wages, housing_cost)


# -- Mera ---------------------------------------------------------------------------------------------

PARAMETER_FILE = """\
{name}:
  description: {description}
  unit: {unit}
  reference: "benchmark parameter (copy {copy}), not a legal value"
  values: {{2020-01-01: {value}}}
"""

# Every benchmark measure starts so ({k}, the copy, is filled in with the body).
HEADER = """\
measure: {code}_{{k}}
title: {title} (бенчмарк, копия {{k}})
level: federal
funding: {funding}
legal_basis: "benchmark: {basis}"
entity: {entity}
period: month
valid_from: 2020-01-01
"""

CHILD_ALLOWANCE = (
    HEADER.format(
        code="child_allowance",
        title="Пособие на детей",
        funding="federal_budget",
        basis="the unified allowance's means test and amount",
        entity="household",
    )
    + """\
variables:
  window: window(add_months(period.month, -2), 12)
  family_size: household.size
  children: count(m for m in members if m.role == 'child' and age(m, period.end) < 17)
  per_capita_income: sum(income(m, window) for m in members) / 12 / family_size
  minimum: param('b{k}.per_capita_minimum')
  child_minimum: param('b{k}.child_minimum')
  lift: child_minimum * children / family_size
  share: >-
    0.5 if per_capita_income + 0.5 * lift >= minimum
    else (0.75 if per_capita_income + 0.75 * lift >= minimum else 1)
eligibility:
  all:
    - when: children > 0
      reason: "нет детей до 17 лет"
    - when: per_capita_income < minimum
      reason: "среднедушевой доход {{per_capita_income}} не ниже {{minimum}}"
amount: share * child_minimum * children
rounding: kopeck_half_up
schedule: {{start: application_month, payment: monthly}}
"""
)

HOUSING_SUBSIDY = (
    HEADER.format(
        code="housing_subsidy",
        title="Субсидия на ЖКУ",
        funding="regional_budget",
        basis="the housing subsidy formula",
        entity="household",
    )
    + """\
variables:
  window: window(add_months(period.month, -2), 12)
  family_size: household.size
  monthly_income: sum(income(m, window) for m in members) / 12
  per_capita_income: monthly_income / family_size
  minimum: param('b{k}.per_capita_minimum')
  correction: 1 if per_capita_income >= minimum else per_capita_income / minimum
  allowed: param('b{k}.max_share') * monthly_income * correction
  standard_per_member: >-
    param('b{k}.standard_single') if family_size == 1
    else (param('b{k}.standard_pair') if family_size == 2 else param('b{k}.standard_more'))
  counted: min(standard_per_member * family_size, sum(s.cost for s in housing.services))
eligibility:
  when: counted > allowed
  reason: "расходы {{counted}} не превышают допустимой доли дохода {{allowed}}"
amount: counted - allowed
rounding: kopeck_half_up
schedule: {{start: application_month, payment: monthly}}
"""
)

VETERAN_PAYMENT = (
    HEADER.format(
        code="veteran_payment",
        title="Выплата ветеранам труда",
        funding="federal_budget",
        basis="a flat monthly payment by category and pension age",
        entity="person",
    )
    + """\
applies_to: has_category('labour_veteran', period.start)
variables:
  pension_age: param('b{k}.pension_age_men') if person.sex == 'M' else param('b{k}.pension_age_women')
eligibility:
  when: age(period.end) >= pension_age
  reason: "возраст меньше {{pension_age}}"
amount: param('b{k}.veteran_amount')
rounding: kopeck_half_up
schedule: {{start: application_month, payment: monthly}}
"""
)


def mera_rules(copies: int) -> RuleSet:
    files: dict[str, bytes] = {}
    units = {"max_share": "share", "pension_age_men": "years", "pension_age_women": "years"}
    for k in range(copies):
        text = "".join(
            PARAMETER_FILE.format(name=name, description=name, unit=units.get(name, "rub"), copy=k, value=value)
            for name, value in parameters(k).items()
        )
        files[f"parameters/b{k}.yaml"] = text.encode()
        for template, code in (
            (CHILD_ALLOWANCE, "child_allowance"),
            (HOUSING_SUBSIDY, "housing_subsidy"),
            (VETERAN_PAYMENT, "veteran_payment"),
        ):
            files[f"measures/federal/{code}_{k}.yaml"] = template.format(k=k).encode()
    ruleset = build_ruleset(files, "benchmark")
    prepare(ruleset)  # compiled once, as OpenFisca's system is built once: defining the rules
    return ruleset


def _constant_text(value: str | None, n: int) -> pd.Categorical:
    """A text column of one value, categorical: no n Python strings to make or to compare."""
    if value is None:
        return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _texts(values: np.ndarray, categories: list[str]) -> pd.Categorical:
    """A categorical text column from a NumPy string array with few distinct values."""
    codes = np.zeros(len(values), dtype=np.int8)
    for code, category in enumerate(categories[1:], start=1):
        codes[values == category] = code
    return pd.Categorical.from_codes(codes, categories=categories)


def _table(columns: dict) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame(columns, copy=False)  # the arrays as they are: no consolidating copy


def mera_frames(population: Population) -> Frames:
    """The population as the vector backend's frames (text as categorical columns, integer keys)."""
    n, households = population.persons, population.households
    application_day = (APPLICATION - EPOCH).days
    paid = population.wages > 0
    member_rows, month_columns = np.nonzero(paid)  # row-major: by member, then by month
    months = np.array([m.index for m in WINDOW], dtype=np.int64)
    veterans = np.flatnonzero(population.veteran)
    empty_member_table = {"member": np.zeros(0, dtype=np.int64), "kind": text_column([])}
    return Frames(
        households=_table(
            {
                "key": np.arange(households),
                "region": _constant_text("63", households),
                "municipality": _constant_text("36701000", households),
                "application_day": np.full(households, application_day, dtype=np.int64),
                "application_measure": _constant_text(None, households),
                "has_housing": np.ones(households, dtype=bool),
            }
        ),
        members=_table(
            {
                "household": population.household,
                "key": np.arange(n),
                "role": _texts(population.role, ["applicant", "spouse", "child"]),
                "birth_day": (population.birth - np.datetime64(EPOCH)).astype(np.int64),
                "sex": _texts(population.sex, ["M", "F"]),
                "incomes_first": np.full(n, Month(2024, 1).index, dtype=np.int64),
                "incomes_last": np.full(n, Month(2026, 2).index, dtype=np.int64),
                "property_known": np.zeros(n, dtype=bool),
                "reasons_known": np.zeros(n, dtype=bool),
                "disability_group": _constant_text(None, n),
                "disability_from": np.full(n, NO_DAY, dtype=np.int64),
                "disability_to": np.full(n, NO_DAY, dtype=np.int64),
                "pregnancy_day": np.full(n, NO_DAY, dtype=np.int64),
                "pregnancy_weeks": np.zeros(n, dtype=np.int64),
                "pregnancy_expected": np.full(n, NO_DAY, dtype=np.int64),
            }
        ),
        incomes=_table(
            {
                "member": member_rows,
                "month": months[month_columns],
                "kind": _constant_text("wages", len(member_rows)),
                "amount": population.wages[paid] * 100,
            }
        ),
        categories=_table(
            {
                "member": veterans,
                "code": _constant_text("labour_veteran", len(veterans)),
                "start": np.full(len(veterans), OPEN_START, dtype=np.int64),
                "end": np.full(len(veterans), OPEN_END, dtype=np.int64),
            }
        ),
        reasons=_table({**empty_member_table, "start": np.zeros(0, np.int64), "end": np.zeros(0, np.int64)}),
        documents=_table(empty_member_table),
        real_estate=_table({**empty_member_table, **{c: np.zeros(0, np.int64) for c in ("area", "share", "position")}}),
        vehicles=_table({**empty_member_table, **{c: np.zeros(0, np.int64) for c in ("year", "power_hp", "position")}}),
        deposits=_table(
            {"member": np.zeros(0, np.int64), "balance": np.zeros(0, np.int64), "position": np.zeros(0, np.int64)}
        ),
        housing=_table(
            {
                "household": np.arange(households),
                "area": np.full(households, 50 * 10**QUANTITY_PLACES, dtype=np.int64),
                "ownership": _constant_text("own", households),
                "registered_residents": np.bincount(population.household, minlength=households).astype(np.int64),
                "has_debts": pd.arrays.BooleanArray(np.zeros(households, dtype=bool), np.zeros(households, dtype=bool)),
            }
        ),
        services=_table(
            {
                "household": np.arange(households),
                "code": _constant_text("housing_and_utilities", households),
                "unit": _constant_text("month", households),
                "tariff": np.full(households, NO_NUMBER, dtype=np.int64),
                "norm": np.full(households, NO_NUMBER, dtype=np.int64),
                "volume": np.full(households, NO_NUMBER, dtype=np.int64),
                "cost": population.housing_cost,
                "position": np.zeros(households, dtype=np.int64),
            }
        ),
    )


def run_mera(ruleset: RuleSet, population: Population, threads: int = 1) -> tuple[dict[str, tuple[int, int]], float]:
    """Per measure: (recipients, total in kopecks); and the seconds, frames included."""
    started = time.perf_counter()
    frames = mera_frames(population)
    codes = sorted(ruleset.measures)
    totals = evaluate_measures(ruleset, frames, PERIOD, codes, threads, summarize=_recipients_and_total)
    return dict(zip(codes, totals, strict=True)), time.perf_counter() - started


_FORKED: tuple[RuleSet, Population] | None = None  # what the forked workers of run_mera_processes read


def _part(population: Population, first: int, end: int) -> Population:
    """The households ``first`` .. ``end - 1`` and their members (persons lie sorted by household)."""
    persons = slice(*np.searchsorted(population.household, [first, end]))
    return Population(
        population.household[persons] - first,
        population.role[persons],
        population.sex[persons],
        population.birth[persons],
        population.veteran[persons],
        population.wages[persons],
        population.housing_cost[first:end],
    )


def _part_totals(bounds: tuple[int, int]) -> dict[str, tuple[int, int]]:
    assert _FORKED is not None
    ruleset, population = _FORKED
    totals, _seconds = run_mera(ruleset, _part(population, *bounds))
    return totals


def run_mera_processes(
    ruleset: RuleSet, population: Population, processes: int
) -> tuple[dict[str, tuple[int, int]], float]:
    """As ``run_mera``, the households split in ``processes`` consecutive parts, each evaluated by
    a process of its own (forked: the compiled rule set and the population are inherited, not
    sent) — what ``mera recalc --engine processes`` does with the register's partitions. The
    seconds include starting the processes and adding up their totals."""
    global _FORKED
    started = time.perf_counter()
    _FORKED = (ruleset, population)
    edges = np.linspace(0, population.households, processes + 1).astype(int)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_part_totals, list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True)))
    finally:
        _FORKED = None
    totals = {code: (sum(part[code][0] for part in parts), sum(part[code][1] for part in parts)) for code in parts[0]}
    return totals, time.perf_counter() - started


def _recipients_and_total(result: pd.DataFrame) -> tuple[int, int]:
    eligible = result["status"].cat.codes.to_numpy() == STATUS_TYPE.categories.get_loc("eligible")
    return int(eligible.sum()), int(result["amount"].sum())  # amounts are set exactly where eligible


# -- OpenFisca ------------------------------------------------------------------------------------------


def openfisca_system(copies: int):  # type: ignore[no-untyped-def]
    from openfisca_core.entities import build_entity
    from openfisca_core.model_api import ADD
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit, Period
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person = build_entity(key="person", plural="persons", label="person", is_person=True)
    household = build_entity(
        key="household",
        plural="households",
        label="household",
        roles=[{"key": "member", "plural": "members", "label": "member"}],
    )
    system = TaxBenefitSystem([person, household])
    system.parameters = ParameterNode(
        "",
        data={
            f"b{k}": {name: {"values": {"2020-01-01": float(value)}} for name, value in parameters(k).items()}
            for k in range(copies)
        },
    )

    def variable(name, entity, value_type, period, formula=None, **extra):  # type: ignore[no-untyped-def]
        attributes = {"value_type": value_type, "entity": entity, "definition_period": period, "label": name, **extra}
        if formula is not None:
            attributes["formula"] = formula
        system.add_variable(type(name, (Variable,), attributes))

    variable("salary", person, float, DateUnit.MONTH)
    variable("birth", person, date, DateUnit.ETERNITY)
    variable("is_male", person, bool, DateUnit.ETERNITY)
    variable("is_child", person, bool, DateUnit.ETERNITY)
    variable("labour_veteran", person, bool, DateUnit.ETERNITY)
    variable("housing_cost", household, float, DateUnit.MONTH)

    def age(person, period, parameters):  # type: ignore[no-untyped-def]
        birth = person("birth", period)
        on = period.stop  # the last day of the month, as Mera's age(period.end)
        years = birth.astype("datetime64[Y]").astype(int) + 1970
        months = birth.astype("datetime64[M]").astype(int) % 12 + 1
        days = (birth - birth.astype("datetime64[M]")).astype(int) + 1
        before = (months > on.month) | ((months == on.month) & (days > on.day))
        return on.year - years - before

    variable("age", person, int, DateUnit.MONTH, age)

    def monthly_family_income(household, period, parameters):  # type: ignore[no-untyped-def]
        window = Period((DateUnit.MONTH, period.offset(-13).start, 12))  # 2025-02 .. 2026-01
        return household.sum(household.members("salary", window, options=[ADD])) / 12

    variable("monthly_family_income", household, float, DateUnit.MONTH, monthly_family_income)

    def formulas(p: str):  # type: ignore[no-untyped-def]
        """The three benefits with the parameters of one copy."""

        def child_allowance(household, period, parameters):  # type: ignore[no-untyped-def]
            values = getattr(parameters(period), p)
            size = household.nb_persons()
            children = household.sum(household.members("is_child", period) * (household.members("age", period) < 17))
            per_capita = household("monthly_family_income", period) / size
            lift = values.child_minimum * children / size
            share = np.where(
                per_capita + 0.5 * lift >= values.per_capita_minimum,
                0.5,
                np.where(per_capita + 0.75 * lift >= values.per_capita_minimum, 0.75, 1.0),
            )
            eligible = (children > 0) & (per_capita < values.per_capita_minimum)
            return np.where(eligible, share * values.child_minimum * children, 0)

        def housing_subsidy(household, period, parameters):  # type: ignore[no-untyped-def]
            values = getattr(parameters(period), p)
            size = household.nb_persons()
            income = household("monthly_family_income", period)
            per_capita = income / size
            correction = np.where(per_capita >= values.per_capita_minimum, 1, per_capita / values.per_capita_minimum)
            allowed = values.max_share * income * correction
            standard = np.select(
                [size == 1, size == 2], [values.standard_single, values.standard_pair], values.standard_more
            )
            counted = np.minimum(standard * size, household("housing_cost", period))
            return np.where(counted > allowed, counted - allowed, 0)

        def veteran_payment(person, period, parameters):  # type: ignore[no-untyped-def]
            values = getattr(parameters(period), p)
            pension_age = np.where(person("is_male", period), values.pension_age_men, values.pension_age_women)
            eligible = person("labour_veteran", period) & (person("age", period) >= pension_age)
            return np.where(eligible, values.veteran_amount, 0)

        return child_allowance, housing_subsidy, veteran_payment

    for k in range(copies):
        child_allowance, housing_subsidy, veteran_payment = formulas(f"b{k}")
        variable(f"child_allowance_{k}", household, float, DateUnit.MONTH, child_allowance)
        variable(f"housing_subsidy_{k}", household, float, DateUnit.MONTH, housing_subsidy)
        variable(f"veteran_payment_{k}", person, float, DateUnit.MONTH, veteran_payment)
    return system


def run_openfisca(system, population: Population, copies: int) -> tuple[dict[str, tuple[int, int]], float]:  # type: ignore[no-untyped-def]
    """Per variable: (recipients, total in kopecks, rounded from float32); and the seconds,
    the simulation's building and inputs included."""
    from openfisca_core.simulations import SimulationBuilder

    started = time.perf_counter()
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", np.arange(population.persons))
    households = builder.declare_entity("household", np.arange(population.households))
    builder.join_with_persons(households, population.household, np.full(population.persons, "member"))
    simulation = builder.build(system)
    eternity = "ETERNITY"
    simulation.set_input("birth", eternity, population.birth)
    simulation.set_input("is_male", eternity, population.sex == "M")
    simulation.set_input("is_child", eternity, population.role == "child")
    simulation.set_input("labour_veteran", eternity, population.veteran)
    for column, month in enumerate(WINDOW):
        simulation.set_input("salary", str(month), population.wages[:, column].astype(np.float32))
    simulation.set_input("housing_cost", str(PERIOD), (population.housing_cost / 100).astype(np.float32))
    totals = {}
    for k in range(copies):
        for benefit in BENEFITS:
            amounts = simulation.calculate(f"{benefit}_{k}", str(PERIOD))
            paid = amounts > 0
            totals[f"{benefit}_{k}"] = (
                int(paid.sum()),
                round(float(amounts[paid].astype(np.float64).sum()) * 100),
            )
    return totals, time.perf_counter() - started


# -- the comparison ----------------------------------------------------------------------------------------


def compare(mera: dict[str, tuple[int, int]], openfisca: dict[str, tuple[int, int]]) -> list[str]:
    """Disagreements beyond float32 rounding, as readable lines (none: the engines agree)."""
    problems = []
    for code, (recipients, total) in sorted(mera.items()):
        other_recipients, other_total = openfisca[code]
        if recipients != other_recipients:
            problems.append(f"{code}: {recipients} recipients in Mera, {other_recipients} in OpenFisca")
        # float32 keeps 24 bits: each amount may be off by its value × 2**-24, plus the sum's own rounding.
        allowed = max(1, int(abs(total) * 2**-22) + recipients)
        if abs(total - other_total) > allowed:
            problems.append(f"{code}: total {total / 100:.2f} in Mera, {other_total / 100:.2f} in OpenFisca")
    return problems


def run_by_hand(population: Population, copies: int) -> tuple[dict[str, tuple[int, int]], float]:
    """The benefits in hand-written numpy (``numpy_by_hand``): per benefit (recipients, total in
    kopecks), and the seconds."""
    import numpy_by_hand

    started = time.perf_counter()
    totals = numpy_by_hand.run(population, copies, parameters, np.datetime64(PERIOD.end), PERIOD.index)
    return totals, time.perf_counter() - started


def run(
    persons: int, copies: int, seed: int = 2026, threads: int = 2, repeat: int = 1, processes: int = 1
) -> dict[str, object]:
    """Both engines on one population; each timing is the best of ``repeat`` runs, the runs of
    the engines interleaved (the machine's noise then falls on both alike). Mera runs in one
    thread, with ``threads`` when more than one, and in ``processes`` when more than one."""
    population = make_population(persons, seed)
    ruleset = mera_rules(copies)
    system = openfisca_system(copies)
    seconds: dict[str, list[float]] = {
        "mera": [],
        "mera_threads": [],
        "mera_processes": [],
        "openfisca": [],
        "by_hand": [],
    }
    for _ in range(repeat):
        mera_totals, elapsed = run_mera(ruleset, population)
        seconds["mera"].append(elapsed)
        if threads > 1:
            threaded_totals, elapsed = run_mera(ruleset, population, threads)
            assert threaded_totals == mera_totals, "threads changed Mera's results"
            seconds["mera_threads"].append(elapsed)
        if processes > 1:
            parted_totals, elapsed = run_mera_processes(ruleset, population, processes)
            assert parted_totals == mera_totals, "processes changed Mera's results"
            seconds["mera_processes"].append(elapsed)
        openfisca_totals, elapsed = run_openfisca(system, population, copies)
        seconds["openfisca"].append(elapsed)
        by_hand_totals, elapsed = run_by_hand(population, copies)
        seconds["by_hand"].append(elapsed)
    mera_seconds, openfisca_seconds = min(seconds["mera"]), min(seconds["openfisca"])
    figure: dict[str, object] = {
        "persons": persons,
        "households": population.households,
        "benefits": 3 * copies,
        "seconds_mera": round(mera_seconds, 3),
        "seconds_openfisca": round(openfisca_seconds, 3),
        "openfisca_over_mera": round(openfisca_seconds / mera_seconds, 2),
        "seconds_by_hand": round(min(seconds["by_hand"]), 3),
        "openfisca_over_by_hand": round(openfisca_seconds / min(seconds["by_hand"]), 2),
    }
    for way, count in (("threads", threads), ("processes", processes)):
        if count > 1:
            best = min(seconds[f"mera_{way}"])
            figure |= {
                way: count,
                f"seconds_mera_{way}": round(best, 3),
                f"openfisca_over_mera_{way}": round(openfisca_seconds / best, 2),
            }
    by_hand_problems = [
        f"{code}: {mera_totals[code]} in Mera, {by_hand_totals.get(code)} by hand"
        for code in sorted(mera_totals)
        if by_hand_totals.get(code) != mera_totals[code]
    ]
    return figure | {
        "problems": compare(mera_totals, openfisca_totals) + by_hand_problems,
        "mera_totals": mera_totals,
        "openfisca_totals": openfisca_totals,
        "by_hand_totals": by_hand_totals,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, action="append", help="population sizes (default 10k, 100k, 500k)")
    parser.add_argument("--copies", type=int, action="append", help="copies of the three benefits (default 1 and 33)")
    parser.add_argument("--threads", type=int, default=2, help="Mera's threads in the second timing (1: none)")
    parser.add_argument("--processes", type=int, default=2, help="Mera's processes in a third timing (1: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine; the best is reported")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    keep_freed_memory()  # what Mera's batch processes do; the process's setting for both engines
    figures = []
    failed = False
    for copies in args.copies or [1, 33]:
        for persons in args.persons or [10_000, 100_000, 500_000]:
            figure = run(persons, copies, args.seed, args.threads, args.repeat, args.processes)
            failed |= bool(figure["problems"])
            figures.append(figure)
            if not args.json:
                threaded = "".join(
                    f", {figure[way]} {way} {figure[f'seconds_mera_{way}']:>7.3f} s"
                    f" (ratio {figure[f'openfisca_over_mera_{way}']:>5.2f})"
                    for way in ("threads", "processes")
                    if way in figure
                )
                print(
                    f"{figure['benefits']:>4} benefits {persons:>8} persons:"
                    f" OpenFisca {figure['seconds_openfisca']:>7.3f} s;"
                    f" Mera 1 thread {figure['seconds_mera']:>7.3f} s (ratio {figure['openfisca_over_mera']:>5.2f})"
                    + threaded
                    + f"; numpy by hand {figure['seconds_by_hand']:>7.3f} s"
                    + f" (ratio {figure['openfisca_over_by_hand']:>5.2f})"
                    + ("" if not figure["problems"] else "  DISAGREE: " + "; ".join(figure["problems"])),
                    flush=True,
                )
    if args.json:
        print(json.dumps([{k: v for k, v in f.items() if not k.endswith("_totals")} for f in figures], indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
