"""One meaning, two backends: for every measure and every subject of generated populations the
vector backend gives exactly the scalar backend's status, amount to the kopeck, first failed
condition and schedule; and a household's results do not depend on the others in the frame."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import evaluate, load_ruleset
from engine.batch import evaluate_catalogue, evaluate_frames
from engine.errors import RuleErrors
from engine.frames import Frames, from_snapshots
from engine.ruleset import build_ruleset, read_rule_files
from engine.snapshot import parse_snapshot
from tests.conftest import RULES_DIR
from tests.engine.rulekit import BASE, HEADER
from tests.property.populations import CATEGORIES, PERIODS, populations
from tests.property.test_language_fuzz import BOOLS, MONEY, NUMBERS

RULES = load_ruleset(RULES_DIR)


def scalar_row(ruleset, snapshot, measure, period, member):  # type: ignore[no-untyped-def]
    result = evaluate(ruleset, snapshot, measure, period, person=member)
    eligible = result.status == "eligible"
    schedule = result.schedule if eligible else None
    return (
        result.status,
        int(result.amount.scaleb(2)) if eligible and result.amount is not None else None,
        result.failed[0] if result.failed else "",
        (
            schedule.start.index,
            schedule.end.index if schedule.end else None,
            schedule.review.index if schedule.review else None,
        )
        if schedule
        else (None, None, None),
    )


def vector_row(row) -> tuple:  # type: ignore[no-untyped-def]
    """A result row as ``scalar_row``'s: every schedule column compared, none left out when the
    start is missing (an end or a review without a start is a difference)."""
    eligible = row.status == "eligible"
    schedule = tuple(None if pd.isna(value) else int(value) for value in (row.start, row.end, row.review))
    return (row.status, int(row.amount) if eligible and not pd.isna(row.amount) else None, row.failed, schedule)


def categorical_texts(frames: Frames) -> Frames:
    """The same frames with every text column but the keys categorical, as the register's
    reader gives most of them (the vector backend then compares category codes)."""
    tables = {}
    for spec in dataclasses.fields(frames):
        table = getattr(frames, spec.name)
        if spec.init and isinstance(table, pd.DataFrame):
            texts = [name for name in table.columns if name != "key" and table[name].dtype == object]
            tables[spec.name] = table.astype({name: "category" for name in texts})
    return dataclasses.replace(frames, **tables)


def assert_agree(ruleset, snapshots, period, measures) -> None:  # type: ignore[no-untyped-def]
    """Every row of the vector backend's results equals the scalar backend's, with the frames'
    texts as objects and as categories."""
    plain = from_snapshots(snapshots)
    expected: dict = {}
    for frames in (plain, categorical_texts(plain)):
        cache: dict = {}  # one cache for all the measures, as a batch run has: shared variables are reused
        for measure in measures:
            table = evaluate_frames(ruleset, frames, measure, period, cache)
            for row in table.itertuples():
                member = None if row.member < 0 else frames.members["key"].iloc[row.member]
                key = (measure, row.household, member)
                if key not in expected:
                    expected[key] = scalar_row(ruleset, snapshots[row.household], measure, period, member)
                assert vector_row(row) == expected[key], (*key, frames is plain)


def test_the_populations_hold_every_category_the_shipped_rules_test():
    """Else the agreement below never reaches the branches a category opens."""
    texts = "".join(path.read_text(encoding="utf-8") for path in RULES_DIR.rglob("*.yaml"))
    tested = set(re.findall(r"(?:has_category|category_start)\('([a-z_0-9]+)'", texts))
    assert tested and tested <= set(CATEGORIES), sorted(tested - set(CATEGORIES))


@settings(max_examples=60)
@given(populations(), st.sampled_from(PERIODS))
def test_every_shipped_measure_agrees_on_generated_populations(snapshots, period):
    assert_agree(RULES, snapshots, period, sorted(RULES.measures))


_BASE_FILES = read_rule_files(BASE)


# A division whose divisor is an error row of scale 10: rescaling zeros by 10**20 overflowed int64.
_ZERO_OVER_ERROR = parse_snapshot(
    {
        "id": "h0",
        "region": "63",
        "members": [
            {
                "id": "p0",
                "role": "applicant",
                "birth_date": "1935-01-01",
                "sex": "M",
                "incomes_declared": {"from": "2022-06", "to": "2025-10"},
                "incomes": [],
                "disability": {"group": 1, "from": "2015-01-01", "to": None},
            }
        ],
    }
)


@settings(max_examples=80)
@example("True", "(param('base.amount') * (0 / (0 / 0)))", [_ZERO_OVER_ERROR], "person", "2024-03")
@given(
    BOOLS,
    MONEY | NUMBERS,
    populations(max_households=3),
    st.sampled_from(["person", "household"]),
    st.sampled_from(PERIODS),
)
def test_generated_formulas_agree(condition, amount, snapshots, entity, period):
    files = dict(_BASE_FILES)
    files["measures/federal/fuzz.yaml"] = (
        HEADER.format(code="fuzz", entity=entity, period="month")
        + f"eligibility: >-\n  {condition}\namount: >-\n  {amount}\n"
    ).encode()
    try:
        ruleset = build_ruleset(files, "rules")
    except RuleErrors:
        return  # a parameter used before its first date: refused at load, nothing to compare
    assert_agree(ruleset, snapshots, period, ["fuzz"])


@settings(max_examples=25)
@given(populations(max_households=6), st.sampled_from(PERIODS), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_other_households_or_their_order(snapshots, period, random):
    whole = evaluate_catalogue(RULES, from_snapshots(snapshots), period)
    order = list(range(len(snapshots)))
    random.shuffle(order)
    shuffled = evaluate_catalogue(RULES, from_snapshots([snapshots[i] for i in order]), period)
    shuffled["household"] = [order[h] for h in shuffled["household"]]
    columns = ["measure", "household", "status", "amount", "failed", "start", "end", "review"]

    def key(table):  # type: ignore[no-untyped-def]
        table = table.copy()
        table["member_key"] = table["member"]
        return table.sort_values(["measure", "household", "member"])[columns].reset_index(drop=True)

    # members keep their positions within a household, so member rows map through the order
    pd.testing.assert_frame_equal(
        key(whole).drop(columns=[]), key(_renumber_members(shuffled, snapshots, order)), check_dtype=False
    )
    halves = [snapshots[: len(snapshots) // 2], snapshots[len(snapshots) // 2 :]]
    totals = sum(
        int(evaluate_catalogue(RULES, from_snapshots(part), period)["amount"].fillna(0).sum())
        for part in halves
        if part
    )
    assert totals == int(whole["amount"].fillna(0).sum())


def _renumber_members(table: pd.DataFrame, snapshots, order) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Member rows of a shuffled frame, renumbered as in the original order."""
    sizes = [len(s.members) for s in snapshots]
    original_start = [sum(sizes[:i]) for i in range(len(sizes))]
    shuffled_sizes = [sizes[i] for i in order]
    shuffled_start = [sum(shuffled_sizes[:i]) for i in range(len(shuffled_sizes))]
    mapping = {}
    for position, original in enumerate(order):
        for offset in range(sizes[original]):
            mapping[shuffled_start[position] + offset] = original_start[original] + offset
    table = table.copy()
    table["member"] = [mapping.get(m, m) if m >= 0 else m for m in table["member"]]
    return table


