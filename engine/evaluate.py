"""Evaluate measures for a snapshot and a period with the scalar backend.

For each measure: pick the version in force, check region and life dates, evaluate the
eligibility tree (Kleene logic: a false condition refuses even when others are unknown),
then the amount with its declared rounding, then the schedule. The result carries readable
refusal reasons, the missing facts with the documents that would supply them, and the trace.
"""

from __future__ import annotations

import contextlib
import decimal
import re
from datetime import date
from decimal import Decimal
from typing import Any

from engine.backends.scalar import DECIMAL_CONTEXT, Frame, program_for
from engine.errors import EvaluationError
from engine.measures import Condition, Measure, MeasureVersion
from engine.money import apply_rounding
from engine.periods import Month
from engine.result import MissingFact, Result, Schedule
from engine.ruleset import RuleSet
from engine.snapshot import Member, Snapshot
from engine.trace import StepBuilder, TraceStep, text_value
from engine.values import Fact, PeriodValue, Unknown, merge_unknowns

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Outcome:
    """The value of an eligibility node and the readable reasons it failed."""

    __slots__ = ("failed", "reasons", "value")

    def __init__(self, value: Any, reasons: list[str], failed: list[str]):
        self.value = value
        self.reasons = reasons
        self.failed = failed


def _as_month(period: Month | str) -> Month:
    return period if isinstance(period, Month) else Month.parse(period)


def evaluate(
    ruleset: RuleSet,
    snapshot: Snapshot,
    measure: str,
    period: Month | str,
    person: str | None = None,
    trace: bool = True,
) -> Result:
    """Evaluate one measure for a household (and, for person measures, one member)."""
    definition = ruleset.measure(measure)
    subject = _subject(definition, snapshot, person)
    with decimal.localcontext(DECIMAL_CONTEXT):
        return _Evaluation(ruleset, snapshot, definition, _as_month(period), subject, trace).run()


def evaluate_all(
    ruleset: RuleSet,
    snapshot: Snapshot,
    period: Month | str,
    measures: list[str] | None = None,
    person: str | None = None,
    trace: bool = True,
) -> list[Result]:
    """Every measure (or the listed ones): household measures once, person measures per member.

    A person measure whose ``applies_to`` is false for a member is left out for that member.
    """
    month = _as_month(period)
    codes = measures if measures is not None else sorted(ruleset.measures)
    results = []
    cache: dict = {}  # one household: what its facts give is computed once for all measures
    with decimal.localcontext(DECIMAL_CONTEXT):
        for code in codes:
            definition = ruleset.measure(code)
            if definition.entity == "household":
                subject = _subject(definition, snapshot, person)
                results.append(_Evaluation(ruleset, snapshot, definition, month, subject, trace, cache).run())
                continue
            members = [snapshot.member(person)] if person else list(snapshot.members)
            for member in members:
                evaluation = _Evaluation(ruleset, snapshot, definition, month, member, trace, cache)
                if person is None and evaluation.applies() is False:
                    continue
                results.append(evaluation.run())
    return results


def _subject(measure: Measure, snapshot: Snapshot, person: str | None) -> Member:
    """``person`` in the rules: the member asked for in a person measure; the applicant in a
    household measure, whoever asked."""
    if measure.entity == "person" and person:
        return snapshot.member(person)
    if person and measure.entity == "household":
        snapshot.member(person)  # still refuse a member the household does not have
    return snapshot.applicant


