"""``changes_against``: a partition's results against current assignments — new rights, lost
rights, changed amounts, undetermined ones — checked against a plain reading of the rules over
generated results and assignments."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from measures.partitions import changes_against

MEASURES = ["edv", "uca"]
STATUSES = ["eligible", "ineligible", "undetermined", "not_applied", "error"]
SUBJECTS = [(h, p, m) for h in (1, 2, 3) for p in (h * 10, h * 10 + 1) for m in MEASURES]


@st.composite
def partitions(draw):  # type: ignore[no-untyped-def]
    rows = draw(st.lists(st.sampled_from(SUBJECTS), unique=True))
    results = pd.DataFrame(
        {
            "household_id": np.array([h for h, _, _ in rows], dtype=np.int64),
            "person_id": np.array([p for _, p, _ in rows], dtype=np.int64),
            "measure": pd.Categorical([m for _, _, m in rows], categories=MEASURES),
            "status": pd.Categorical(draw(st.lists(st.sampled_from(STATUSES), min_size=len(rows), max_size=len(rows)))),
            "amount": pd.array(
                draw(st.lists(st.integers(0, 3) | st.none(), min_size=len(rows), max_size=len(rows))), dtype="Int64"
            ),
        }
    )
    results.loc[results["status"] != "eligible", "amount"] = pd.NA
    results.loc[(results["status"] == "eligible") & results["amount"].isna(), "amount"] = 0
    held = draw(st.lists(st.sampled_from(SUBJECTS), unique=True))
    assignments = pd.DataFrame(
        {
            "assignment_id": np.arange(100, 100 + len(held), dtype=np.int64),
            "household_id": np.array([h for h, _, _ in held], dtype=np.int64),
            "person_id": np.array([p for _, p, _ in held], dtype=np.int64),
            "measure": np.array([m for _, _, m in held], dtype=object),
            "old_amount": draw(st.lists(st.integers(0, 3), min_size=len(held), max_size=len(held))),
        }
    )
    return results, assignments


def _expected(results: pd.DataFrame, assignments: pd.DataFrame) -> dict:  # type: ignore[type-arg]
    held = {(r.household_id, r.person_id, r.measure): r for r in assignments.itertuples()}
    found = {}
    subjects = {(r.household_id, r.person_id, r.measure): r for r in results.itertuples()}
    for key in {*subjects, *held}:
        result, assignment = subjects.get(key), held.get(key)
        status = result.status if result is not None else None
        new_amount = int(result.amount) if status == "eligible" else None
        if status == "eligible" and assignment is None:
            change = "new"
        elif assignment is not None and status in ("undetermined", "not_applied"):
            change = "undetermined"
        elif assignment is not None and status != "eligible":
            change = "lost"
        elif assignment is not None and new_amount != assignment.old_amount:
            change = "changed"
        else:
            continue
        found[key] = (
            change,
            None if assignment is None else assignment.old_amount,
            new_amount,
            None if assignment is None else assignment.assignment_id,
        )
    return found


@given(partitions())
def test_changes_are_those_a_plain_reading_gives(partition):  # type: ignore[no-untyped-def]
    results, assignments = partition
    changes = changes_against(results, assignments)

    def value(v):  # type: ignore[no-untyped-def]
        return None if pd.isna(v) else int(v)

    got = {
        (int(c.household_id), int(c.person_id), str(c.measure)): (
            c.change,
            value(c.old_amount),
            value(c.new_amount),
            value(c.assignment_id),
        )
        for c in changes.itertuples()
    }
    assert len(got) == len(changes)
    assert got == _expected(results, assignments)
