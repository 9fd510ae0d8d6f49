"""Golden traces of the flagship measures: the whole text rendering, compared line by line.

The values in these files were checked by hand against the law (see the comments in the
measure files); the two backends could agree and both be wrong, these files could not.
Refresh with `pytest tests/golden --update-golden`, then read the diff before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import evaluate, load_snapshot_file
from tests.conftest import EXAMPLES_DIR

GOLDEN = Path(__file__).parent / "traces"
CASES = [
    ("unified_child_allowance_samara_2026", "samara_family_two_children.yaml", "unified_child_allowance", "2026-03"),
    (
        "housing_utilities_subsidy_samara_2026",
        "samara_family_two_children.yaml",
        "housing_utilities_subsidy",
        "2026-03",
    ),
]


def render(rules, household: str, measure: str, period: str) -> str:  # type: ignore[no-untyped-def]
    snapshot = load_snapshot_file(str(EXAMPLES_DIR / "households" / household))
    result = evaluate(rules, snapshot, measure, period)
    # The rules version changes with any edit anywhere; the golden file is about this measure.
    return result.render().replace(rules.version[:12], "<version>")


@pytest.mark.parametrize(("name", "household", "measure", "period"), CASES, ids=[case[0] for case in CASES])
def test_trace_matches_the_golden_file(rules, update_golden, name, household, measure, period):
    text = render(rules, household, measure, period)
    path = GOLDEN / f"{name}.txt"
    if update_golden or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        if not update_golden:
            pytest.fail(f"{path.name} did not exist: written now, read it and commit it")
    assert text.splitlines() == path.read_text("utf-8").splitlines()
