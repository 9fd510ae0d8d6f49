"""Evaluate measures over frames with the vector backend: one result row per subject.

Mirrors ``engine.evaluate`` step for step — version, region, municipality, ``applies_to``, the
eligibility tree, the amount with its rounding, the schedule — so each row's status, amount,
first failed condition and schedule equal the scalar backend's for that household. Property
tests (``tests/property/test_backends_agree.py``) hold the two to it.
"""

from __future__ import annotations

import decimal
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from engine.arithmetic import CONTEXT
from engine.backends import vector_values as vv
from engine.backends.branchless import choose
from engine.backends.vector import VectorContext, VectorProgram
from engine.backends.vector_ops import application_days, application_months, month_index_of
from engine.backends.vector_shared import SharedValues, Sharing
from engine.backends.vector_values import Bools, Days, Months, Num, Vec
from engine.frames import NO_DAY, NO_MONTH, Frames
from engine.measures import Condition, Measure, MeasureVersion
from engine.periods import Month
from engine.ruleset import RuleSet
from engine.values import PeriodValue

EPOCH = date(1970, 1, 1)
COLUMNS = ["measure", "household", "member", "status", "amount", "failed", "start", "end", "review", "measure_version"]
_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def program_for(ruleset: RuleSet) -> VectorProgram:
    program = _PROGRAMS.get(ruleset)
    if program is None:
        program = _PROGRAMS[ruleset] = VectorProgram()
    return program


STATUSES = ("eligible", "ineligible", "undetermined", "error", "not_applied")  # the result's categories
STATUS_TYPE = pd.CategoricalDtype(STATUSES)
# Codes in an outcome: a status is its category's code in STATUS_TYPE; OPEN: not settled yet.
OPEN, ELIGIBLE, INELIGIBLE, UNDETERMINED, ERROR = -1, 0, 1, 2, 3


def prepare(ruleset: RuleSet) -> VectorProgram:
    """Compile every formula of the rule set for the vector backend now (otherwise each is
    compiled on first use): what a batch process does once when it loads the rules."""
    program = program_for(ruleset)
    program.shared_signatures(ruleset)
    for measure in ruleset.measures.values():
        _result_types(ruleset, measure)
        for version in measure.versions:
            variables = {**ruleset.library, **version.variables}
            program.signatures_of(measure.code, version.effective_from, variables)
            for formula in [*(variable.formula for variable in variables.values()), *version.formulas()]:
                program.formula(formula)
    return program


@dataclass(slots=True)
class _Outcome:
    """Per subject row, each column already in the result frame's coding: status (a code of
    STATUS_TYPE, or OPEN), amount (kopecks, meaningful where eligible), first failed condition
    (its category code, 0 for none), schedule months (-1 for none) and version (its category
    code: 1 + the index of the version, 0 for none)."""

    status: np.ndarray  # int8
    amount: np.ndarray  # int64
    failed: np.ndarray  # int32
    start: np.ndarray
    end: np.ndarray
    review: np.ndarray
    version: np.ndarray  # int16
    conditions: dict[str, int]  # a failed condition's id (or ``valid_period``, ``region`` ...) → its code

    @classmethod
    def empty(cls, n: int, conditions: dict[str, int]) -> _Outcome:
        missing = np.full(n, -1, dtype=np.int64)
        return cls(
            np.full(n, OPEN, dtype=np.int8),
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=np.int32),
            missing,
            missing.copy(),
            missing.copy(),
            np.zeros(n, dtype=np.int16),
            conditions,
        )

    def settle(self, rows: np.ndarray, status: int, failed: str | None = None) -> None:
        """Settle the open ones of the ``rows`` (a mask over the subjects) before the eligibility
        tree: a version, a region ..."""
        if not rows.any():
            return
        rows = rows & (self.status == OPEN)
        self.status[rows] = status
        if failed is not None:
            self.failed[rows] = self.conditions[failed]

    def decide(self, rows: np.ndarray | None, status: np.ndarray, failed: np.ndarray | None = None) -> None:
        """Write the codes of open rows (``None``: every subject) — OPEN where still open."""
        if rows is None:
            self.status[:] = status
            if failed is not None:
                self.failed[:] = failed
        else:
            self.status[rows] = status
            if failed is not None:
                self.failed[rows] = failed


