"""The vector backend's frames for a partition of the register, one query per table.

``partition_frames`` gives exactly what ``engine.frames.from_snapshots`` gives for the snapshots
``registry.snapshots`` builds for the same households and date — a test holds them equal —
without building a snapshot per household: the same facts, the same unknowns, the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Select, and_, false, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from engine import Month
from engine.frames import (
    EPOCH,
    NO_DAY,
    NO_MONTH,
    NO_NUMBER,
    OPEN_END,
    OPEN_START,
    QUANTITY_PLACES,
    SHARE_PLACES,
    Frames,
    text_column,
)
from registry.columnar import read_frame, snapshot_reader
from registry.models import (
    Application,
    Declaration,
    Deposit,
    Disability,
    Document,
    Household,
    Housing,
    Income,
    Membership,
    NoIncomeReason,
    Person,
    PersonCategory,
    Pregnancy,
    RealEstate,
    UtilityCharge,
    Vehicle,
)
from registry.snapshots import ROLE_ORDER


def _raw(column):  # type: ignore[no-untyped-def]
    """A Money or Scaled column as its stored integer."""
    return type_coerce(column, BigInteger()).label(column.key)


def _valid(column_from, column_to, on: date):  # type: ignore[no-untyped-def]
    return and_(column_from <= on, or_(column_to.is_(None), column_to >= on))


def _among(column, ids: Sequence[int]):  # type: ignore[no-untyped-def]
    """``column IN (ids)`` with the ids written inline: a partition's thousands of ids are read
    by COPY as SQL text, and SQLAlchemy renders literals one by one, slowly."""
    listed = ",".join(str(int(i)) for i in ids)  # integers only: nothing to quote
    return column.op("IN")(literal_column(f"({listed})")) if listed else false()


_READER = "mera.columnar_reader"  # session.info key: the reader of the frames being built


def _frame(session: Session, query: Select, columns: Sequence[str], categorical: Sequence[str] = ()) -> pd.DataFrame:
    reader = session.info.get(_READER)
    if reader is not None:
        return reader(query, columns, categorical)
    return read_frame(session.connection(), query, columns, categorical)


def _days(values: pd.Series, missing: int) -> np.ndarray:
    """Dates as days since 1970 (``missing`` where absent)."""
    result = np.full(len(values), missing, dtype=np.int64)
    present = values.notna().to_numpy()
    if present.any():
        moments = pd.to_datetime(values[present]).to_numpy().astype("datetime64[D]")
        result[present] = (moments - np.datetime64(EPOCH)).astype(np.int64)
    return result


def _months(values: pd.Series) -> np.ndarray:
    moments = pd.to_datetime(values)
    return (moments.dt.year * 12 + moments.dt.month - 1).to_numpy().astype(np.int64)


def _rescale(values: pd.Series, from_places: int, to_places: int) -> np.ndarray:
    return values.to_numpy().astype(np.int64) * 10 ** (to_places - from_places)


def partition_frames(
    session: Session,
    on: date,
    household_ids: Sequence[int] | None = None,
    municipality: str | None = None,
    household_range: tuple[int, int] | None = None,
) -> tuple[Frames, np.ndarray, np.ndarray]:
    """Frames of the households (given; or those with ids in a range, first and last included;
    and/or of a municipality) as known on a date, with the register ids of their households and
    members (``Frames`` rows are positions), every table read in one view of the register
    (``registry.columnar.snapshot_reader``). A range reads faster than a long list of ids."""
    with snapshot_reader(session.connection()) as reader:
        session.info[_READER] = reader
        try:
            return _partition_frames(session, on, household_ids, municipality, household_range)
        finally:
            del session.info[_READER]


def _partition_frames(
    session: Session,
    on: date,
    household_ids: Sequence[int] | None,
    municipality: str | None,
    household_range: tuple[int, int] | None,
) -> tuple[Frames, np.ndarray, np.ndarray]:
    membership = select(Membership.household_id, Membership.person_id, Membership.role).where(
        _valid(Membership.valid_from, Membership.valid_to, on)
    )
    if household_ids is not None:
        membership = membership.where(_among(Membership.household_id, household_ids))
    if household_range is not None:
        membership = membership.where(Membership.household_id.between(*household_range))
    if municipality is not None:
        membership = membership.join(Household, Household.id == Membership.household_id).where(
            Household.municipality == municipality
        )
    part = membership.subquery()
    people = select(part.c.person_id)
    households_of_part = select(part.c.household_id)
    of_people, of_households, dwellings_in_range = _part_conditions(session, part, people, households_of_part)
    # The two largest reads (monthly incomes; utility charges) are read ahead while the rest is.
    income_query = select(Income.person_id, Income.month, Income.kind, _raw(Income.amount)).where(
        of_people(Income.person_id)
    )
    charges_query = _charges_query(of_households, dwellings_in_range, on)
    reader = session.info.get(_READER)
    if reader is not None:
        reader.prefetch([(income_query, INCOME_COLUMNS, ("kind",)), (charges_query, CHARGE_COLUMNS, CHARGE_TEXTS)])

    members = _frame(
        session,
        select(part.c.household_id, part.c.person_id, part.c.role, Person.birth_date, Person.sex)
        .join(Person, Person.id == part.c.person_id)
        .where(of_people(Person.id)),
        ["household_id", "person_id", "role", "birth_date", "sex"],
        categorical=("sex",),
    )
    members["role_order"] = members["role"].map(ROLE_ORDER)
    members = members.sort_values(["household_id", "role_order", "birth_date", "person_id"]).reset_index(drop=True)
    household_ids_sorted = np.unique(members["household_id"].to_numpy())
    household_position = Positions(household_ids_sorted)
    member_position = Positions(members["person_id"].to_numpy())

    households = (
        _frame(
            session,
            select(Household.id, Household.reference, Household.region, Household.municipality).where(
                of_households(Household.id)
            ),
            ["household_id", "key", "region", "municipality"],
            categorical=("region", "municipality"),
        )
        .set_index("household_id")
        .loc[household_ids_sorted]
        .reset_index()
    )
    latest = _frame(
        session,
        select(Application.household_id, Application.submitted_on, Application.measure, Application.id).where(
            of_households(Application.household_id), Application.submitted_on <= on
        ),
        ["household_id", "day", "measure", "id"],
    ).sort_values(["household_id", "day", "id"])
    generic = latest.groupby("household_id").tail(1).set_index("household_id")
    application_day = np.full(len(households), NO_DAY, dtype=np.int64)
    application_measure = np.full(len(households), None, dtype=object)
    if len(generic):
        rows = household_position[generic.index]
        application_day[rows] = _days(generic["day"], NO_DAY)
        application_measure[rows] = generic["measure"].to_numpy()
    per_measure = latest.groupby(["household_id", "measure"]).tail(1)
    applications = _table(
        {
            "household": household_position[per_measure["household_id"]],
            "measure": text_column(per_measure["measure"]),
            "day": _days(per_measure["day"], NO_DAY),
        }
    )

    declarations = _frame(
        session,
        select(Declaration.person_id, Declaration.kind, Declaration.first_month, Declaration.last_month).where(
            of_people(Declaration.person_id), Declaration.declared_on <= on
        ),
        ["person_id", "kind", "first_month", "last_month"],
    )
    incomes_first, incomes_last = _declared_runs(declarations, members["person_id"].to_numpy())
    member_ids = members["person_id"].to_numpy()
    property_known = np.isin(member_ids, declarations.loc[declarations["kind"] == "property", "person_id"].to_numpy())
    reasons_known = np.isin(
        member_ids, declarations.loc[declarations["kind"] == "no_income_reasons", "person_id"].to_numpy()
    )

    def per_person(model, columns, names, where=(), order=(), categorical=()):  # type: ignore[no-untyped-def]
        frame = _frame(
            session,
            select(model.person_id, *columns).where(of_people(model.person_id), *where),
            ["person_id", *names],
            categorical,
        )
        frame["member"] = member_position[frame["person_id"]]
        return frame.sort_values(["member", *order], kind="stable").reset_index(drop=True)

    disabilities = per_person(
        Disability,
        [Disability.group, Disability.valid_from, Disability.valid_to, Disability.id],
        ["group", "valid_from", "valid_to", "id"],
    )
    chosen_disability = _choose_disability(disabilities, on, len(members))
    pregnancies = per_person(
        Pregnancy,
        [
            Pregnancy.registered_on,
            Pregnancy.weeks_at_registration,
            Pregnancy.expected_birth,
            Pregnancy.ended_on,
            Pregnancy.id,
        ],
        ["registered_on", "weeks", "expected_birth", "ended_on", "id"],
        where=(or_(Pregnancy.ended_on.is_(None), Pregnancy.ended_on >= on),),
        order=("registered_on",),
    )
    pregnancy = pregnancies.groupby("member").tail(1).set_index("member")

    member_frame = _table(
        {
            "household": household_position[members["household_id"]],
            "key": text_column(members["person_id"].astype(str)),
            "role": text_column(pd.Categorical(members["role"])),  # a few roles: compared as codes
            "birth_day": _days(members["birth_date"], NO_DAY),
            "sex": text_column(members["sex"]),
            "incomes_first": incomes_first,
            "incomes_last": incomes_last,
            "property_known": property_known,
            "reasons_known": reasons_known,
            "disability_group": text_column(chosen_disability["group"]),
            "disability_from": chosen_disability["from"].to_numpy().astype(np.int64),
            "disability_to": chosen_disability["to"].to_numpy().astype(np.int64),
            "pregnancy_day": np.full(len(members), NO_DAY, dtype=np.int64),
            "pregnancy_weeks": np.zeros(len(members), dtype=np.int64),
            "pregnancy_expected": np.full(len(members), NO_DAY, dtype=np.int64),
        }
    )
    if len(pregnancy):
        rows = pregnancy.index.to_numpy()
        member_frame.loc[rows, "pregnancy_day"] = _days(pregnancy["registered_on"], NO_DAY)
        member_frame.loc[rows, "pregnancy_weeks"] = pregnancy["weeks"].to_numpy().astype(np.int64)
        member_frame.loc[rows, "pregnancy_expected"] = _days(pregnancy["expected_birth"], NO_DAY)

    income_frame = _income_frame(
        _frame(session, income_query, INCOME_COLUMNS, categorical=("kind",)),
        member_position,
        incomes_first,
        incomes_last,
    )

    categories = per_person(
        PersonCategory,
        [PersonCategory.code, PersonCategory.valid_from, PersonCategory.valid_to],
        ["code", "valid_from", "valid_to"],
        categorical=("code",),
    )
    categories = categories.sort_values(["member", "code", "valid_from"], kind="stable", na_position="first")
    reasons = per_person(
        NoIncomeReason,
        [NoIncomeReason.kind, NoIncomeReason.valid_from, NoIncomeReason.valid_to],
        ["kind", "valid_from", "valid_to"],
        order=("valid_from", "kind"),
        categorical=("kind",),
    )
    reasons = reasons[reasons_known[reasons["member"].to_numpy()]] if len(reasons) else reasons
    documents = per_person(Document, [Document.kind, Document.id], ["kind", "id"], order=("id",), categorical=("kind",))
    estate = per_person(
        RealEstate,
        [
            RealEstate.kind,
            _raw(RealEstate.area),
            RealEstate.share_numerator,
            RealEstate.share_denominator,
            RealEstate.id,
        ],
        ["kind", "area", "numerator", "denominator", "id"],
        order=("id",),
        categorical=("kind",),
    )
    vehicles = per_person(
        Vehicle,
        [Vehicle.kind, Vehicle.year, Vehicle.power_hp, Vehicle.id],
        ["kind", "year", "power_hp", "id"],
        order=("id",),
        categorical=("kind",),
    )
    deposits = per_person(Deposit, [_raw(Deposit.balance), Deposit.id], ["balance", "id"], order=("id",))
    for table in ("estate", "vehicles", "deposits"):
        frame = {"estate": estate, "vehicles": vehicles, "deposits": deposits}[table]
        declared = property_known[frame["member"].to_numpy()] if len(frame) else np.zeros(0, dtype=bool)
        frame = frame[declared].reset_index(drop=True)
        frame["position"] = frame.groupby("member").cumcount().astype(np.int64)
        if table == "estate":
            estate = frame
        elif table == "vehicles":
            vehicles = frame
        else:
            deposits = frame

    housing = (
        _frame(
            session,
            select(
                Housing.household_id,
                Housing.id,
                _raw(Housing.area),
                Housing.ownership,
                Housing.registered_residents,
                Housing.has_debts,
                Housing.valid_from,
            ).where(of_households(Housing.household_id), Housing.valid_from <= on),
            ["household_id", "housing_id", "area", "ownership", "registered_residents", "has_debts", "valid_from"],
            categorical=("ownership",),
        )
        .sort_values(["household_id", "valid_from", "housing_id"])
        .groupby("household_id")
        .tail(1)
    )
    housing["household"] = household_position[housing["household_id"]]
    housing = housing.sort_values("household").reset_index(drop=True)
    charges = _frame(session, charges_query, CHARGE_COLUMNS, categorical=CHARGE_TEXTS)
    charges = charges.merge(housing[["housing_id", "household"]], on="housing_id")
    charges = charges.sort_values(["household", "code"]).reset_index(drop=True)

    frames = Frames(
        households=_table(
            {
                "key": text_column(households["key"]),
                "region": text_column(households["region"]),
                "municipality": text_column(households["municipality"]),
                "application_day": application_day,
                "application_measure": text_column(application_measure),
                "has_housing": np.isin(np.arange(len(households)), housing["household"].to_numpy()),
            }
        ),
        members=member_frame,
        incomes=income_frame,
        categories=_table(
            {
                "member": categories["member"].to_numpy().astype(np.int64),
                "code": text_column(categories["code"]),
                "start": _days(categories["valid_from"], OPEN_START),
                "end": _days(categories["valid_to"], OPEN_END),
            }
        ),
        reasons=_table(
            {
                "member": reasons["member"].to_numpy().astype(np.int64),
                "kind": text_column(reasons["kind"]),
                "start": _days(reasons["valid_from"], NO_DAY),
                "end": _days(reasons["valid_to"], OPEN_END),
            }
        ),
        documents=_table(
            {"member": documents["member"].to_numpy().astype(np.int64), "kind": text_column(documents["kind"])}
        ),
        real_estate=_table(
            {
                "member": estate["member"].to_numpy().astype(np.int64),
                "kind": text_column(estate["kind"]),
                "area": _rescale(estate["area"], 2, QUANTITY_PLACES),
                "share": _shares(estate["numerator"].to_numpy(), estate["denominator"].to_numpy()),
                "position": estate["position"].to_numpy().astype(np.int64),
            }
        ),
        vehicles=_table(
            {
                "member": vehicles["member"].to_numpy().astype(np.int64),
                "kind": text_column(vehicles["kind"]),
                "year": vehicles["year"].fillna(NO_NUMBER).to_numpy().astype(np.int64),
                "power_hp": vehicles["power_hp"].fillna(NO_NUMBER).to_numpy().astype(np.int64),
                "position": vehicles["position"].to_numpy().astype(np.int64),
            }
        ),
        deposits=_table(
            {
                "member": deposits["member"].to_numpy().astype(np.int64),
                "balance": deposits["balance"].to_numpy().astype(np.int64),
                "position": deposits["position"].to_numpy().astype(np.int64),
            }
        ),
        housing=_table(
            {
                "household": housing["household"].to_numpy().astype(np.int64),
                "area": _rescale(housing["area"], 2, QUANTITY_PLACES),
                "ownership": text_column(housing["ownership"]),
                "registered_residents": housing["registered_residents"].fillna(NO_NUMBER).to_numpy().astype(np.int64),
                "has_debts": pd.array(housing["has_debts"].to_numpy(), dtype="boolean"),
            }
        ),
        services=_table(
            {
                "household": charges["household"].to_numpy().astype(np.int64),
                "code": text_column(charges["code"]),
                "unit": text_column(charges["unit"]),
                "tariff": _optional_rescale(charges["tariff"], 4),
                "norm": _optional_rescale(charges["norm"], 6),
                "volume": _optional_rescale(charges["volume"], 4),
                "cost": charges["cost"].to_numpy().astype(np.int64),
                "position": charges.groupby("household").cumcount().to_numpy().astype(np.int64),
            }
        ),
        applications=applications,
    )
    return frames, household_ids_sorted, members["person_id"].to_numpy()


def _optional_rescale(values: pd.Series, places: int) -> np.ndarray:
    result = np.full(len(values), NO_NUMBER, dtype=np.int64)
    present = values.notna().to_numpy()
    result[present] = values[present].to_numpy().astype(np.int64) * 10 ** (QUANTITY_PLACES - places)
    return result


def _shares(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """n/d to SHARE_PLACES places, rounded half-even — as the snapshot's share."""
    from engine.backends.vector_values import vdiv_round

    return vdiv_round(numerators.astype(np.int64) * 10**SHARE_PLACES, denominators.astype(np.int64), "half_even")


