"""Inputs of the vector backend: the root names, record fields and calendar arithmetic on arrays,
each giving what the scalar backend's ``field_value`` and ``engine.periods`` give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine.backends import vector_values as vv
from engine.backends.branchless import choose
from engine.backends.vector_values import Bools, Days, Lists, Months, Num, Refs, Texts, Vec, Windows
from engine.frames import EPOCH, NO_DAY, NO_MONTH, NO_NUMBER, QUANTITY_PLACES, SHARE_PLACES

# -- calendar on arrays: days since 1970 ↔ (year, month, day) ------------------------------------


_TABLE_FROM = 4  # rows per day of the dates' span from which a table of the span's days is cheaper


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970-01-01 (absent and absurd days read as 1970-01-01),
    by integer arithmetic on the proleptic Gregorian calendar (H. Hinnant's ``civil_from_days``:
    400-year eras of 146 097 days, years starting on 1 March).

    A long column of dates within a short span (a register's birth dates: 500,000 rows, some
    35,000 distinct days) is read from a table of the span's days instead: the arithmetic for
    each day of the span, then one gather per part."""
    days = np.asarray(days, dtype=np.int64)
    safe = choose((days == NO_DAY) | (np.abs(days) > 3_000_000), 0, days)
    if len(safe) >= 1024:
        low, high = int(safe.min()), int(safe.max())
        if (high - low + 1) * _TABLE_FROM <= len(safe):
            table = _civil_from_days(np.arange(low, high + 1, dtype=np.int64))
            index = safe - low
            return table[0][index], table[1][index], table[2][index]
    return _civil_from_days(safe)


