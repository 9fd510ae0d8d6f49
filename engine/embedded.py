"""Run the tests embedded in measure files: a household, a period, the expected outcome.

``mera rules check``, the hot reload and pytest all run them; a failing test blocks a reload
just as a syntax error does, and is reported at the test's position in its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engine.errors import RuleError, SnapshotError
from engine.evaluate import evaluate
from engine.measures import EmbeddedTest, Measure
from engine.result import Result
from engine.ruleset import RuleSet
from engine.snapshot import parse_snapshot
from engine.source import Span
from engine.trace import json_value


@dataclass(frozen=True, slots=True)
class TestOutcome:
    measure: str
    name: str
    span: Span
    problems: tuple[str, ...]
    result: Result | None

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_error(self) -> RuleError:
        return RuleError(
            "test-failed",
            f"embedded test {self.name!r} of {self.measure} failed: " + "; ".join(self.problems),
            self.span,
            "run `mera trace` on the test's household to see each step",
        )


def run_test(ruleset: RuleSet, measure: Measure, test: EmbeddedTest) -> TestOutcome:
    try:
        snapshot = parse_snapshot(test.household)
    except SnapshotError as exc:
        problems = tuple(f"household {path}: {reason}" for path, reason in exc.problems)
        return TestOutcome(measure.code, test.name, test.span, problems, None)
    person = test.person
    if person is not None and all(m.id != person for m in snapshot.members):
        return TestOutcome(measure.code, test.name, test.span, (f"no member {person!r} in the household",), None)
    # The trace is needed only to check intermediate values; without it tests run ~40 % faster.
    result = evaluate(ruleset, snapshot, measure.code, test.period, person=person, trace=bool(test.expect.variables))
    return TestOutcome(measure.code, test.name, test.span, tuple(compare(test, result)), result)


def run_embedded_tests(ruleset: RuleSet) -> list[TestOutcome]:
    return [
        run_test(ruleset, measure, test)
        for code in sorted(ruleset.measures)
        for measure in (ruleset.measures[code],)
        for test in measure.tests
    ]


def _same_value(expected: str, actual: object) -> bool:
    if isinstance(actual, bool):
        return expected == ("true" if actual else "false")
    if isinstance(actual, Decimal):
        try:
            return Decimal(expected) == actual
        except InvalidOperation:
            return False
    return expected == str(json_value(actual))


def compare(test: EmbeddedTest, result: Result) -> list[str]:
    """What differs between a test's expectation and a result, in words."""
    expect = test.expect
    problems: list[str] = []
    if result.status == "error" and expect.status != "error":
        return [f"evaluation error: {result.error}"]
    if expect.status is not None and result.status != expect.status:
        detail = ""
        if result.reasons:
            detail = f" ({'; '.join(result.reasons)})"
        elif result.missing:
            detail = f" (missing: {'; '.join(f.description for f in result.missing)})"
        problems.append(f"expected {expect.status}, got {result.status}{detail}")
    if expect.amount is not None and (result.amount is None or result.amount != Decimal(expect.amount)):
        problems.append(f"expected amount {expect.amount}, got {result.amount}")
    for fragment in expect.reasons:
        if not any(fragment in reason for reason in result.reasons):
            problems.append(f"no refusal reason contains {fragment!r} (reasons: {list(result.reasons)})")
    for fragment in expect.missing:
        if not any(fragment in fact.path or fragment in fact.description for fact in result.missing):
            problems.append(f"no missing fact mentions {fragment!r}")
    if expect.schedule:
        schedule = result.schedule
        if schedule is None:
            problems.append("expected a schedule, got none")
        else:
            actual = {
                "start": str(schedule.start),
                "end": str(schedule.end) if schedule.end else "",
                "review": str(schedule.review) if schedule.review else "",
                "months": str(len(schedule.months)) if schedule.months is not None else "",
            }
            for key, value in expect.schedule.items():
                if actual[key] != value:
                    problems.append(f"expected schedule {key} {value or 'none'}, got {actual[key] or 'none'}")
    for name, value in expect.variables.items():
        step = next((s for s in result.trace.walk() if s.kind == "variable" and s.name == name), None)
        if step is None:
            problems.append(f"variable {name!r} was not evaluated")
        elif not _same_value(value, step.value):
            problems.append(f"expected {name} = {value}, got {json_value(step.value)}")
    return problems
