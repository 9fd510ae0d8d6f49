"""A seeded synthetic population of a region, as register tables (pandas frames).

The same seed always gives the same population. Distributions (a Samara-like region, 2025–2026):

* household sizes 1–8: 27 % single, 30 % two, 22 % three, 13 % four, 5 % five, 3 % six to eight;
  households of two are a couple (65 %) or a parent with a child; larger ones a couple (80 %) or a
  single parent with children, and one in ten three-or-more households has a grandparent;
* adults 20–90 years old, children 0–17 (one in twenty-five 18–22 and studying full time);
* monthly wages for 82 % of working-age adults, log-normal around 42 000 roubles (σ 0.55),
  with a 5 % chance of each month being unpaid; pensions of 14 000–32 000 roubles from the
  pension age (63 men, 58 women); a year or two of months, declared for everyone;
* categories: pensioners from the pension age, 35 % of them labour veterans; disability for 6 %
  of adults (group 1: 10 %, 2: 40 %, 3: 50 %) and 2 % of children; sole parents; combat veterans
  3 % of men 22–70; victims of political repression 2 % of people from 70, rehabilitated persons
  0.5 % of the others from 80;
* property declared by 85 % of households: one flat (26–95 m², half-and-half for couples in 40 %),
  a car for 45 % (2005–2025, 70–250 hp);
* housing for every household: the flat's area, owned (85 %), socially rented (10 %) or privately
  rented (5 %), eight utility charges scaled by area and household size;
* applications: the unified allowance for 30 % of families with children, the housing subsidy
  for 12 % of households, the labour veterans' payment for 60 % of veterans, the combat veterans'
  ЕДВ for 70 % of them, the regional ЕДВ for 60 % of the repressed and rehabilitated, the
  compensation of housing costs for 70 % of the households with a disabled member and of those
  with a combat veteran, in the last month;
* municipalities of region 63: Самара 50 %, Тольятти 30 %, Сызрань 10 %, Новокуйбышевск 5 %,
  Жигулёвск 5 %.

Money is integer kopecks, areas and quantities scaled integers, exactly as the tables store them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from engine import Month

REGION = "63"
LAST_DECLARED_MONTH = Month(2026, 2)  # incomes are declared up to this month; applications come after
MUNICIPALITIES = (  # OKTMO (names in registry.reference) and the share of the population
    ("36701000", 0.50),  # Самара
    ("36740000", 0.30),  # Тольятти
    ("36735000", 0.10),  # Сызрань
    ("36713000", 0.05),  # Новокуйбышевск
    ("36704000", 0.05),  # Жигулевск
)
SIZES = np.array([1, 2, 3, 4, 5, 6, 7, 8])
SIZE_SHARES = np.array([0.27, 0.30, 0.22, 0.13, 0.05, 0.015, 0.01, 0.005])
SURNAMES_M = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Федоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семенов",
    "Егоров",
    "Павлов",
    "Козлов",
)
FIRST_M = (
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артем",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Матвей",
    "Роман",
    "Егор",
    "Иван",
    "Владимир",
)
FIRST_F = (
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
    "Анастасия",
    "Дарья",
    "Полина",
    "Виктория",
    "Ксения",
    "Алина",
)
PATRONYMIC_M = (
    "Александрович",
    "Дмитриевич",
    "Сергеевич",
    "Андреевич",
    "Алексеевич",
    "Михайлович",
    "Иванович",
    "Владимирович",
    "Николаевич",
    "Петрович",
)
PATRONYMIC_F = (
    "Александровна",
    "Дмитриевна",
    "Сергеевна",
    "Андреевна",
    "Алексеевна",
    "Михайловна",
    "Ивановна",
    "Владимировна",
    "Николаевна",
    "Петровна",
)
SERVICES = (  # code, unit, kopecks per m² of area, kopecks per person
    ("maintenance", "m2", 3000, 0),
    ("capital_repair", "m2", 1193, 0),
    ("heating", "Gcal", 4200, 0),
    ("cold_water", "m3", 0, 15600),
    ("hot_water", "m3", 0, 63300),
    ("sewerage", "m3", 0, 21800),
    ("electricity", "kWh", 0, 39400),
    ("solid_waste", "person", 0, 18791),
)


@dataclass(frozen=True, slots=True)
class Population:
    """Register tables as frames, ids assigned, ready for ``registry.bulk.load_frame``."""

    tables: dict[str, pd.DataFrame]

    @property
    def persons(self) -> int:
        return len(self.tables["persons"])

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]


def snils_check(numbers: np.ndarray) -> np.ndarray:
    """The SNILS control number (two digits) of nine-digit numbers, vectorised.

    >>> snils_check(np.array([112233445]))
    array([95])
    """
    digits = np.stack([(numbers // 10 ** (8 - i)) % 10 for i in range(9)], axis=1)
    total = (digits * np.arange(9, 0, -1)).sum(axis=1)
    check = np.where(total < 100, total, total % 101)
    return np.where(check >= 100, 0, check)


def luhn_check(numbers: np.ndarray, digits: int) -> np.ndarray:
    """The Luhn check digit of ``digits``-digit numbers, vectorised.

    >>> luhn_check(np.array([7992739871]), 10).tolist()
    [3]
    """
    total = np.zeros(len(numbers), dtype=np.int64)
    rest = numbers.astype(np.int64)
    for position in range(digits):  # from the rightmost digit: doubled, plain, doubled ...
        digit = rest % 10
        rest //= 10
        if position % 2 == 0:
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return (10 - total % 10) % 10


def _dates(start: date, days: np.ndarray) -> np.ndarray:
    return (np.datetime64(start) + days.astype("timedelta64[D]")).astype("datetime64[D]")


def generate(
    persons: int,
    seed: int = 2026,
    months: int = 24,
    last_month: Month = LAST_DECLARED_MONTH,
    first_ids: dict[str, int] | None = None,
    case_offsets: dict[str, int] | None = None,
) -> Population:
    """A population of about ``persons`` people (exactly, the last household trimmed)."""
    rng = np.random.default_rng(seed)
    ids = {"persons": 1, "households": 1, "memberships": 1, "incomes": 1} | (first_ids or {})
    today = last_month.add(1).start  # the month after the last declared month: applications go there

    # -- households and their members -------------------------------------------------------------
    sizes = rng.choice(SIZES, size=persons, p=SIZE_SHARES)
    cumulative = np.cumsum(sizes)
    count = int(np.searchsorted(cumulative, persons)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(cumulative[count - 1] - persons)
    sizes = sizes[sizes > 0]
    households = len(sizes)
    household_of = np.repeat(np.arange(households), sizes)
    position = np.arange(persons) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    couple = np.where(sizes == 1, False, rng.random(households) < np.where(sizes == 2, 0.65, 0.80))
    grandparent = (sizes >= 3) & (rng.random(households) < 0.10)
    adults = 1 + couple + grandparent
    role = np.full(persons, "child", dtype=object)
    role[position == 0] = "applicant"
    role[(position == 1) & couple[household_of]] = "spouse"
    role[(position == adults[household_of] - 1) & grandparent[household_of]] = "other"

    municipality_codes = np.array([m[0] for m in MUNICIPALITIES])
    municipality = rng.choice(municipality_codes, size=households, p=[m[1] for m in MUNICIPALITIES])

    parent_age = rng.integers(20, 90, size=households)
    has_children = sizes > adults
    parent_age = np.where(has_children, rng.integers(22, 52, size=households), parent_age)
    age = np.empty(persons, dtype=np.int64)
    is_applicant = role == "applicant"
    age[is_applicant] = parent_age
    spouse = role == "spouse"
    age[spouse] = np.clip(parent_age[household_of[spouse]] + rng.integers(-4, 5, size=spouse.sum()), 19, 95)
    other = role == "other"
    age[other] = np.clip(parent_age[household_of[other]] + rng.integers(22, 32, size=other.sum()), 45, 99)
    child = role == "child"
    oldest_child = np.clip(parent_age - 19, 0, 17)
    age[child] = rng.integers(0, oldest_child[household_of[child]] + 1)
    student = child & (rng.random(persons) < 0.04)
    age[student] = rng.integers(18, 23, size=student.sum())
    birth = _dates(date(2026, 1, 1), -(age * 365 + rng.integers(0, 365, size=persons)))
    sex = np.where(rng.random(persons) < 0.5, "M", "F").astype(object)
    applicant_sex = sex[np.flatnonzero(is_applicant)]
    sex[spouse] = np.where(applicant_sex[household_of[spouse]] == "M", "F", "M")

    person_ids = np.arange(ids["persons"], ids["persons"] + persons)
    household_ids = np.arange(ids["households"], ids["households"] + households)
    person_municipality = municipality[household_of].astype(str)
    # Case numbers: region, OKTMO, a per-municipality sequence, a Luhn digit.
    offsets = dict(case_offsets or {})
    sequence = np.zeros(persons, dtype=np.int64)
    for code in municipality_codes:
        mask = person_municipality == code
        sequence[mask] = offsets.get(code, 0) + np.arange(1, mask.sum() + 1)
        offsets[code] = offsets.get(code, 0) + int(mask.sum())
    body = (int(REGION) * 10**15 + person_municipality.astype(np.int64) * 10**7 + sequence).astype(np.int64)
    case_numbers = (body * 10 + luhn_check(body, 17)).astype(str)
    # A bijection of the person id onto the SNILS numbers above 001-001-998 (104 729 is prime and
    # does not divide the modulus): unique across seeds, since ids are.
    snils_body = (person_ids.astype(np.int64) * 104_729 + 4_104_651) % 997_999_999 + 2_000_000
    snils = [f"{n:09d}{c:02d}" for n, c in zip(snils_body, snils_check(snils_body), strict=True)]
    male = sex == "M"
    surname = rng.choice(np.array(SURNAMES_M, dtype=object), size=persons)
    surname = np.where(male, surname, surname + "а")
    first = np.where(
        male, rng.choice(np.array(FIRST_M, dtype=object), persons), rng.choice(np.array(FIRST_F, dtype=object), persons)
    )
    middle = np.where(
        male,
        rng.choice(np.array(PATRONYMIC_M, dtype=object), persons),
        rng.choice(np.array(PATRONYMIC_F, dtype=object), persons),
    )

    tables: dict[str, pd.DataFrame] = {}
    tables["households"] = pd.DataFrame(
        {
            "id": household_ids,
            "reference": [f"hh-{REGION}-{i:08d}" for i in household_ids],
            "region": REGION,
            "municipality": municipality,
        }
    )
    tables["persons"] = pd.DataFrame(
        {
            "id": person_ids,
            "case_number": case_numbers,
            "snils": snils,
            "last_name": surname,
            "first_name": first,
            "middle_name": middle,
            "birth_date": birth,
            "sex": sex,
            "municipality": person_municipality,
        }
    )
    membership_from = np.maximum(birth, np.datetime64("2020-01-01"))
    tables["memberships"] = pd.DataFrame(
        {
            "id": np.arange(ids["memberships"], ids["memberships"] + persons),
            "household_id": household_ids[household_of],
            "person_id": person_ids,
            "role": role,
            "valid_from": membership_from,
            "valid_to": None,
        }
    )

    # -- categories, disability ---------------------------------------------------------------------
    pension_age = np.where(male, 63, 58)
    pensioner = (age >= pension_age) & ~child
    veteran = pensioner & (rng.random(persons) < 0.35)
    disabled = np.where(child, rng.random(persons) < 0.02, rng.random(persons) < 0.06)
    sole_parent = is_applicant & ~couple[household_of] & has_children[household_of]
    combat_veteran = male & (age >= 22) & (age <= 70) & (rng.random(persons) < 0.03)
    repression_victim = (age >= 70) & (rng.random(persons) < 0.02)
    rehabilitated = (age >= 80) & ~repression_victim & (rng.random(persons) < 0.005)
    category_rows = []
    for mask, code, since_years in (
        (pensioner, "pensioner", age - pension_age),
        (veteran, "labour_veteran", None),
        (sole_parent, "sole_parent", None),
        (combat_veteran, "combat_veteran", None),
        (repression_victim, "repression_victim", None),
        (rehabilitated, "rehabilitated", None),
    ):
        where = np.flatnonzero(mask)
        if since_years is None:
            since = _dates(date(2010, 1, 1), rng.integers(0, 5000, size=len(where)))
        else:
            since = _dates(date(2026, 1, 1), -(since_years[where] * 365))
        category_rows.append(
            pd.DataFrame({"person_id": person_ids[where], "code": code, "valid_from": since, "valid_to": None})
        )
    categories = pd.concat(category_rows, ignore_index=True)
    categories.insert(0, "id", np.arange(1, len(categories) + 1) + (ids.get("person_categories", 1) - 1))
    tables["person_categories"] = categories
    where = np.flatnonzero(disabled)
    group = np.where(child[where], "child", rng.choice(np.array(["1", "2", "3"]), size=len(where), p=[0.1, 0.4, 0.5]))
    tables["disabilities"] = pd.DataFrame(
        {
            "id": np.arange(len(where)) + ids.get("disabilities", 1),
            "person_id": person_ids[where],
            "disability_group": group,
            "valid_from": _dates(date(2015, 1, 1), rng.integers(0, 3600, size=len(where))),
            "valid_to": None,
        }
    )

    # -- incomes: wages or pensions per month, declared for everybody ------------------------------------
    first_month = last_month.add(1 - months)
    month_starts = np.array(
        [Month.from_index(i).start for i in range(first_month.index, last_month.index + 1)], dtype="datetime64[D]"
    )
    adult = ~child | (age >= 18)
    working = adult & ~pensioner & (rng.random(persons) < 0.82) & ~student
    wage = np.round(np.exp(rng.normal(np.log(42_000), 0.55, size=persons)) * 100).astype(np.int64)
    pension = rng.integers(1_400_000, 3_200_000, size=persons)
    earner = np.flatnonzero(working | pensioner)
    monthly = np.where(working[earner], wage[earner], pension[earner])
    kind = np.where(working[earner], "wages", "pension")
    paid = rng.random((len(earner), months)) >= np.where(working[earner], 0.05, 0.0)[:, None]
    rows, cols = np.nonzero(paid)
    tables["incomes"] = pd.DataFrame(
        {
            "id": np.arange(ids["incomes"], ids["incomes"] + len(rows)),
            "person_id": person_ids[earner][rows],
            "month": month_starts[cols],
            "kind": kind[rows],
            "source": None,
            "amount": monthly[rows],
        }
    )
    declared_on = np.datetime64(today)
    no_month = np.datetime64("NaT", "D")
    declarations = [
        pd.DataFrame(
            {
                "person_id": person_ids,
                "kind": "incomes",
                "first_month": month_starts[0],
                "last_month": month_starts[-1],
                "declared_on": declared_on,
            }
        ),
        pd.DataFrame(
            {
                "person_id": person_ids,
                "kind": "no_income_reasons",
                "first_month": no_month,
                "last_month": no_month,
                "declared_on": declared_on,
            }
        ),
    ]
    property_households = rng.random(households) < 0.85
    declares_property = property_households[household_of]
    declarations.append(
        pd.DataFrame(
            {
                "person_id": person_ids[declares_property],
                "kind": "property",
                "first_month": no_month,
                "last_month": no_month,
                "declared_on": declared_on,
            }
        )
    )
    declaration_frame = pd.concat(declarations, ignore_index=True)
    declaration_frame.insert(0, "id", np.arange(len(declaration_frame)) + ids.get("declarations", 1))
    tables["declarations"] = declaration_frame
    # Adults without income who care for a child under 3 have that objective reason.
    youngest = pd.Series(np.where(child, age, 99)).groupby(household_of).min().to_numpy()
    carer = adult & ~working & ~pensioner & (youngest[household_of] < 3)
    where = np.flatnonzero(carer)
    tables["no_income_reasons"] = pd.DataFrame(
        {
            "id": np.arange(len(where)) + ids.get("no_income_reasons", 1),
            "person_id": person_ids[where],
            "kind": "child_care_under_3",
            "valid_from": month_starts[0],
            "valid_to": None,
        }
    )

    # -- property and housing --------------------------------------------------------------------------
    area = rng.integers(2600, 9500, size=households)  # hundredths of m²
    shared = couple & (rng.random(households) < 0.40)
    owner_rows = np.flatnonzero(is_applicant & property_households[household_of])
    owner_household = household_of[owner_rows]
    estate = pd.DataFrame(
        {
            "person_id": person_ids[owner_rows],
            "kind": "apartment",
            "area": area[owner_household],
            "share_numerator": 1,
            "share_denominator": np.where(shared[owner_household], 2, 1),
        }
    )
    spouse_rows = np.flatnonzero(spouse & shared[household_of] & property_households[household_of])
    estate = pd.concat(
        [
            estate,
            pd.DataFrame(
                {
                    "person_id": person_ids[spouse_rows],
                    "kind": "apartment",
                    "area": area[household_of[spouse_rows]],
                    "share_numerator": 1,
                    "share_denominator": 2,
                }
            ),
        ],
        ignore_index=True,
    )
    estate.insert(0, "id", np.arange(len(estate)) + ids.get("real_estate", 1))
    tables["real_estate"] = estate
    car = owner_rows[rng.random(len(owner_rows)) < 0.45]
    tables["vehicles"] = pd.DataFrame(
        {
            "id": np.arange(len(car)) + ids.get("vehicles", 1),
            "person_id": person_ids[car],
            "kind": "car",
            "year": rng.integers(2005, 2026, size=len(car)),
            "power_hp": rng.integers(70, 251, size=len(car)),
        }
    )
    ownership = rng.choice(np.array(["own", "social_rent", "private_rent"]), size=households, p=[0.85, 0.10, 0.05])
    housing_ids = np.arange(households) + ids.get("housing", 1)
    tables["housing"] = pd.DataFrame(
        {
            "id": housing_ids,
            "household_id": household_ids,
            "valid_from": np.datetime64("2020-01-01"),
            "area": area,
            "ownership": ownership,
            "registered_residents": sizes,
            "has_debts": rng.random(households) < 0.02,
        }
    )
    charges = []
    charge_month = np.datetime64(last_month.start)
    for code, unit, per_area, per_person in SERVICES:
        cost = (area * per_area) // 100 + sizes * per_person
        keep = ownership == "own" if code == "capital_repair" else np.ones(households, dtype=bool)
        charges.append(
            pd.DataFrame(
                {"housing_id": housing_ids[keep], "month": charge_month, "code": code, "unit": unit, "cost": cost[keep]}
            )
        )
    charge_frame = pd.concat(charges, ignore_index=True)
    charge_frame.insert(0, "id", np.arange(len(charge_frame)) + ids.get("utility_charges", 1))
    tables["utility_charges"] = charge_frame

    # -- applications in the month after the declarations ------------------------------------------------
    applicant_rows = np.flatnonzero(is_applicant)
    day = rng.integers(1, 28, size=households)
    submitted = _dates(today, day - 1)
    apply_family = has_children & (rng.random(households) < 0.30)
    apply_subsidy = rng.random(households) < 0.12
    frames = [
        pd.DataFrame(
            {
                "household_id": household_ids[apply_family],
                "person_id": person_ids[applicant_rows][apply_family],
                "measure": "unified_child_allowance",
                "submitted_on": submitted[apply_family],
            }
        ),
        pd.DataFrame(
            {
                "household_id": household_ids[apply_subsidy],
                "person_id": person_ids[applicant_rows][apply_subsidy],
                "measure": "housing_utilities_subsidy",
                "submitted_on": submitted[apply_subsidy],
            }
        ),
    ]
    for holders, share, measure in (
        (veteran, 0.60, "samara_edv_labour_veteran"),
        (combat_veteran, 0.70, "edv_combat_veteran"),
        (repression_victim | rehabilitated, 0.60, "samara_edv_home_front_workers"),
    ):
        rows = np.flatnonzero(holders & (rng.random(persons) < share))
        frames.append(
            pd.DataFrame(
                {
                    "household_id": household_ids[household_of[rows]],
                    "person_id": person_ids[rows],
                    "measure": measure,
                    "submitted_on": submitted[household_of[rows]],
                }
            )
        )
    for holders, share, measure in (  # household measures: one application by the applicant
        (disabled, 0.70, "disabled_utilities_compensation"),
        (combat_veteran, 0.70, "combat_veteran_utilities_compensation"),
    ):
        chosen = np.zeros(households, dtype=bool)
        chosen[household_of[holders]] = True
        chosen &= rng.random(households) < share
        frames.append(
            pd.DataFrame(
                {
                    "household_id": household_ids[chosen],
                    "person_id": person_ids[applicant_rows][chosen],
                    "measure": measure,
                    "submitted_on": submitted[chosen],
                }
            )
        )
    applications = pd.concat(frames, ignore_index=True)
    applications.insert(0, "id", np.arange(len(applications)) + ids.get("applications", 1))
    applications["status"] = "registered"
    tables["applications"] = applications
    tables["case_counters"] = pd.DataFrame({"oktmo": list(offsets), "last": list(offsets.values())})
    return Population(tables)


LOAD_ORDER = (
    "households",
    "persons",
    "memberships",
    "person_categories",
    "disabilities",
    "declarations",
    "incomes",
    "no_income_reasons",
    "real_estate",
    "vehicles",
    "housing",
    "utility_charges",
    "applications",
)