def _table(columns: dict) -> pd.DataFrame:  # type: ignore[type-arg]
    """A frame of freshly made columns as they are: pandas would otherwise stack those of one
    type into a block, a second copy of every row (a fifth of a second for the incomes alone)."""
    return pd.DataFrame(columns, copy=False)


class Positions:
    """The row of each id in a frame: ``positions[ids]`` (an int64 array; KeyError for an id
    not there). Integer ids no larger than a few times their number are looked up in an array
    (a gather: millions of income rows in milliseconds), others through a pandas index."""

    __slots__ = ("_index", "_table")

    def __init__(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids)
        self._table: np.ndarray | None = None
        self._index: pd.Index | None = None
        if ids.dtype.kind in "iu" and (not len(ids) or (ids.min() >= 0 and ids.max() < 4 * len(ids) + 1_000_000)):
            self._table = np.full(int(ids.max()) + 1 if len(ids) else 0, -1, dtype=np.int64)
            self._table[ids] = np.arange(len(ids), dtype=np.int64)
        else:
            self._index = pd.Index(ids)

    def __getitem__(self, ids) -> np.ndarray:  # type: ignore[no-untyped-def]
        ids = np.asarray(ids)
        if self._table is None:
            assert self._index is not None
            rows = self._index.get_indexer(ids)
        else:
            ids = ids.astype(np.int64, copy=False)
            if len(ids) and (ids.min() < 0 or ids.max() >= len(self._table)):
                raise KeyError("ids not among the frame's rows")
            rows = self._table[ids]
        if len(rows) and rows.min() < 0:
            raise KeyError(f"{int(np.count_nonzero(rows < 0))} ids not among the frame's rows")
        return rows.astype(np.int64, copy=False)


