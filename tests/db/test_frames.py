"""Register frames for the vector backend: one query per table whatever the partition's size,
and exactly the frames of the snapshots the scalar backend reads for the same households."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from engine.frames import from_snapshots
from registry.frames import partition_frames
from registry.models import Income
from registry.seeding import seed
from registry.snapshots import household_snapshot, latest_application

ON = date(2026, 3, 31)
TABLES = (
    "households",
    "members",
    "incomes",
    "categories",
    "reasons",
    "documents",
    "real_estate",
    "vehicles",
    "deposits",
    "housing",
    "services",
)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical text as the object column the snapshots' frames hold (None where missing)."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            values = frame[column].astype(object)
            frame[column] = values.where(values.notna(), None)
    return frame


def _queries(session, work):  # type: ignore[no-untyped-def]
    engine = session.get_bind()
    counted = []

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        counted.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, len(counted)


def test_frames_take_the_same_queries_for_any_partition_size(db_session):
    seed(db_session, 400, seed=3, months=14)
    (small, _, _), small_queries = _queries(db_session, lambda: partition_frames(db_session, ON, household_ids=[1, 2]))
    (large, _, _), large_queries = _queries(
        db_session, lambda: partition_frames(db_session, ON, municipality="36701000")
    )
    assert small_queries == large_queries
    assert len(small.members) < len(large.members)
    (everyone, _households, persons), _ = _queries(
        db_session, lambda: partition_frames(db_session, ON, household_ids=range(1, 1000))
    )
    assert len(everyone.members) == 400 and len(persons) == 400


@pytest.mark.parametrize("undeclared", [False, True])
def test_register_frames_equal_the_frames_of_the_register_snapshots(db_session, undeclared):
    """With ``undeclared``, some incomes lie outside their person's declared run (years before
    it): a snapshot leaves them out, and so must the frames."""
    seed(db_session, 300, seed=5, months=14)
    if undeclared:
        for person_id in (1, 7, 40):
            db_session.add(Income(person_id=person_id, month=date(2019, 6, 1), kind="wages", amount=Decimal("1234.50")))
        db_session.flush()
    frames, household_ids, _persons = partition_frames(db_session, ON, household_ids=range(1, 1000))
    snapshots = [
        household_snapshot(db_session, int(h), ON, latest_application(db_session, int(h), ON)) for h in household_ids
    ]
    expected = from_snapshots(snapshots)
    assert isinstance(frames.incomes["kind"].dtype, pd.CategoricalDtype)  # read as codes, not strings
    for table in TABLES:
        pd.testing.assert_frame_equal(
            _plain(getattr(frames, table)).reset_index(drop=True),
            getattr(expected, table).reset_index(drop=True),
            check_dtype=False,
            obj=table,
        )


def test_a_range_of_households_reads_as_the_list_of_its_households(db_session):
    seed(db_session, 300, seed=5, months=14)
    listed, listed_ids, listed_persons = partition_frames(db_session, ON, household_ids=range(20, 61))
    ranged, ranged_ids, ranged_persons = partition_frames(db_session, ON, household_range=(20, 60))
    assert listed_ids.tolist() == ranged_ids.tolist() and listed_persons.tolist() == ranged_persons.tolist()
    assert len(ranged_ids) and ranged_ids.min() >= 20 and ranged_ids.max() <= 60
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(ranged, table), getattr(listed, table), obj=table)


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(-(10**12), 10**12)), max_size=60), st.booleans())
def test_sums_by_key_equal_a_dictionary_of_sums(pairs, presorted):  # type: ignore[no-untyped-def]
    """Incomes are summed per (member, month, kind) key by runs of sorted keys: in any order of
    the rows, the keys ascending, each once, with its exact sum."""
    from registry.frames import _sums_by_key

    if presorted:
        pairs = sorted(pairs, key=lambda pair: pair[0])
    expected: dict[int, int] = {}
    for key, value in pairs:
        expected[key] = expected.get(key, 0) + value
    keys, sums = _sums_by_key(
        np.array([k for k, _ in pairs], dtype=np.int64), np.array([v for _, v in pairs], dtype=np.int64)
    )
    assert keys.tolist() == sorted(expected) and sums.tolist() == [expected[k] for k in sorted(expected)]
    assert keys.dtype == np.int64 and sums.dtype == np.int64


def test_sums_by_key_stay_exact_when_the_running_total_overflows():
    """Runs summed from running totals: past int64's range the totals wrap around, and each
    run's sum (which fits) is still exact."""
    from registry.frames import _sums_by_key

    big = 2**62
    keys, sums = _sums_by_key(
        np.array([0, 1, 1, 2, 2, 3, 3], dtype=np.int64),
        np.array([big, big, big - 1, big, -big, big, big - 1], dtype=np.int64),
    )
    assert keys.tolist() == [0, 1, 2, 3] and sums.tolist() == [big, 2 * big - 1, 0, 2 * big - 1]


@given(
    st.lists(st.integers(0, 3_000_000), unique=True, max_size=40),
    st.lists(st.integers(0, 60), max_size=80),
    st.sampled_from([0, 10**12]),  # ids near 0 (looked up in an array) or huge (a pandas index)
)
def test_positions_find_each_id_row_or_raise(ids, picks, offset):  # type: ignore[no-untyped-def]
    """Every id's row, in the order asked, whichever way ids are looked up; an id not among the
    rows (or a negative one) is a KeyError, never a wrong row."""
    import pytest

    from registry.frames import Positions

    shifted = np.array([i + offset for i in ids], dtype=np.int64)
    positions = Positions(shifted)
    wanted = [int(shifted[p % len(ids)]) for p in picks] if ids else []
    rows = positions[np.array(wanted, dtype=np.int64)]
    assert rows.dtype == np.int64 and rows.tolist() == [ids.index(w - offset) for w in wanted]
    absent = next(i + offset for i in range(len(ids) + 1) if i not in set(ids))
    for missing in (absent, -1, 2**40 + offset):
        with pytest.raises(KeyError):
            positions[np.array([*wanted, missing], dtype=np.int64)]
