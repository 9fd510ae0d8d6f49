"""Partition frames: a fixed number of queries whatever the partition's size, and the same facts
as the snapshots the scalar backend reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from engine.money import to_kopecks
from registry.frames import partition_frames
from registry.seeding import seed
from registry.snapshots import household_snapshot

ON = date(2026, 3, 31)


def _queries(session, work):  # type: ignore[no-untyped-def]
    engine = session.get_bind()
    counted = []
    listener = lambda *args: counted.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = work()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return result, len(counted)


def test_frames_take_the_same_queries_for_any_partition_size(db_session):
    seed(db_session, 400, seed=3, months=14)
    small, small_queries = _queries(db_session, lambda: partition_frames(db_session, ON, household_ids=[1, 2]))
    large, large_queries = _queries(db_session, lambda: partition_frames(db_session, ON, municipality="36701000"))
    assert small_queries == large_queries
    assert small.size < large.size
    everyone, _ = _queries(db_session, lambda: partition_frames(db_session, ON, household_ids=range(1, 1000)))
    assert everyone.size == 400


def test_frames_hold_the_facts_the_snapshots_hold(db_session):
    seed(db_session, 250, seed=5, months=14)
    frames = partition_frames(db_session, ON, household_ids=range(1, 1000))
    incomes = frames.incomes.groupby("person_id")["amount"].sum()
    for household_id in frames.households["household_id"][:40]:
        snapshot = household_snapshot(db_session, int(household_id), ON)
        rows = frames.members[frames.members["household_id"] == household_id]
        assert {m.id for m in snapshot.members} == set(map(str, rows["person_id"]))
        for member in snapshot.members:
            row = rows[rows["person_id"] == int(member.id)].iloc[0]
            assert row["role"] == member.role and row["sex"] == member.sex
            declared = member.incomes_declared
            assert (row["incomes_first"], row["incomes_last"]) == (declared.first.index, declared.last.index)
            total = sum((to_kopecks(a) for by_kind in member.incomes.values() for a in by_kind.values()), 0)
            assert int(incomes.get(int(member.id), 0)) == total
            assert bool(row["property_declared"]) == (member.real_estate is not None)
        services = frames.services[frames.services["household_id"] == household_id]
        assert sorted(zip(services["code"], services["cost"], strict=True)) == sorted(
            (s.code, to_kopecks(s.cost)) for s in snapshot.housing.services
        )