def _income_frame(
    incomes: pd.DataFrame, member_position: Positions, incomes_first: np.ndarray, incomes_last: np.ndarray
) -> pd.DataFrame:
    """Monthly totals per (member, month, kind) inside each member's declared run, sorted so —
    six million rows at a region's scale: integer keys, the kind as a categorical's code."""
    member = member_position[incomes["person_id"]]
    month = incomes["month"].to_numpy().astype("datetime64[M]").astype(np.int64) + 1970 * 12
    first, last = incomes_first[member], incomes_last[member]
    inside = (first != NO_MONTH) & (month >= first) & (month <= last)
    kind = incomes["kind"].array
    assert isinstance(kind, pd.Categorical)
    kinds = max(len(kind.categories), 1)
    codes = np.asarray(kind.codes, dtype=np.int64)
    amounts = incomes["amount"].to_numpy().astype(np.int64)
    if not inside.all():  # usually every row is: no copies of six million rows then
        member, month, codes, amounts = member[inside], month[inside], codes[inside], amounts[inside]
    key = member * (2**20 * kinds)  # (member, month, kind) in one integer, built in place
    month *= kinds
    key += month
    key += codes
    keys, amounts = _sums_by_key(key, amounts)
    return _table(
        {
            "member": keys // kinds // 2**20,
            "month": keys // kinds % 2**20,
            "kind": pd.Categorical.from_codes(keys % kinds, dtype=kind.dtype),
            "amount": amounts,
        }
    )


