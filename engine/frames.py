"""Columnar frames: many households at once, the input of the vector backend.

The frames hold exactly the facts a :class:`~engine.snapshot.Snapshot` holds, with the same
unknowns, in arrays: one row per household, one per member (members sorted by household,
in snapshot order), long tables for incomes, categories, reasons, property and services.
Dates are days since 1970-01-01, months are month numbers (``year * 12 + month - 1``), money is
integer kopecks, quantities are integers scaled by ``10**QUANTITY_PLACES``; unknown facts are
flags or sentinels named below. ``from_snapshots`` builds them from snapshots (tests, small
batches); the register builds them from its tables for a whole partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.arithmetic import PLACES
from engine.snapshot import Snapshot

EPOCH = date(1970, 1, 1)
NO_DAY = np.iinfo(np.int64).min  # an absent date (unknown or open, as the column says)
OPEN_START = np.iinfo(np.int64).min // 2  # a period without a start: since always
OPEN_END = np.iinfo(np.int64).max // 2  # a period without an end: for ever
NO_MONTH = -1
NO_NUMBER = np.iinfo(np.int64).min
QUANTITY_PLACES = 6  # areas, volumes, norms, tariffs (the snapshot schema allows six places)
SHARE_PLACES = PLACES  # ownership shares: 1/3 is 0.3333333333, as the rules compute it


def text_column(values) -> pd.Series:  # type: ignore[no-untyped-def]
    """Text as a plain object column: pandas would otherwise convert every string to Arrow
    (seven times slower to build), and the backends read object arrays anyway. A categorical
    stays one (a few distinct texts: codes, the backends read them as such)."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return pd.Series(values, copy=False)
    array = np.asarray(values, dtype=object)
    missing = pd.isna(array)
    if missing.any():  # None, whatever pandas used (NaN, NA)
        array = array.copy()
        array[missing] = None
    return pd.Series(array, dtype=object, copy=False)


def day_number(day: date | None, missing: int = NO_DAY) -> int:
    return missing if day is None else (day - EPOCH).days


def scaled(value: Decimal | None, places: int = QUANTITY_PLACES) -> int:
    """A decimal as an integer of ``10**-places`` units; refuses more places than that."""
    if value is None:
        return NO_NUMBER
    result = value.scaleb(places)
    if result != result.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimal places")
    return int(result)


@dataclass(frozen=True, slots=True)
class Frames:
    """Households and their members as arrays. Column meanings:

    households: ``key``, ``region``, ``municipality`` (None: unknown), ``application_day``
        (NO_DAY: no application), ``application_measure``, ``has_housing``;
    members: ``household`` (row of households), ``key``, ``role``, ``birth_day``, ``sex``,
        ``incomes_first``/``incomes_last`` (months; NO_MONTH: incomes unknown),
        ``property_known``, ``reasons_known``, ``disability_group`` ('1', '2', '3', 'child' or
        None), ``disability_from``/``disability_to`` (OPEN_END when open), ``pregnancy_day``
        (NO_DAY: none), ``pregnancy_weeks``, ``pregnancy_expected`` (NO_DAY: not given);
    incomes: ``member``, ``month``, ``kind``, ``amount`` (kopecks); one row per member, month and kind;
    categories: ``member``, ``code``, ``start`` (OPEN_START), ``end`` (OPEN_END);
    reasons: ``member``, ``kind``, ``start``, ``end`` (OPEN_END);
    documents: ``member``, ``kind``;
    real_estate: ``member``, ``kind``, ``area`` (scaled), ``share`` (SHARE_PLACES), ``position`` (order in
        the member's list);
    vehicles: ``member``, ``kind``, ``year``, ``power_hp`` (NO_NUMBER: not given), ``position``;
    deposits: ``member``, ``balance`` (kopecks), ``position``;
    housing: ``household``, ``area`` (scaled), ``ownership`` (None: unknown), ``registered_residents``
        (NO_NUMBER: unknown), ``has_debts`` (pandas boolean, NA: unknown);
    services: ``household``, ``code``, ``unit``, ``tariff``/``norm``/``volume`` (scaled, NO_NUMBER:
        unknown), ``cost`` (kopecks), ``position``.
    """

    households: pd.DataFrame
    members: pd.DataFrame
    incomes: pd.DataFrame
    categories: pd.DataFrame
    reasons: pd.DataFrame
    documents: pd.DataFrame
    real_estate: pd.DataFrame
    vehicles: pd.DataFrame
    deposits: pd.DataFrame
    housing: pd.DataFrame
    services: pd.DataFrame
    # Per-measure applications (household, measure, day), from the register: a measure then
    # reads its own application. None (frames from snapshots): the snapshot's application.
    applications: pd.DataFrame | None = None
    member_start: np.ndarray = field(init=False, repr=False)  # first member row of each household
    applicant: np.ndarray = field(init=False, repr=False)  # the applicant's member row per household
    sizes: np.ndarray = field(init=False, repr=False)  # the number of members of each household

    def __post_init__(self) -> None:
        household = self.members["household"].to_numpy()
        counts = np.bincount(household, minlength=len(self.households))
        object.__setattr__(self, "sizes", counts.astype(np.int64))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, dtype=np.int64)
        object.__setattr__(self, "member_start", starts.astype(np.int64))
        applicant = starts.astype(np.int64).copy()
        rows = np.flatnonzero((self.members["role"] == "applicant").to_numpy(dtype=bool, na_value=False))
        applicant[household[rows]] = rows
        object.__setattr__(self, "applicant", applicant)