def evaluate_frames(
    ruleset: RuleSet, frames: Frames, measure: str, period: Month | str, cache: dict | None = None
) -> pd.DataFrame:
    """One row per subject (household, or member for person measures) with the outcome.

    ``measure``, ``status``, ``failed`` (the first failed condition's id, "" for none) and
    ``measure_version`` are categorical columns; ``amount`` (kopecks, where eligible) and the
    schedule's months are nullable integers.
    """
    month = period if isinstance(period, Month) else Month.parse(period)
    definition = ruleset.measure(measure)
    if definition.entity == "household":
        households = np.arange(len(frames.households), dtype=np.int64)
        persons = frames.applicant[households] if len(households) else np.zeros(0, dtype=np.int64)
        members = np.full(len(households), -1, dtype=np.int64)
    else:
        persons = np.arange(len(frames.members), dtype=np.int64)
        households = frames.members["household"].to_numpy().astype(np.int64)
        members = persons
    n = len(persons)
    types = _result_types(ruleset, definition)
    outcome = _Outcome.empty(n, types.conditions)
    cache = {} if cache is None else cache
    with decimal.localcontext(CONTEXT):
        _evaluate(ruleset, frames, definition, month, persons, households, outcome, cache)
    assert not (outcome.status == OPEN).any(), "a subject left without a status"
    return pd.DataFrame(
        {
            "measure": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), dtype=types.measure, validate=False),
            "household": households,
            "member": members,
            "status": pd.Categorical.from_codes(outcome.status, dtype=STATUS_TYPE, validate=False),
            "amount": pd.arrays.IntegerArray(outcome.amount, outcome.status != ELIGIBLE),  # for eligible rows only
            "failed": pd.Categorical.from_codes(outcome.failed, dtype=types.failed, validate=False),
            **{
                name: pd.arrays.IntegerArray(values, values == -1)
                for name, values in (("start", outcome.start), ("end", outcome.end), ("review", outcome.review))
            },
            "measure_version": pd.Categorical.from_codes(outcome.version, dtype=types.versions, validate=False),
        },
        copy=False,  # the outcome's arrays are this frame's own; the columns in COLUMNS' order
    )


@dataclass(frozen=True, slots=True)
class _ResultTypes:
    """A measure's categorical types in result frames, made once per rule set."""

    measure: pd.CategoricalDtype
    conditions: dict[str, int]  # every id a result can name as failed → its code in ``failed`` (from 1)
    failed: pd.CategoricalDtype
    versions: pd.CategoricalDtype


_SETTLED_BEFORE_THE_TREE = ("valid_period", "region", "municipality", "applies_to")


def _result_types(ruleset: RuleSet, measure: Measure) -> _ResultTypes:
    program = program_for(ruleset)
    found = program.result_types.get(measure.code)
    if found is None or found[0] is not measure:
        ids = list(_SETTLED_BEFORE_THE_TREE)
        for version in measure.versions:
            stack = [version.eligibility]
            while stack:
                node = stack.pop()
                ids.append(node.id)
                stack.extend(reversed(node.children))
        conditions = {condition: code for code, condition in enumerate(dict.fromkeys(ids), start=1)}
        types = _ResultTypes(
            pd.CategoricalDtype([measure.code]),
            conditions,
            pd.CategoricalDtype(["", *conditions]),
            pd.CategoricalDtype(["", *(v.effective_from.isoformat() for v in measure.versions)]),
        )
        found = program.result_types[measure.code] = (measure, types)
    return found[1]


def evaluate_catalogue(
    ruleset: RuleSet, frames: Frames, period: Month | str, measures: list[str] | None = None, threads: int = 1
) -> pd.DataFrame:
    """Every measure (or the listed ones) over the frames, one frame of results."""
    return concat_results(evaluate_measures(ruleset, frames, period, measures, threads))