def _civil_from_days(safe: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ymd`` of days within ±3,000,000 of 1970-01-01."""
    safe = safe + 719_468  # from 0000-03-01
    era = safe // 146_097
    day_of_era = safe - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # 0 = March ... 11 = February
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = choose(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    return year_of_era + era * 400 + (month <= 2), month, day


def days_of(years: np.ndarray, months: np.ndarray, day: np.ndarray) -> np.ndarray:
    first = ((years - 1970) * 12 + months - 1).astype("datetime64[M]").astype("datetime64[D]")
    return (first + (day - 1).astype("timedelta64[D]")).astype(np.int64)


def month_index_of(days: np.ndarray) -> np.ndarray:
    years, month, _day = ymd(days)
    return years * 12 + month - 1


# datetime64[M] counts months from 1970-01; month numbers count from year 0.
_MONTH_EPOCH = 1970 * 12


def month_start(index: np.ndarray) -> np.ndarray:
    """The first day (days since 1970) of month numbers."""
    relative = np.asarray(index, dtype=np.int64) - _MONTH_EPOCH
    return relative.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_end(index: np.ndarray) -> np.ndarray:
    return month_start(np.asarray(index, dtype=np.int64) + 1) - 1


def days_in_month(years: np.ndarray, months: np.ndarray) -> np.ndarray:
    index = years * 12 + months - 1
    return month_end(index) - month_start(index) + 1


def add_months_days(days: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``engine.periods.add_months``: the day clamped to the end of the target month."""
    years, month, day = ymd(days)
    index = years * 12 + month - 1 + count
    target_year, target_month = index // 12, index % 12 + 1
    last = days_in_month(target_year, target_month)
    return days_of(target_year, target_month, np.minimum(day, last))


def full_months(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``engine.periods.full_months`` (Civil Code art. 192), negative when end is earlier."""
    backwards = end < start
    low = choose(backwards, end, start)
    high = choose(backwards, start, end)
    ly, lm, _ld = ymd(low)
    hy, hm, _hd = ymd(high)
    months = (hy - ly) * 12 + hm - lm
    over = add_months_days(low, months) > high
    months = months - over.astype(np.int64)
    return choose(backwards, -months, months)


# -- root names ---------------------------------------------------------------------------------


def person_subject(ctx) -> Refs:  # type: ignore[no-untyped-def]
    if ctx.depth == 0:
        return Refs(ctx.ones(), ctx.zeros(), "person", ctx.subject_person)
    return Refs(ctx.ones(), ctx.zeros(), "person", ctx.subject_person[ctx.root_rows()])


def _household(ctx) -> Refs:  # type: ignore[no-untyped-def]
    return Refs(ctx.ones(), ctx.zeros(), "household", ctx.subject_household[ctx.root_rows()])


def _applicant(ctx) -> Refs:  # type: ignore[no-untyped-def]
    households = ctx.subject_household[ctx.root_rows()]
    return Refs(ctx.ones(), ctx.zeros(), "person", ctx.frames.applicant[households])


def _period(ctx) -> Refs:  # type: ignore[no-untyped-def]
    return Refs(ctx.ones(), ctx.zeros(), "period", np.zeros(ctx.n, dtype=np.int64))


def application_days(frames, measure: str, cache: dict) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each household's application day for a measure (NO_DAY without one): its own application
    when the frames carry per-measure applications (the register), else the snapshot's."""
    key = ("application_days", measure if frames.applications is not None else None)
    found = cache.get(key)
    if found is None:
        if frames.applications is None:
            found = frames.households["application_day"].to_numpy()
        else:
            found = np.full(len(frames.households), NO_DAY, dtype=np.int64)
            rows = _applications_by_measure(frames, cache).get(measure)
            if rows is not None:
                found[frames.applications["household"].to_numpy()[rows]] = frames.applications["day"].to_numpy()[rows]
        cache[key] = found
    return found


def application_months(frames, measure: str, cache: dict) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The month numbers of ``application_days`` (NO_MONTH without an application)."""
    key = ("application_months", measure if frames.applications is not None else None)
    found = cache.get(key)
    if found is None:
        days = application_days(frames, measure, cache)
        found = cache[key] = choose(days != NO_DAY, month_index_of(days), NO_MONTH)
    return found


def _applications_by_measure(frames, cache: dict) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """The rows of the applications table per measure (grouped once per frames)."""
    found = cache.get(("applications by measure",))
    if found is None:
        codes, measures = pd.factorize(frames.applications["measure"])
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(measures) + 1))
        found = {str(m): order[bounds[i] : bounds[i + 1]] for i, m in enumerate(measures)}
        cache[("applications by measure",)] = found
    return found


def _application_days(ctx) -> np.ndarray:  # type: ignore[no-untyped-def]
    return application_days(ctx.frames, ctx.measure_code, ctx.cache)


def _application(ctx) -> Refs:  # type: ignore[no-untyped-def]
    households = ctx.subject_household[ctx.root_rows()]
    known = _application_days(ctx)[households] != NO_DAY
    return Refs(known, ctx.zeros(), "application", households)


def root_name(name: str) -> Callable[[Any], Vec] | None:
    return {
        "person": person_subject,
        "applicant": _applicant,
        "household": _household,
        "members": lambda ctx: field(ctx, _household(ctx), "members"),
        "housing": lambda ctx: field(ctx, _household(ctx), "housing"),
        "period": _period,
        "application": _application,
    }.get(name)


# -- record fields --------------------------------------------------------------------------------


def _grouped(ctx, table: str, by: str, groups: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Start row and count of each group of a table sorted by ``by`` (cached per frames)."""
    key = ("grouped", table, by)
    found = ctx.cache.get(key)
    if found is None:
        found = ctx.cache[key] = group_bounds(getattr(ctx.frames, table)[by].to_numpy(), groups)
    return found


def group_bounds(owners: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Start row and count of each of ``groups`` groups, for rows sorted by their group."""
    counts = np.bincount(owners, minlength=groups).astype(np.int64) if owners.size else np.zeros(groups, np.int64)
    return np.cumsum(counts) - counts, counts


def expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, item) pairs for rows whose items are ``counts`` consecutive rows from ``starts``."""
    owner = np.repeat(np.arange(len(counts)), counts)
    if len(counts) and (starts[1:] == starts[:-1] + counts[:-1]).all():
        # each row's items follow the previous row's (every household's members, in order): one run
        return owner, np.arange(starts[0], starts[0] + len(owner), dtype=np.int64)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offsets


def _list_of(ctx, kind: str, starts: np.ndarray, counts: np.ndarray, known: np.ndarray) -> Lists:  # type: ignore[no-untyped-def]
    counts = choose(known, counts, 0)
    owner, items = expand(starts, counts)
    n = len(counts)
    return Lists(
        known,
        np.zeros(n, dtype=bool),
        owner,
        Refs(np.ones(len(items), dtype=bool), np.zeros(len(items), dtype=bool), kind, items),
    )


class _Column:
    """A table column that can be indexed by placeholder rows (0 for an unknown reference, even
    when the table is empty): such rows are masked as unknown by the caller."""

    __slots__ = ("_present", "categories", "codes", "values")

    def __init__(
        self,
        values: np.ndarray,
        present: np.ndarray | None = None,
        codes: np.ndarray | None = None,
        categories: np.ndarray | None = None,
    ):
        self.values = values
        self._present: _Column | None = None if present is None else _Column(present)
        self.codes = None if codes is None else _Column(codes)  # of a categorical column: -1 missing
        self.categories = categories

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        if len(self.values) == 0:
            filler = None if self.values.dtype == object else 0
            return np.full(len(index), filler, dtype=self.values.dtype)
        return np.take(self.values, index, mode="clip")

    def texts(self, index: np.ndarray) -> Texts:
        """The column as text at ``index``; missing values (None, NaN) unknown."""
        if self._present is None:
            self._present = _Column(
                ~pd.isna(self.values) if self.values.dtype == object else np.ones(len(self.values), dtype=bool)
            )
        # codes only with rows to point at: an empty table's placeholder rows have no category;
        # with codes, the strings are made from them when read (``Texts.v``)
        codes = None if self.codes is None or not len(self.values) else self.codes[index]
        texts = np.asarray(self[index], dtype=object) if codes is None else None
        return Texts(self._present[index], np.zeros(len(index), dtype=bool), texts, codes, self.categories)


def _column(ctx, table: str, name: str) -> _Column:  # type: ignore[no-untyped-def]
    key = ("column", table, name)
    found = ctx.cache.get(key)
    if found is None:
        series = getattr(ctx.frames, table)[name]
        if isinstance(series.dtype, pd.CategoricalDtype):  # text with few values: no per-row parsing
            codes = series.cat.codes.to_numpy()
            categories = np.asarray(series.cat.categories, dtype=object)
            texts = np.append(categories, None)  # code -1: missing
            found = _Column(texts[codes], codes >= 0, codes, categories)
        else:
            found = _Column(series.to_numpy())
        ctx.cache[key] = found
    return found


def _number(values: np.ndarray, scale: int, missing: int | None = NO_NUMBER) -> Num:
    known = np.ones(len(values), dtype=bool) if missing is None else values != missing
    return Num(known, np.zeros(len(values), dtype=bool), choose(known, values, 0).astype(np.int64), scale)


def _housing_row(ctx) -> np.ndarray:  # type: ignore[no-untyped-def]
    key = ("housing_row",)
    found = ctx.cache.get(key)
    if found is None:
        found = np.full(len(ctx.frames.households), -1, dtype=np.int64)
        households = ctx.frames.housing["household"].to_numpy()
        found[households] = np.arange(len(households))
        ctx.cache[key] = found
    return found


def _person_field(ctx, ref: Refs, name: str) -> Vec:  # type: ignore[no-untyped-def]
    idx = ref.idx
    n = len(idx)
    members = len(ctx.frames.members)
    if name in ("id", "role", "sex"):
        return _column(ctx, "members", "key" if name == "id" else name).texts(idx)
    if name == "birth_date":
        return Days(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), _column(ctx, "members", "birth_day")[idx])
    table = {"real_estate": "real_estate", "vehicles": "vehicles", "deposits": "deposits"}[name]
    starts, counts = _grouped(ctx, table, "member", members)
    known = _column(ctx, "members", "property_known")[idx]
    return _list_of(
        ctx,
        {"real_estate": "real_estate", "vehicles": "vehicle", "deposits": "deposit"}[name],
        starts[idx],
        counts[idx],
        known,
    )


def _household_field(ctx, ref: Refs, name: str) -> Vec:  # type: ignore[no-untyped-def]
    idx = ref.idx
    n = len(idx)
    frames = ctx.frames
    households = len(frames.households)
    if name == "members":
        starts = frames.member_start[idx]
        counts = frames.sizes[idx]
        return _list_of(ctx, "person", starts, counts, np.ones(n, dtype=bool))
    if name == "size":
        return vv.num_ints(frames.sizes[idx])
    if name == "region":
        return _column(ctx, "households", "region").texts(idx)
    if name == "municipality":
        return _column(ctx, "households", "municipality").texts(idx)
    if name == "housing":
        row = _housing_row(ctx)[idx]
        return Refs(row >= 0, np.zeros(n, dtype=bool), "housing", choose(row >= 0, row, 0))
    table, kind = {
        "real_estate": ("real_estate", "real_estate"),
        "vehicles": ("vehicles", "vehicle"),
        "deposits": ("deposits", "deposit"),
    }[name]
    key = ("household_items", table)
    found = ctx.cache.get(key)
    if found is None:  # items of a household: its members' items, member by member
        member_household = frames.members["household"].to_numpy()
        item_household = member_household[getattr(frames, table)["member"].to_numpy()]
        counts = np.bincount(item_household, minlength=households).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        unknown = np.bincount(member_household[~frames.members["property_known"].to_numpy()], minlength=households)
        found = ctx.cache[key] = (starts, counts, unknown == 0)
    starts, counts, known = found
    return _list_of(ctx, kind, starts[idx], counts[idx], known[idx])


def field(ctx, obj: Vec, name: str) -> Vec:  # type: ignore[no-untyped-def]
    """``obj.name`` for every row."""
    if isinstance(obj, Refs):
        idx = obj.idx
        n = len(idx)
        if obj.kind == "person":
            return _person_field(ctx, obj, name)
        if obj.kind == "household":
            return _household_field(ctx, obj, name)
        if obj.kind == "housing":
            if name == "services":
                households = _column(ctx, "housing", "household")[idx]
                starts, counts = _grouped(ctx, "services", "household", len(ctx.frames.households))
                return _list_of(ctx, "service", starts[households], counts[households], np.ones(n, dtype=bool))
            if name == "area":
                return _number(_column(ctx, "housing", "area")[idx], QUANTITY_PLACES, None)
            if name == "ownership":
                return _column(ctx, "housing", "ownership").texts(idx)
            if name == "registered_residents":
                return _number(_column(ctx, "housing", "registered_residents")[idx], 0)
            if name == "has_debts":
                raw = ctx.frames.housing["has_debts"]
                known = _Column(raw.notna().to_numpy())[idx]
                return Bools(known, np.zeros(n, dtype=bool), _Column(raw.fillna(False).to_numpy(dtype=bool))[idx])
        if obj.kind == "service":
            if name in ("code", "unit"):
                return _column(ctx, "services", name).texts(idx)
            if name == "cost":
                return _number(_column(ctx, "services", "cost")[idx], 2, None)
            return _number(_column(ctx, "services", name)[idx], QUANTITY_PLACES)
        if obj.kind in ("real_estate", "vehicle", "deposit"):
            table = {"real_estate": "real_estate", "vehicle": "vehicles", "deposit": "deposits"}[obj.kind]
            if name == "owner":
                member = _column(ctx, table, "member")[idx]
                return _column(ctx, "members", "key").texts(member)
            if name == "kind":
                return _column(ctx, table, "kind").texts(idx)
            if name == "area":
                return _number(_column(ctx, table, "area")[idx], QUANTITY_PLACES, None)
            if name == "share":
                return _number(_column(ctx, table, "share")[idx], SHARE_PLACES, None)
            if name == "balance":
                return _number(_column(ctx, table, "balance")[idx], 2, None)
            return _number(_column(ctx, table, name)[idx], 0)
        if obj.kind == "period":
            period = ctx.period
            known, no_err = vv.ones(n), vv.zeros(n)  # the period's parts: one value for every row
            if name == "start":
                return Days(known, no_err, vv.spread(ctx.as_of_day, n))
            if name == "end":
                return Days(known, no_err, vv.spread((period.end - EPOCH).days, n))
            if name == "month":
                return Months(known, no_err, vv.spread(period.month.index, n))
            return vv.num_ints(vv.spread(period.year, n))
        if obj.kind == "application":
            day = _application_days(ctx)[idx]
            if name == "date":
                return Days(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), day)
            if name == "month":
                return Months(np.ones(n, dtype=bool), np.zeros(n, dtype=bool), month_index_of(day))
            if ctx.frames.applications is not None:
                return Texts(
                    np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, ctx.measure_code, dtype=object)
                )
            return _column(ctx, "households", "application_measure").texts(idx)
    if isinstance(obj, Windows):
        known, zeros = np.ones(len(obj.first), dtype=bool), np.zeros(len(obj.first), dtype=bool)
        if name in ("first", "last"):
            return Months(known, zeros, obj.first if name == "first" else obj.last)
        if name == "start":
            return Days(known, zeros, month_start(obj.first))
        if name == "end":
            return Days(known, zeros, month_end(obj.last))
        return vv.num_ints(obj.last - obj.first + 1)
    if isinstance(obj, Months):
        known, zeros = np.ones(len(obj.v), dtype=bool), np.zeros(len(obj.v), dtype=bool)
        if name == "start":
            return Days(known, zeros, month_start(obj.v))
        if name == "end":
            return Days(known, zeros, month_end(obj.v))
        return vv.num_ints(obj.v // 12 if name == "year" else obj.v % 12 + 1)
    if isinstance(obj, Days):
        years, month, day = ymd(obj.v)
        return vv.num_ints({"year": years, "month": month, "day": day}[name])
    raise TypeError(f"no field {name} on {type(obj).__name__}")


__all__ = [
    "NO_MONTH",
    "add_months_days",
    "expand",
    "field",
    "full_months",
    "month_end",
    "month_index_of",
    "month_start",
    "person_subject",
    "root_name",
    "ymd",
]