def from_snapshots(snapshots: Sequence[Snapshot]) -> Frames:
    """Frames of the given snapshots, household ``i`` being ``snapshots[i]``."""
    households, members, incomes, categories, reasons, documents = [], [], [], [], [], []
    real_estate, vehicles, deposits, housing, services = [], [], [], [], []
    for index, snapshot in enumerate(snapshots):
        application = snapshot.application
        households.append(
            (
                snapshot.id or str(index),
                snapshot.region,
                snapshot.municipality,
                day_number(application.date) if application else NO_DAY,
                application.measure if application else None,
                snapshot.housing is not None,
            )
        )
        for member in snapshot.members:
            row = len(members)
            declared = member.incomes_declared
            disability = member.disability
            pregnancy = member.pregnancy
            members.append(
                (
                    index,
                    member.id,
                    member.role,
                    day_number(member.birth_date),
                    member.sex,
                    declared.first.index if declared else NO_MONTH,
                    declared.last.index if declared else NO_MONTH,
                    member.real_estate is not None,
                    member.no_income_reasons is not None,
                    str(disability.group) if disability else None,
                    day_number(disability.start) if disability else NO_DAY,
                    day_number(disability.end, OPEN_END) if disability else NO_DAY,
                    day_number(pregnancy.registered_on) if pregnancy else NO_DAY,
                    pregnancy.weeks_at_registration if pregnancy else 0,
                    day_number(pregnancy.expected_birth) if pregnancy else NO_DAY,
                )
            )
            for month, by_kind in member.incomes.items():
                for kind, amount in by_kind.items():
                    incomes.append((row, month.index, kind, scaled(amount, 2)))
            for category in member.categories:
                categories.append(
                    (row, category.code, day_number(category.start, OPEN_START), day_number(category.end, OPEN_END))
                )
            for reason in member.no_income_reasons or ():
                reasons.append((row, reason.kind, day_number(reason.start), day_number(reason.end, OPEN_END)))
            for document in member.documents:
                documents.append((row, document.kind))
            for position, item in enumerate(member.real_estate or ()):
                real_estate.append((row, item.kind, scaled(item.area), scaled(item.share, SHARE_PLACES), position))
            for position, item in enumerate(member.vehicles or ()):
                vehicles.append(
                    (
                        row,
                        item.kind,
                        NO_NUMBER if item.year is None else item.year,
                        NO_NUMBER if item.power_hp is None else item.power_hp,
                        position,
                    )
                )
            for position, item in enumerate(member.deposits or ()):
                deposits.append((row, scaled(item.balance, 2), position))
        if snapshot.housing is not None:
            home = snapshot.housing
            housing.append(
                (
                    index,
                    scaled(home.area),
                    home.ownership,
                    NO_NUMBER if home.registered_residents is None else home.registered_residents,
                    home.has_debts,
                )
            )
            for position, service in enumerate(home.services):
                services.append(
                    (
                        index,
                        service.code,
                        service.unit,
                        scaled(service.tariff),
                        scaled(service.norm),
                        scaled(service.volume),
                        scaled(service.cost, 2),
                        position,
                    )
                )

    def frame(rows: list[tuple], columns: list[str], dtypes: dict[str, str] | None = None) -> pd.DataFrame:
        """Columns of the given dtypes; the others are text (``text_column``)."""
        dtypes = dtypes or {}
        values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
        return pd.DataFrame(
            {
                name: pd.Series(list(column), dtype=dtypes[name]) if name in dtypes else text_column(list(column))
                for name, column in zip(columns, values, strict=True)
            }
        )

    ints = "int64"
    return Frames(
        households=frame(
            households,
            ["key", "region", "municipality", "application_day", "application_measure", "has_housing"],
            {"application_day": ints, "has_housing": "bool"},
        ),
        members=frame(
            members,
            [
                "household",
                "key",
                "role",
                "birth_day",
                "sex",
                "incomes_first",
                "incomes_last",
                "property_known",
                "reasons_known",
                "disability_group",
                "disability_from",
                "disability_to",
                "pregnancy_day",
                "pregnancy_weeks",
                "pregnancy_expected",
            ],
            {
                "household": ints,
                "birth_day": ints,
                "incomes_first": ints,
                "incomes_last": ints,
                "property_known": "bool",
                "reasons_known": "bool",
                "disability_from": ints,
                "disability_to": ints,
                "pregnancy_day": ints,
                "pregnancy_weeks": ints,
                "pregnancy_expected": ints,
            },
        ),
        incomes=frame(incomes, ["member", "month", "kind", "amount"], {"member": ints, "month": ints, "amount": ints}),
        categories=frame(categories, ["member", "code", "start", "end"], {"member": ints, "start": ints, "end": ints}),
        reasons=frame(reasons, ["member", "kind", "start", "end"], {"member": ints, "start": ints, "end": ints}),
        documents=frame(documents, ["member", "kind"], {"member": ints}),
        real_estate=frame(
            real_estate,
            ["member", "kind", "area", "share", "position"],
            {"member": ints, "area": ints, "share": ints, "position": ints},
        ),
        vehicles=frame(
            vehicles,
            ["member", "kind", "year", "power_hp", "position"],
            {"member": ints, "year": ints, "power_hp": ints, "position": ints},
        ),
        deposits=frame(
            deposits, ["member", "balance", "position"], {"member": ints, "balance": ints, "position": ints}
        ),
        housing=frame(
            housing,
            ["household", "area", "ownership", "registered_residents", "has_debts"],
            {"household": ints, "area": ints, "registered_residents": ints, "has_debts": "boolean"},
        ),
        services=frame(
            services,
            ["household", "code", "unit", "tariff", "norm", "volume", "cost", "position"],
            {"household": ints, "tariff": ints, "norm": ints, "volume": ints, "cost": ints, "position": ints},
        ),
    )
