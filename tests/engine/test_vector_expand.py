"""``expand`` lists each row's items — ``counts`` consecutive rows from ``starts`` — as (owner,
item) pairs, in row order; rows whose items follow one another (a household's members, every
household in order) take a shortcut that must give the same pairs."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from engine.backends.vector_ops import expand


def plain(starts: list[int], counts: list[int]) -> tuple[list[int], list[int]]:
    owner, items = [], []
    for row, (start, count) in enumerate(zip(starts, counts, strict=True)):
        owner += [row] * count
        items += list(range(start, start + count))
    return owner, items


@st.composite
def rows(draw):  # type: ignore[no-untyped-def]
    counts = draw(st.lists(st.integers(min_value=0, max_value=4), max_size=12))
    if draw(st.booleans()):  # consecutive: each row's items follow the previous row's
        first = draw(st.integers(min_value=0, max_value=5))
        starts = list(first + np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)) if counts else []
    else:
        starts = draw(st.lists(st.integers(min_value=0, max_value=30), min_size=len(counts), max_size=len(counts)))
    return starts, counts


@given(rows())
@example(([0, 2, 2, 5], [2, 0, 3, 1]))  # consecutive, with an empty row
@example(([3, 0], [2, 3]))  # not consecutive: the second row's items come before the first's
@example(([0, 2], [2, 0]))  # consecutive up to an empty last row
@example(([0, 1], [2, 1]))  # overlapping: not consecutive
def test_pairs_equal_a_plain_listing(case) -> None:  # type: ignore[no-untyped-def]
    starts, counts = case
    owner, items = expand(np.array(starts, dtype=np.int64), np.array(counts, dtype=np.int64))
    assert (owner.tolist(), items.tolist()) == plain(starts, counts)