def evaluate_measures(
    ruleset: RuleSet,
    frames: Frames,
    period: Month | str,
    measures: list[str] | None = None,
    threads: int = 1,
    summarize: Callable[[pd.DataFrame], Any] | None = None,
) -> list[Any]:
    """The result frame of every measure (or of the listed ones), in the order of the measures;
    with ``summarize``, what it makes of each frame instead (the frames are then not kept).

    ``threads`` > 1 evaluates measures side by side: numpy works outside Python's lock, so threads
    use more cores of one process. The values measures share are computed once and kept for all;
    the results are the same with any number of threads."""
    cache: dict = {}
    codes = measures if measures is not None else sorted(ruleset.measures)

    def one(code: str) -> Any:
        result = evaluate_frames(ruleset, frames, code, period, cache)
        return result if summarize is None else summarize(result)

    if threads <= 1 or len(codes) <= 1:
        return [one(code) for code in codes]
    # The first measure alone: what it computes for the batch (columns, incomes, ages ...) the
    # others then find kept, instead of each thread computing it at the same time.
    first = one(codes[0])
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mera-measure") as pool:
        return [first, *pool.map(one, codes[1:])]


def concat_results(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Result frames one after another, the categorical columns joined by their categories."""
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    columns = {}
    for name in COLUMNS:
        first = parts[0][name]
        if isinstance(first.dtype, pd.CategoricalDtype):
            columns[name] = union_categoricals([part[name] for part in parts])
        else:
            columns[name] = pd.concat([part[name] for part in parts], ignore_index=True)
    # copy=False: the joined columns as they are; else pandas stacks the integer ones into one
    # block, a second copy of millions of rows.
    return pd.DataFrame(columns, columns=COLUMNS, copy=False)


def _evaluate(
    ruleset: RuleSet,
    frames: Frames,
    measure: Measure,
    month: Month,
    persons: np.ndarray,
    households: np.ndarray,
    outcome: _Outcome,
    cache: dict,
) -> None:
    period = PeriodValue(month, measure.period)
    n = len(persons)
    single: int | None = None  # the version of every row, when the period's start chooses it
    if measure.version_by == "application_date":
        application_day = application_days(frames, measure.code, cache)[households]
        outcome.settle(application_day == NO_DAY, UNDETERMINED)
        versions = _version_of(measure, application_day)
        outcome.settle(versions < 0, INELIGIBLE, "valid_period")
    else:
        single = int(_version_of(measure, np.array([(period.start - EPOCH).days]))[0])
        if single < 0:
            outcome.settle(np.ones(n, dtype=bool), INELIGIBLE, "valid_period")
    if measure.region is not None:
        in_region = _matches(frames.households["region"], [measure.region], cache)[households]
        outcome.settle(~in_region, INELIGIBLE, "region")
    if measure.municipalities:
        unknown = _matches(frames.households["municipality"], None, cache)[households]
        outcome.settle(unknown, UNDETERMINED)
        listed = _matches(frames.households["municipality"], sorted(measure.municipalities), cache)[households]
        outcome.settle(~unknown & ~listed, INELIGIBLE, "municipality")
    for index, version in enumerate(measure.versions):
        if single is not None and index != single:
            continue
        still_open = outcome.status == OPEN
        chosen_rows = still_open if single is not None else (versions == index) & still_open
        if chosen_rows.all():  # every subject: the arrays as they are
            outcome.version[:] = index + 1
            _evaluate_version(ruleset, frames, measure, version, period, persons, households, None, outcome, cache)
            continue
        chosen = np.flatnonzero(chosen_rows)
        if chosen.size == 0:
            continue
        outcome.version[chosen] = index + 1
        _evaluate_version(
            ruleset, frames, measure, version, period, persons[chosen], households[chosen], chosen, outcome, cache
        )


def _matches(column: pd.Series, values: list[str] | None, cache: dict) -> np.ndarray:
    """Per row of a household text column: whether it is one of ``values`` (None: whether it is
    missing), computed once per frames."""
    key = ("matches", column.name, None if values is None else tuple(values))
    found = cache.get(key)
    if found is None:
        found = cache[key] = (column.isna() if values is None else column.isin(values)).to_numpy(dtype=bool)
    return found


def _version_of(measure: Measure, days: np.ndarray) -> np.ndarray:
    """The index of the version in force on each day; -1 outside the measure's life."""
    starts = np.array([(v.effective_from - EPOCH).days for v in measure.versions], dtype=np.int64)
    index = np.searchsorted(starts, days, side="right") - 1
    valid_from = (measure.valid_from - EPOCH).days
    outside = days < valid_from
    if measure.valid_to is not None:
        outside |= days > (measure.valid_to - EPOCH).days
    return choose(outside | (days == NO_DAY), -1, index)


def _evaluate_version(
    ruleset: RuleSet,
    frames: Frames,
    measure: Measure,
    version: MeasureVersion,
    period: PeriodValue,
    persons: np.ndarray,
    households: np.ndarray,
    rows: np.ndarray | None,
    outcome: _Outcome,
    cache: dict,
) -> None:
    """Settle the outcome's ``rows`` (open, all of this version; ``None``: every subject) step
    by step: ``applies_to``, the eligibility tree, the amount and the schedule, each step
    computed only for the rows the steps before left open."""
    variables = {**ruleset.library, **version.variables}
    program = program_for(ruleset)
    sharing = Sharing(
        cache.setdefault(("shared values",), SharedValues()),
        program.signatures_of(measure.code, version.effective_from, variables),
        program.shared_signatures(ruleset),
        (measure.entity, period.start, period.end, ruleset.version, id(frames)),
        measure.code if frames.applications is not None else "",  # whose application ``application`` is
        rows,
        len(frames.households) if measure.entity == "household" else len(frames.members),
    )
    sharing.expressions = program.expression_keys.setdefault((measure.code, version.effective_from), {})
    ctx = VectorContext(ruleset, frames, period, persons, households, variables, program, cache, measure.code, sharing)

    def step(status: np.ndarray, failed: np.ndarray | None = None) -> bool:
        """Write a step's codes for the open rows; keep the rows it leaves open (``False``: none)."""
        nonlocal ctx, rows, households
        outcome.decide(rows, status, failed)
        still_open = status == OPEN
        if still_open.all():
            return True
        keep = np.flatnonzero(still_open)
        ctx, households = ctx.narrowed(keep), households[keep]
        rows = keep if rows is None else rows[keep]
        return len(keep) > 0

    if measure.entity == "person" and version.applies_to is not None:
        applies = ctx.program.formula(version.applies_to)(ctx)
        status = _status(ctx.n, applies.v, _mask(applies.known, True), _mask(applies.err, False), INELIGIBLE)  # type: ignore[attr-defined]
        failed = choose(status == INELIGIBLE, np.int32(outcome.conditions["applies_to"]), np.int32(0))
        if not step(status, failed):
            return
    value, known, err, failed = _condition(ctx, version.eligibility, outcome.conditions)
    status = _status(ctx.n, value, known, err, INELIGIBLE)
    if not step(status, choose(status == INELIGIBLE, failed, np.int32(0))):
        return
    amount = ctx.program.formula(version.amount)(ctx)
    assert isinstance(amount, Num)
    rounding = version.rounding
    rounded = vv.round_to(amount, rounding.places, rounding.mode)
    kopecks = rounded.rescaled(2) if rounded.scale <= 2 else rounded.m
    start, end, review, schedule_err = _schedule(ctx, measure, version, households)
    status = _status(ctx.n, None, _mask(amount.known, True), _mask(amount.err, False), ELIGIBLE)
    status[schedule_err & (status == ELIGIBLE)] = ERROR
    outcome.decide(rows, status)
    eligible = status == ELIGIBLE
    chosen = slice(None) if eligible.all() else np.flatnonzero(eligible)
    target = chosen if rows is None else rows[chosen]
    outcome.amount[target] = np.asarray(kopecks[chosen], dtype=np.int64)
    for column, months in ((outcome.start, start), (outcome.end, end), (outcome.review, review)):
        if months is not None:  # None: no row has one (the outcome holds -1 already)
            column[target] = months[chosen]


Mask = np.ndarray | None  # None: a mask with no row set (no error) or, for ``known``, every row known


def _status(n: int, value: np.ndarray | None, known: Mask, err: Mask, otherwise: int) -> np.ndarray:
    """A step's codes for its ``n`` rows in the scalar backend's order: an error, else
    ``otherwise`` where the value is known and false (``value`` None: wherever known), else
    undetermined where unknown, else open."""
    status = np.full(n, otherwise, dtype=np.int8) if value is None else choose(value, np.int8(OPEN), np.int8(otherwise))
    if known is not None:
        status[~known] = UNDETERMINED
    if err is not None:
        status[err] = ERROR
    return status


def _mask(values: np.ndarray, meaning: bool) -> Mask:
    """``None`` when every row of a bool column is ``meaning`` (so steps can skip it)."""
    if vv.uniform(values) is meaning:
        return None
    return None if (values.all() if meaning else not values.any()) else values


def _condition(ctx: VectorContext, node: Condition, codes: dict[str, int]) -> tuple[np.ndarray, Mask, Mask, np.ndarray]:
    """(value, known, err, first failed condition's code or 0) of an eligibility node, with the
    scalar order of evaluation: an ``all`` ignores errors after a failed child, an ``any`` stops
    at a true one. ``codes``: each condition id's code. ``known``/``err`` are ``None`` when every
    row is known / none is an error."""
    n = ctx.n
    if node.kind == "leaf":
        assert node.formula is not None
        value = ctx.program.formula(node.formula)(ctx)
        assert isinstance(value, Bools)
        known, err = _mask(value.known, True), _mask(value.err, False)
        return value.v, known, err, _codes(_false(value.v, known, err), codes[node.id])
    if node.kind == "not":
        inner_v, known, err, _inner_failed = _condition(ctx, node.children[0], codes)
        return ~inner_v, known, err, _codes(_false(~inner_v, known, err), codes[node.id])
    # A child is evaluated only for the rows its predecessors left open (the rest are decided,
    # and a decided row ignores later errors and unknowns), on a narrowed context.
    undecided = _Undecided(n)
    if node.kind == "all":
        failed = np.zeros(n, dtype=np.int32)
        refused = np.zeros(n, dtype=bool)
        for child in node.children:
            if refused.all():
                break
            active = None if not refused.any() else np.flatnonzero(~refused)
            v, known, child_err, child_failed = _condition(
                ctx if active is None else ctx.narrowed(active), child, codes
            )
            child_false = _false(v, known, child_err)
            if active is None:  # every row still open: whole-array operations
                failed = choose(child_false, child_failed, failed)  # np.copyto(where=) branches per row
                refused |= child_false
            else:
                decided = active[child_false]
                failed[decided] = child_failed[child_false]
                refused[decided] = True
            undecided.add(active, known, child_err)
        return ~refused, undecided.known(refused), undecided.err(), failed
    granted = np.zeros(n, dtype=bool)  # any
    for child in node.children:
        if granted.all():
            break
        active = None if not granted.any() else np.flatnonzero(~granted)
        v, known, child_err, _child_failed = _condition(ctx if active is None else ctx.narrowed(active), child, codes)
        undecided.add(active, known, child_err)
        _or_at(granted, active, _true(v, known, child_err))
    known = undecided.known(granted)
    return granted, known, undecided.err(), _codes(_false(granted, known, None), codes[node.id])


class _Undecided:
    """The errors and unknowns an ``all``/``any`` node gathers from its children, arrays only
    once a child has any."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.err_rows: np.ndarray | None = None
        self.unknown_rows: np.ndarray | None = None

    def add(self, rows: np.ndarray | None, known: Mask, err: Mask) -> None:
        """A child's masks over ``rows`` (``None``: every row): its errors, and its unknowns that
        are not errors."""
        if err is not None:
            if self.err_rows is None:
                self.err_rows = np.zeros(self.n, dtype=bool)
            _or_at(self.err_rows, rows, err)
        if known is not None:
            if self.unknown_rows is None:
                self.unknown_rows = np.zeros(self.n, dtype=bool)
            _or_at(self.unknown_rows, rows, ~known if err is None else ~known & ~err)

    def known(self, decided: np.ndarray) -> Mask:
        """Known where decided by a child, or where no child left it unknown."""
        return None if self.unknown_rows is None else decided | ~self.unknown_rows

    def err(self) -> Mask:
        return self.err_rows


def _false(value: np.ndarray, known: Mask, err: Mask) -> np.ndarray:
    """Rows where a value is known, false and not an error."""
    result = ~value
    if known is not None:
        result &= known
    if err is not None:
        result &= ~err
    return result


def _true(value: np.ndarray, known: Mask, err: Mask) -> np.ndarray:
    """Rows where a value is known, true and not an error."""
    result = value if known is None else value & known
    return result if err is None else result & ~err


def _or_at(target: np.ndarray, rows: np.ndarray | None, values: np.ndarray) -> None:
    """``target |= values`` at ``rows`` (``None``: every row)."""
    if rows is None:
        target |= values
    else:
        target[rows] |= values


def _codes(failed: np.ndarray, condition: int) -> np.ndarray:
    """The condition's code where ``failed``, 0 elsewhere."""
    return choose(failed, np.int32(condition), np.int32(0))


def _months(value: Vec) -> np.ndarray:
    if isinstance(value, Months):
        return value.v
    assert isinstance(value, Days)
    return month_index_of(value.v)


def _schedule(
    ctx: VectorContext,
    measure: Measure,
    version: MeasureVersion,
    households: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Start, end, review (month numbers, -1 for none; end and review ``None`` when no row has
    one) and the rows whose schedule raises."""
    spec = version.schedule
    n = ctx.n
    err = np.zeros(n, dtype=bool)
    start_known = vv.ones(n)  # a uniform mask while every row's start is known
    if spec.start in ("application_month", "month_of_right"):
        start = application_months(ctx.frames, measure.code, ctx.cache)[households]  # -1 (NO_MONTH): none
        has_start = start != NO_MONTH
        start_known = start_known if has_start.all() else has_start
    else:
        start = np.full(n, -1, dtype=np.int64)
    if spec.start in ("month_of_right", "expression") and spec.start_formula is not None:
        value = ctx.program.formula(spec.start_formula)(ctx)
        err |= value.err
        start_known = vv.both(start_known, value.known)
        right = _months(value)
        if spec.start == "expression":
            start = right
        else:
            late = start - right
            take_right = (right > start) | (
                (late <= spec.look_back_months) if spec.look_back_months is not None else np.ones(n, dtype=bool)
            )
            start = choose(take_right, right, start)
    end = None
    if measure.period == "once":
        end = start
    else:
        candidates = []
        if spec.term_months:
            candidates.append(start + spec.term_months - 1)
        if spec.until is not None:  # evaluated only where the start is known
            value = ctx.program.formula(spec.until)(ctx)
            err |= vv.both(value.err, start_known)
            start_known = vv.both(start_known, value.known)
            candidates.append(_months(value))
        if measure.valid_to is not None:
            candidates.append(np.full(n, Month.of(measure.valid_to).index, dtype=np.int64))
        if candidates:
            end = np.minimum.reduce(candidates)
    none = None if vv.uniform(start_known) is True else ~start_known
    if end is not None:
        ends_before = end < start
        none = ends_before if none is None else none | ends_before
    review = start + spec.review_every if spec.review_every else None
    if none is not None and none.any():
        start = choose(none, -1, start)
        end = None if end is None else choose(none, -1, end)
        review = None if review is None else choose(none, -1, review)
    return start, end, review, err