def _categorical(frames):  # type: ignore[no-untyped-def]
    """The same frames with every text column categorical (as a fast loader may build them)."""
    tables = {}
    for spec in dataclasses.fields(frames):
        table = getattr(frames, spec.name)
        if spec.init and isinstance(table, pd.DataFrame):
            table = table.copy()
            for column in table.columns:
                if table[column].dtype == object:
                    table[column] = table[column].astype("category")
            tables[spec.name] = table
    return dataclasses.replace(frames, **tables)


@settings(max_examples=25)
@given(populations(max_households=6), st.sampled_from(PERIODS))
def test_categorical_text_columns_give_the_same_results(snapshots, period):
    frames = from_snapshots(snapshots)
    plain = evaluate_catalogue(RULES, frames, period)
    categorical = evaluate_catalogue(RULES, _categorical(frames), period)
    assert any(isinstance(t, pd.CategoricalDtype) for t in _categorical(frames).members.dtypes)
    pd.testing.assert_frame_equal(plain, categorical)


@settings(max_examples=25)
@given(populations(max_households=8), st.sampled_from(PERIODS))
def test_measures_evaluated_in_threads_give_the_same_results(snapshots, period):
    """Threads share the kept values and the caches of one batch: the results must not depend on
    which thread computed a shared value first (the catalogue twice, so later measures read what
    earlier ones kept)."""
    frames = from_snapshots(snapshots)
    codes = sorted(RULES.measures) * 2
    alone = evaluate_catalogue(RULES, frames, period, codes)
    threaded = evaluate_catalogue(RULES, frames, period, codes, threads=3)
    pd.testing.assert_frame_equal(alone, threaded)