def _sums_by_key(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys ascending and the sum of the values of each: by runs of the sorted keys
    (the register usually hands incomes over in key order already, and then nothing is sorted)."""
    if len(key) and not (key[1:] >= key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
    if not len(key):
        return key.astype(np.int64), values.astype(np.int64)
    distinct = key[1:] != key[:-1]
    if distinct.all():  # a row per key already (the usual case): nothing to add up
        return key, values
    starts = np.flatnonzero(np.concatenate(([True], distinct)))
    # Each run's sum as the difference of running totals at its ends: int64 arithmetic wraps
    # around, so the differences are exact whenever a run's own sum fits, whatever the totals.
    total = np.cumsum(values)
    ends = np.append(starts[1:], len(key)) - 1
    sums = total[ends]
    sums[1:] -= total[ends[:-1]]
    return key[starts], sums


def _declared_runs(declarations: pd.DataFrame, person_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per member: the run of declared income months that ends with the latest (as the snapshot)."""
    first = np.full(len(person_ids), NO_MONTH, dtype=np.int64)
    last = np.full(len(person_ids), NO_MONTH, dtype=np.int64)
    incomes = declarations[
        (declarations["kind"] == "incomes") & declarations["first_month"].notna() & declarations["last_month"].notna()
    ]
    if incomes.empty:
        return first, last
    position = pd.Series(np.arange(len(person_ids)), index=person_ids)
    spans = pd.DataFrame(
        {
            "person_id": incomes["person_id"].to_numpy(),
            "first": _months(incomes["first_month"]),
            "last": _months(incomes["last_month"]),
        }
    )
    counts = spans.groupby("person_id").size()
    single = spans[spans["person_id"].isin(counts[counts == 1].index)]
    rows = position[single["person_id"]].to_numpy()
    first[rows], last[rows] = single["first"].to_numpy(), single["last"].to_numpy()
    for person_id, group in spans[spans["person_id"].isin(counts[counts > 1].index)].groupby("person_id"):
        months: set[int] = set()
        for start, stop in group[["first", "last"]].itertuples(index=False):
            months.update(range(int(start), int(stop) + 1))
        end = max(months)
        begin = end
        while begin - 1 in months:
            begin -= 1
        first[position[person_id]], last[position[person_id]] = begin, end
    return first, last


def _choose_disability(disabilities: pd.DataFrame, on: date, members: int) -> pd.DataFrame:
    """Per member row: the disability record the snapshot builder chooses (group, from, to in
    days; no record: group None) — ``registry.snapshots.choose_disability_index`` on arrays: the
    latest (by start, then id) of the records covering the date, else the latest of all."""
    group = np.full(members, None, dtype=object)
    start = np.full(members, NO_DAY, dtype=np.int64)
    end = np.full(members, NO_DAY, dtype=np.int64)
    if len(disabilities):
        day = (on - EPOCH).days
        starts = _days(disabilities["valid_from"], NO_DAY)
        ends = _days(disabilities["valid_to"], OPEN_END)
        records = pd.DataFrame(
            {
                "member": disabilities["member"].to_numpy(),
                "covering": (starts <= day) & (ends >= day),
                "start": starts,
                "id": disabilities["id"].to_numpy(),
                "end": ends,
                "group": disabilities["group"].to_numpy(dtype=object),
            }
        )
        chosen = records.sort_values(["member", "covering", "start", "id"]).groupby("member").tail(1)
        rows = chosen["member"].to_numpy()
        group[rows] = chosen["group"].to_numpy()
        start[rows] = chosen["start"].to_numpy()
        end[rows] = chosen["end"].to_numpy()
    return pd.DataFrame({"group": group, "from": start, "to": end})


INCOME_COLUMNS = ["person_id", "month", "kind", "amount"]
CHARGE_COLUMNS = ["housing_id", "month", "code", "unit", "tariff", "norm", "volume", "cost"]
CHARGE_TEXTS = ("code", "unit")


def _part_conditions(session: Session, part, people, households_of_part):  # type: ignore[no-untyped-def]
    """Conditions on a person id and on a household id column: the value is one of the part's
    — and within the range of the part's ids, which says the same but lets the server read only
    that stretch of a large table whose rows lie in id order (a register filled household by
    household): measured on 500,000 people in four partitions, the incomes of one took 1.4 s
    instead of 3.1 s (a hash join with every row of the table), its utility charges 0.9 s instead
    of 2.2 s. Two small queries find the ranges; the third function gives the dwellings' range as
    conditions (none when the part is empty)."""
    low_person, high_person, low_household, high_household = session.execute(
        select(
            func.min(part.c.person_id),
            func.max(part.c.person_id),
            func.min(part.c.household_id),
            func.max(part.c.household_id),
        )
    ).one()

    def of_people(column):  # type: ignore[no-untyped-def]
        among = column.in_(people)
        return among if low_person is None else and_(column.between(low_person, high_person), among)

    def of_households(column):  # type: ignore[no-untyped-def]
        among = column.in_(households_of_part)
        return among if low_household is None else and_(column.between(low_household, high_household), among)

    low_dwelling, high_dwelling = session.execute(
        select(func.min(Housing.id), func.max(Housing.id)).where(of_households(Housing.household_id))
    ).one()

    def dwellings_in_range(column):  # type: ignore[no-untyped-def]
        return [] if low_dwelling is None else [column.between(low_dwelling, high_dwelling)]

    return of_people, of_households, dwellings_in_range


def _charges_query(of_households, dwellings_in_range, on: date):  # type: ignore[no-untyped-def]
    """The utility charges of each dwelling of the households (``of_households``: the condition
    on a household id column) in its latest month with charges (by ``on``), within the range of
    the dwellings' ids (``_part_conditions``)."""
    housing_of_part = select(Housing.id).where(of_households(Housing.household_id))
    in_range = dwellings_in_range(UtilityCharge.housing_id)
    last_month = (
        select(UtilityCharge.housing_id, func.max(UtilityCharge.month).label("month"))
        .where(*in_range, UtilityCharge.housing_id.in_(housing_of_part), UtilityCharge.month <= Month.of(on).start)
        .group_by(UtilityCharge.housing_id)
        .subquery()
    )
    return select(
        UtilityCharge.housing_id,
        UtilityCharge.month,
        UtilityCharge.code,
        UtilityCharge.unit,
        _raw(UtilityCharge.tariff),
        _raw(UtilityCharge.norm),
        _raw(UtilityCharge.volume),
        _raw(UtilityCharge.cost),
    ).join(
        last_month,
        and_(UtilityCharge.housing_id == last_month.c.housing_id, UtilityCharge.month == last_month.c.month, *in_range),
    )