class _Evaluation:
    def __init__(
        self,
        ruleset: RuleSet,
        snapshot: Snapshot,
        measure: Measure,
        month: Month,
        subject: Member,
        tracing: bool,
        cache: dict | None = None,
    ):
        self.ruleset = ruleset
        self.snapshot = snapshot
        self.measure = measure
        self.month = month
        self.subject = subject
        self.tracing = tracing
        self.period = PeriodValue(month, measure.period)
        self.as_of = self.period.start
        # Which rules apply: those of the period, or (for measures assigned on application)
        # those in force on the application date, kept for the whole assignment.
        self.version_date: date | None = self.as_of
        if measure.version_by == "application_date":
            self.version_date = snapshot.application.date if snapshot.application else None
        self.version: MeasureVersion | None = (
            measure.version_at(self.version_date) if self.version_date else measure.versions[0]
        )
        self.frame: Frame | None = None
        if self.version is not None:
            variables = {**ruleset.library, **self.version.variables}
            self.frame = Frame(
                ruleset, snapshot, subject, self.period, self.as_of, variables, program_for(ruleset), tracing, cache
            )

    # -- pieces ---------------------------------------------------------------------------------

    def _formula_step(self, kind: str, name: str, formula) -> tuple[Any, TraceStep | None]:  # type: ignore[no-untyped-def]
        frame = self.frame
        assert frame is not None
        step = StepBuilder(kind, name, formula.text, formula.span.line_location) if self.tracing else None
        caller = frame.step
        frame.step = step
        try:
            value = frame.compiled.formula(formula)(frame)
        except EvaluationError as exc:
            if step is not None:
                step.note = f"ошибка: {exc.message}"
                frame.variable_steps.append(step.finish(None))
            raise
        finally:
            frame.step = caller
        return value, step.finish(value) if step is not None else None

    def applies(self) -> bool | None:
        """Whether a person measure is meant for this member at all (``applies_to``)."""
        if self.version is None or self.version.applies_to is None:
            return True
        try:
            value, _step = self._formula_step("condition", "applies_to", self.version.applies_to)
        except EvaluationError:
            return None
        return None if isinstance(value, Unknown) else bool(value)

    def _reason(self, condition: Condition, default: str) -> str:
        if not condition.reason:
            return default
        frame = self.frame
        assert frame is not None

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            try:
                value = frame.values[name] if name in frame.values else frame.variable(name)
            except EvaluationError:
                return "?"
            return _reason_value(value)

        return _PLACEHOLDER_RE.sub(fill, condition.reason)

    def _condition(self, condition: Condition, steps: list[TraceStep]) -> _Outcome:
        if condition.kind == "leaf":
            formula = condition.formula
            assert formula is not None
            value, step = self._formula_step("condition", condition.id, formula)
            if value is False:
                reason = self._reason(condition, f"не выполнено условие: {formula.text}")
                outcome = _Outcome(False, [reason], [condition.id])
            else:
                outcome = _Outcome(value, [], [])
            if step is not None:
                if value is False:
                    step = _with_note(step, outcome.reasons[0])
                steps.append(step)
            return outcome
        children: list[TraceStep] = []
        if condition.kind == "not":
            inner = self._condition(condition.children[0], children)
            if isinstance(inner.value, Unknown):
                outcome = _Outcome(inner.value, [], [])
            elif inner.value:
                text = condition.children[0].formula.text if condition.children[0].formula else condition.children[0].id
                outcome = _Outcome(
                    False, [self._reason(condition, f"выполнено исключающее условие: {text}")], [condition.id]
                )
            else:
                outcome = _Outcome(True, [], [])
        elif condition.kind == "all":
            reasons: list[str] = []
            failed: list[str] = []
            unknown: list[Unknown] = []
            for child in condition.children:
                try:
                    result = self._condition(child, children)
                except EvaluationError as exc:
                    if failed:  # already refused: a later step that cannot run does not matter
                        children.append(
                            TraceStep(
                                "condition",
                                child.id,
                                None,
                                child.span.line_location,
                                None,
                                note=f"не вычислено: {exc.message}",
                            )
                        )
                        continue
                    raise
                if result.value is False:
                    reasons.extend(result.reasons)
                    failed.extend(result.failed)
                elif isinstance(result.value, Unknown):
                    unknown.append(result.value)
            if failed:
                value: Any = False
                if condition.reason:
                    reasons = [self._reason(condition, "")]
            else:
                value = merge_unknowns(unknown) if unknown else True
            outcome = _Outcome(value, reasons, failed)
        else:  # any
            reasons = []
            failed = []
            unknown = []
            value = False
            for child in condition.children:
                result = self._condition(child, children)
                if result.value is True:
                    value = True
                    break
                if isinstance(result.value, Unknown):
                    unknown.append(result.value)
                else:
                    reasons.extend(result.reasons)
                    failed.extend(result.failed)
            if value is not True and unknown:
                value = merge_unknowns(unknown)
            if value is False:
                default = "не выполнено ни одно из условий: " + "; ".join(reasons)
                reasons = [self._reason(condition, default)]
                failed = [condition.id, *failed]
            outcome = _Outcome(value, reasons if value is False else [], failed if value is False else [])
        if self.tracing:
            steps.append(
                TraceStep(
                    condition.kind,
                    condition.id,
                    None,
                    condition.span.line_location,
                    outcome.value,
                    children=tuple(children),
                    note="; ".join(outcome.reasons) if outcome.value is False else None,
                )
            )
        return outcome

    def _schedule(self, steps: list[TraceStep]) -> Schedule | None:
        version = self.version
        assert version is not None and self.frame is not None
        spec = version.schedule
        builder = StepBuilder("schedule", "schedule") if self.tracing else None
        notes: list[str] = []
        application = self.snapshot.application
        start: Month | None = None
        unknown: list[Unknown] = []
        if spec.start == "application_month" or spec.start == "month_of_right":
            if application is None:
                unknown.append(Unknown.of("application", "application"))
            else:
                start = application.month
                if builder:
                    builder.read("application.month", start)
        if spec.start in ("month_of_right", "expression") and spec.start_formula is not None:
            value, step = self._formula_step("variable", "schedule.start", spec.start_formula)
            if builder and step:
                builder.children.append(step)
            if isinstance(value, Unknown):
                unknown.append(value)
            else:
                right = value if isinstance(value, Month) else Month.of(value)
                if spec.start == "expression":
                    start = right
                elif start is not None:
                    late = start.minus(right)
                    if right > start:
                        start = right
                    elif spec.look_back_months is None or late <= spec.look_back_months:
                        notes.append(f"с месяца возникновения права {right} (обращение через {late} мес.)")
                        start = right
                    else:
                        notes.append(f"обращение позже {spec.look_back_months} мес. после {right}: с месяца обращения")
        if unknown or start is None:
            if builder:
                value = merge_unknowns(unknown) if unknown else None
                steps.append(builder.finish(value))
            return None
        if self.measure.period == "once":
            end: Month | None = start
        else:
            candidates: list[Month] = []
            if spec.term_months:
                candidates.append(start.add(spec.term_months - 1))
            if spec.until is not None:
                value, step = self._formula_step("variable", "schedule.until", spec.until)
                if builder and step:
                    builder.children.append(step)
                if isinstance(value, Unknown):
                    if builder:
                        steps.append(builder.finish(value))
                    return None
                candidates.append(value if isinstance(value, Month) else Month.of(value))
            if self.measure.valid_to is not None:
                candidates.append(Month.of(self.measure.valid_to))
            end = min(candidates) if candidates else None
        review = start.add(spec.review_every) if spec.review_every else None
        payment = spec.payment if self.measure.period != "once" else "once"
        schedule = Schedule(start, end, review, payment)
        if builder:
            if end is not None and end < start:
                notes.append("срок окончания раньше начала: назначение не на что")
            builder.note = "; ".join(notes) or None
            steps.append(builder.finish(f"{start} — {end or 'без срока'}"))
        if end is not None and end < start:
            return None
        return schedule

    def _trace_unused_variables(self) -> None:
        """Show the measure's own variables the result did not need (a normative area shown for
        reference, say), so the trace of a granted measure is complete. They cannot change it."""
        frame = self.frame
        assert frame is not None and self.version is not None
        for name in self.version.variables:
            if name not in frame.values:
                with contextlib.suppress(EvaluationError):  # the step carries the error as its note
                    frame.variable(name)

    def _missing(self, unknown: Unknown) -> tuple[MissingFact, ...]:
        facts = []
        for fact in sorted(unknown.facts):
            document = self.measure.evidence.get(fact.kind) or self.ruleset.evidence.get(fact.kind)
            facts.append(
                MissingFact(
                    fact.path, fact.describe(), document, self.ruleset.documents.get(document) if document else None
                )
            )
        return tuple(facts)

    # -- the whole ------------------------------------------------------------------------------

    def run(self) -> Result:
        measure = self.measure
        steps: list[TraceStep] = []
        person_id = self.subject.id if measure.entity == "person" else None

        def result(
            status: str,
            amount: Decimal | None = None,
            schedule: Schedule | None = None,
            reasons: tuple[str, ...] = (),
            failed: tuple[str, ...] = (),
            missing: tuple[MissingFact, ...] = (),
            error: str | None = None,
        ) -> Result:
            frame_steps = self.frame.variable_steps if self.frame else []
            root = TraceStep(
                "measure",
                measure.code,
                None,
                measure.span.line_location,
                status,
                children=tuple(frame_steps) + tuple(steps) if self.tracing else (),
                note=measure.title,
            )
            return Result(
                measure.code,
                measure.title,
                self.month,
                person_id,
                status,
                amount,
                schedule,
                reasons,
                failed,
                missing,
                self.ruleset.version,
                self.version.effective_from.isoformat() if self.version else "",
                root,
                error,
            )

        if self.version_date is None:
            return result("undetermined", missing=self._missing(Unknown.of("application", "application")))
        if self.version is None:
            until = f" по {measure.valid_to}" if measure.valid_to else ""
            return result(
                "ineligible", reasons=(f"мера действует с {measure.valid_from}{until}",), failed=("valid_period",)
            )
        if measure.region is not None and self.snapshot.region != measure.region:
            if self.tracing:
                steps.append(
                    TraceStep(
                        "condition", "region", None, None, False, inputs=(("household.region", self.snapshot.region),)
                    )
                )
            return result(
                "ineligible", reasons=(f"мера действует только в регионе {measure.region}",), failed=("region",)
            )
        if measure.municipalities:
            if self.snapshot.municipality is None:
                unknown = Unknown.of("household.municipality", "municipality")
                return result("undetermined", missing=self._missing(unknown))
            if self.snapshot.municipality not in measure.municipalities:
                return result(
                    "ineligible",
                    reasons=("мера действует в других муниципальных образованиях",),
                    failed=("municipality",),
                )
        try:
            if measure.entity == "person" and self.version.applies_to is not None:
                value, step = self._formula_step("condition", "applies_to", self.version.applies_to)
                if step:
                    steps.append(step)
                if isinstance(value, Unknown):
                    return result("undetermined", missing=self._missing(value))
                if value is False:
                    reason = self.version.applies_to_reason or "мера не назначается этому члену семьи"
                    return result("ineligible", reasons=(reason,), failed=("applies_to",))
            outcome = self._condition(self.version.eligibility, steps)
            if outcome.value is False:
                return result("ineligible", reasons=tuple(outcome.reasons), failed=tuple(outcome.failed))
            if isinstance(outcome.value, Unknown):
                return result("undetermined", missing=self._missing(outcome.value))
            raw, step = self._formula_step("amount", "amount", self.version.amount)
            if isinstance(raw, Unknown):
                if step:
                    steps.append(step)
                return result("undetermined", missing=self._missing(raw))
            amount = apply_rounding(raw, self.version.rounding)
            if step:
                note = f"округление {self.version.rounding.name}: {text_value(raw)} → {text_value(amount)}"
                steps.append(_with_note(step, note, amount))
            schedule = self._schedule(steps)
            if self.tracing:
                self._trace_unused_variables()
            return result("eligible", amount=amount, schedule=schedule)
        except EvaluationError as exc:
            return result("error", error=str(exc))


def _with_note(step: TraceStep, note: str, value: Any = None) -> TraceStep:
    return TraceStep(
        step.kind,
        step.name,
        step.expression,
        step.location,
        step.value if value is None else value,
        step.inputs,
        step.params,
        step.children,
        note,
    )


def _reason_value(value: Any) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return text_value(value.quantize(Decimal(1)))
        return text_value(value.quantize(Decimal("0.01")))
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return text_value(value)


__all__ = ["Fact", "evaluate", "evaluate_all"]
