"""Measure files → measure definitions: metadata, dated versions, eligibility trees, schedules.

One file per measure. The top level is the first version (from ``valid_from``); each entry
of ``versions:`` starts on its date and overrides what it names (variables merge by name),
so a change of law keeps the old rules for old periods. See ``docs/rule-language.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from engine import ast
from engine.errors import RuleErrors
from engine.fields import Reader, suggest
from engine.money import Rounding, parse_rounding, rounding_names
from engine.parse import parse_expression
from engine.plain import plain
from engine.source import Span
from engine.yamlload import Mapping, Node, Scalar

LEVELS = ("federal", "regional", "municipal")
ENTITIES = ("person", "household")
PERIODS = ("month", "once", "year")
PAYMENTS = ("monthly", "once", "yearly")
MEASURE_KEYS = (
    "measure",
    "title",
    "level",
    "funding",
    "legal_basis",
    "entity",
    "period",
    "region",
    "municipalities",
    "valid_from",
    "valid_to",
    "version_by",
    "documents",
    "evidence",
    "applies_to",
    "variables",
    "eligibility",
    "amount",
    "rounding",
    "schedule",
    "versions",
    "tests",
    "notes",
)
VERSION_KEYS = ("legal_basis", "variables", "eligibility", "amount", "rounding", "schedule", "applies_to", "notes")
# Kinds of facts a snapshot can lack; evidence maps them to the documents that supply them.
FACT_KINDS = (
    "categories",
    "pregnancy",
    "incomes",
    "no_income_reasons",
    "property",
    "housing",
    "application",
    "municipality",
    "services",
    "registered_residents",
    "ownership",
    "has_debts",
)
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Formula:
    """An expression with its source text and position."""

    text: str
    expr: ast.Expr
    span: Span = field(compare=False)


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    formula: Formula
    origin: str  # the measure code, or "lib"


@dataclass(frozen=True, slots=True)
class Condition:
    """A node of an eligibility tree: ``leaf`` (a formula), ``all``, ``any`` or ``not``."""

    kind: str
    id: str
    span: Span = field(compare=False)
    formula: Formula | None = None
    reason: str | None = None
    children: tuple[Condition, ...] = ()
    reason_span: Span | None = field(default=None, compare=False)

    def leaves(self) -> list[Condition]:
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            if node.kind == "leaf":
                found.append(node)
            stack.extend(reversed(node.children))
        return found


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    start: str  # application_month | month_of_right | expression
    start_formula: Formula | None = None
    look_back_months: int | None = None
    term_months: int | None = None
    until: Formula | None = None
    review_every: int | None = None
    payment: str = "monthly"
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class MeasureVersion:
    effective_from: date
    legal_basis: str
    variables: dict[str, Variable]
    eligibility: Condition
    amount: Formula
    rounding: Rounding
    schedule: ScheduleSpec
    applies_to: Formula | None
    applies_to_reason: str | None
    span: Span = field(compare=False)

    def formulas(self) -> list[Formula]:
        """The version's own formulas besides its variables: applies_to, the eligibility leaves,
        the amount and the schedule's start and end."""
        found = [self.applies_to, *(leaf.formula for leaf in self.eligibility.leaves()), self.amount]
        found += [self.schedule.start_formula, self.schedule.until]
        return [formula for formula in found if formula is not None]


@dataclass(frozen=True, slots=True)
class Expectation:
    status: str | None = None
    amount: str | None = None
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    schedule: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EmbeddedTest:
    name: str
    period: str
    household: dict[str, Any]
    person: str | None
    expect: Expectation
    span: Span = field(compare=False)


@dataclass(frozen=True, slots=True, eq=False)
class Measure:
    code: str
    title: str
    level: str
    funding: str
    legal_basis: str
    entity: str
    period: str
    region: str | None
    municipalities: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    version_by: str  # period | application_date: which date picks the version in force
    documents: tuple[str, ...]
    evidence: dict[str, str]
    versions: tuple[MeasureVersion, ...]
    tests: tuple[EmbeddedTest, ...]
    path: str
    span: Span = field(compare=False)

    def version_at(self, on: date) -> MeasureVersion | None:
        """The version in force on a date, or ``None`` outside the measure's life."""
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            return None
        chosen = None
        for version in self.versions:
            if version.effective_from <= on:
                chosen = version
        return chosen


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER_RE.findall(text)


class MeasureLoader:
    """Reads one measure file's node tree; errors go to the shared reader."""

    def __init__(self, reader: Reader):
        self.r = reader

    def formula(self, node: Node | None, what: str, span: Span) -> Formula | None:
        scalar = self.r.scalar(node, what, span)
        if scalar is None:
            return None
        text = scalar.text
        try:
            expr = parse_expression(text, scalar.sub_span)
        except RuleErrors as exc:
            self.r.errors.extend(exc.errors)
            return None
        return Formula(" ".join(text.split()), expr, scalar.span)  # one line for traces and pages

    def load(self, root: Node | None, path: str, file_span: Span) -> Measure | None:
        r = self.r
        node = r.mapping(root, "a measure file", file_span)
        if node is None:
            return None
        before = len(r.errors)
        r.keys(
            node,
            MEASURE_KEYS,
            (
                "measure",
                "title",
                "level",
                "funding",
                "legal_basis",
                "entity",
                "period",
                "valid_from",
                "eligibility",
                "amount",
            ),
            "a measure",
        )
        code = r.code(node.get("measure"), "measure code", node.span)
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if code and code != stem:
            r.error(
                "measure-file-name",
                f"measure {code!r} is in a file named {stem!r}",
                node.key_node("measure").span if node.key_node("measure") else node.span,
                f"name the file {code}.yaml so people and tools find it",
            )
        title = r.text(node.get("title"), "title", node.span) or ""
        level = r.choice(node.get("level"), "level", node.span, LEVELS) or "federal"
        funding = r.code(node.get("funding"), "funding", node.span) or ""
        legal_basis = r.text(node.get("legal_basis"), "legal_basis", node.span) or ""
        entity = r.choice(node.get("entity"), "entity", node.span, ENTITIES) or "person"
        period = r.choice(node.get("period"), "period", node.span, PERIODS) or "month"
        region = None
        if "region" in node:
            region_node = r.scalar(node.get("region"), "region", node.span)
            if region_node is not None:
                if not re.fullmatch(r"[0-9]{2}", region_node.text):
                    r.error(
                        "schema-region",
                        f"region {region_node.text!r} is not a two-digit code",
                        region_node.span,
                        'quote it: region: "63"',
                    )
                else:
                    region = region_node.text
        if level != "federal" and region is None:
            level_node = node.get("level")
            r.error(
                "measure-region",
                f"a {level} measure needs 'region'",
                level_node.span if level_node is not None else node.span,
                'add region: "<two-digit code>" (and municipalities: [...] for a municipal measure)',
            )
        municipalities: tuple[str, ...] = ()
        if "municipalities" in node:
            sequence = r.sequence(node.get("municipalities"), "municipalities", node.span)
            if sequence is not None:
                municipalities = tuple(text for item in sequence if (text := r.text(item, "OKTMO code", sequence.span)))
        valid_from = r.date(node.get("valid_from"), "valid_from", node.span)
        valid_to = r.date(node.get("valid_to"), "valid_to", node.span) if "valid_to" in node else None
        version_by = "period"
        if "version_by" in node:
            version_by = (
                r.choice(node.get("version_by"), "version_by", node.span, ("period", "application_date")) or "period"
            )
        documents = r.codes(node.get("documents"), "documents", node.span) if "documents" in node else ()
        evidence: dict[str, str] = {}
        if "evidence" in node:
            mapping = r.mapping(node.get("evidence"), "evidence", node.span)
            for key, value in mapping or ():
                if key.text not in FACT_KINDS:
                    r.error(
                        "measure-evidence",
                        f"unknown fact kind {key.text!r} in evidence",
                        key.span,
                        suggest(key.text, FACT_KINDS) or f"known: {', '.join(FACT_KINDS)}",
                    )
                    continue
                document = r.code(value, f"document for {key.text}", key.span)
                if document:
                    evidence[key.text] = document
        base = self._version_body(node, code or stem, valid_from or date.min, legal_basis, None)
        versions = [base] if base else []
        if "versions" in node:
            mapping = r.mapping(node.get("versions"), "versions", node.span)
            for key, value in mapping or ():
                effective = r.date_text(key, "version date")
                body = r.mapping(value, f"version {key.text}", key.span)
                if effective is None or body is None:
                    continue
                r.keys(body, VERSION_KEYS, (), f"version {key.text}")
                previous = versions[-1] if versions else None
                if previous and effective <= previous.effective_from:
                    r.error("measure-version-order", "versions must start after valid_from and ascend", key.span)
                    continue
                version = self._version_body(body, code or stem, effective, legal_basis, previous)
                if version:
                    versions.append(version)
        tests = self._tests(node.get("tests"), node.span) if "tests" in node else ()
        if len(r.errors) > before or not code or valid_from is None or not versions:
            return None
        return Measure(
            code=code,
            title=title,
            level=level,
            funding=funding,
            legal_basis=legal_basis,
            entity=entity,
            period=period,
            region=region,
            municipalities=municipalities,
            valid_from=valid_from,
            valid_to=valid_to,
            version_by=version_by,
            documents=documents,
            evidence=evidence,
            versions=tuple(versions),
            tests=tests,
            path=path,
            span=node.span,
        )

    def variables(self, node: Node | None, origin: str, span: Span) -> dict[str, Variable]:
        mapping = self.r.mapping(node, "variables", span)
        found: dict[str, Variable] = {}
        for key, value in mapping or ():
            name = key.text
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                self.r.error(
                    "schema-variable-name",
                    f"variable name {name!r} is not a lower-case name",
                    key.span,
                    "use lower_case_with_underscores",
                )
                continue
            formula = self.formula(value, f"variable {name}", key.span)
            if formula is not None:
                found[name] = Variable(name, formula, origin)
        return found

    def _version_body(
        self, node: Mapping, code: str, effective: date, legal_basis: str, previous: MeasureVersion | None
    ) -> MeasureVersion | None:
        r = self.r
        before = len(r.errors)
        variables = dict(previous.variables) if previous else {}
        if "variables" in node:
            variables.update(self.variables(node.get("variables"), code, node.span))
        eligibility = previous.eligibility if previous else None
        if "eligibility" in node:
            eligibility = self.condition(node.get("eligibility"), "eligibility", node.span)
        amount = previous.amount if previous else None
        if "amount" in node:
            amount = self.formula(node.get("amount"), "amount", node.span)
        rounding = previous.rounding if previous else parse_rounding("kopeck_half_up")
        if "rounding" in node:
            name = r.choice(node.get("rounding"), "rounding", node.span, rounding_names())
            rounding = parse_rounding(name) if name else rounding
        schedule = previous.schedule if previous else ScheduleSpec("application_month")
        if "schedule" in node:
            schedule = self.schedule(node.get("schedule"), node.span) or schedule
        applies_to = previous.applies_to if previous else None
        applies_to_reason = previous.applies_to_reason if previous else None
        if "applies_to" in node:
            target = node.get("applies_to")
            if isinstance(target, Mapping):  # {when: <formula>, reason: <text>}
                r.keys(target, ("when", "reason"), ("when",), "applies_to")
                applies_to = self.formula(target.get("when"), "applies_to", target.span)
                applies_to_reason = r.text(target.get("reason"), "reason", target.span) if "reason" in target else None
            else:
                applies_to = self.formula(target, "applies_to", node.span)
                applies_to_reason = None
        if "legal_basis" in node and previous is not None:
            legal_basis = r.text(node.get("legal_basis"), "legal_basis", node.span) or legal_basis
        elif previous is not None:
            legal_basis = previous.legal_basis
        if len(r.errors) > before or eligibility is None or amount is None:
            return None
        return MeasureVersion(
            effective,
            legal_basis,
            variables,
            eligibility,
            amount,
            rounding,
            schedule,
            applies_to,
            applies_to_reason,
            node.span,
        )

    def condition(self, node: Node | None, where: str, span: Span) -> Condition | None:
        r = self.r
        if isinstance(node, Scalar):
            formula = self.formula(node, "a condition", span)
            return Condition("leaf", where, node.span, formula) if formula else None
        mapping = r.mapping(node, "a condition", span)
        if mapping is None:
            return None
        kinds = [k for k in ("all", "any", "not", "when") if k in mapping]
        if len(kinds) != 1:
            r.error(
                "measure-condition",
                "a condition has exactly one of all, any, not or when",
                mapping.span,
                "write {all: [...]}, {any: [...]}, {not: ...} or {when: <formula>, reason: <text>}",
            )
            return None
        kind = kinds[0]
        r.keys(mapping, (kind, "reason", "id"), (), "a condition")
        reason = r.text(mapping.get("reason"), "reason", mapping.span) if "reason" in mapping else None
        reason_node = mapping.get("reason")
        reason_span = reason_node.span if reason_node is not None else None
        ident = where
        if "id" in mapping:
            ident = r.code(mapping.get("id"), "condition id", mapping.span) or where
        if kind == "when":
            formula = self.formula(mapping.get("when"), "a condition", mapping.span)
            return Condition("leaf", ident, mapping.span, formula, reason, (), reason_span) if formula else None
        if kind == "not":
            child = self.condition(mapping.get("not"), f"{ident}.not", mapping.span)
            return Condition("not", ident, mapping.span, None, reason, (child,), reason_span) if child else None
        sequence = r.sequence(mapping.get(kind), f"'{kind}'", mapping.span)
        if sequence is None:
            return None
        if len(sequence) == 0:
            r.error("measure-condition", f"'{kind}' needs at least one condition", sequence.span)
            return None
        children = []
        for index, item in enumerate(sequence):
            child = self.condition(item, f"{ident}.{kind}[{index + 1}]", sequence.span)
            if child is not None:
                children.append(child)
        if len(children) != len(sequence):
            return None
        return Condition(kind, ident, mapping.span, None, reason, tuple(children), reason_span)

    def schedule(self, node: Node | None, span: Span) -> ScheduleSpec | None:
        r = self.r
        mapping = r.mapping(node, "schedule", span)
        if mapping is None:
            return None
        r.keys(
            mapping, ("start", "look_back_months", "term_months", "until", "review_every", "payment"), (), "schedule"
        )
        spec = ScheduleSpec("application_month", span=mapping.span)
        start = mapping.get("start")
        if isinstance(start, Scalar) and start.text == "application_month":
            pass
        elif isinstance(start, Mapping):
            r.keys(start, ("month_of_right", "expression"), (), "schedule start")
            if "month_of_right" in start:
                formula = self.formula(start.get("month_of_right"), "month of right", start.span)
                spec = replace(spec, start="month_of_right", start_formula=formula)
            elif "expression" in start:
                formula = self.formula(start.get("expression"), "schedule start", start.span)
                spec = replace(spec, start="expression", start_formula=formula)
            else:
                r.error("measure-schedule", "schedule start needs month_of_right or expression", start.span)
        elif start is not None:
            r.error(
                "measure-schedule",
                "schedule start is application_month, {month_of_right: ...} or {expression: ...}",
                start.span,
            )
        if "look_back_months" in mapping:
            spec = replace(
                spec,
                look_back_months=r.integer(
                    mapping.get("look_back_months"), "look_back_months", mapping.span, minimum=0
                ),
            )
            if spec.start != "month_of_right":
                r.error(
                    "measure-schedule",
                    "look_back_months applies to a month_of_right start",
                    mapping.key_node("look_back_months").span,
                )
        if "term_months" in mapping:
            spec = replace(
                spec, term_months=r.integer(mapping.get("term_months"), "term_months", mapping.span, minimum=1)
            )
        if "until" in mapping:
            spec = replace(spec, until=self.formula(mapping.get("until"), "schedule until", mapping.span))
        if "review_every" in mapping:
            spec = replace(
                spec, review_every=r.integer(mapping.get("review_every"), "review_every", mapping.span, minimum=1)
            )
        if "payment" in mapping:
            spec = replace(
                spec, payment=r.choice(mapping.get("payment"), "payment", mapping.span, PAYMENTS) or "monthly"
            )
        return spec

    def _tests(self, node: Node | None, span: Span) -> tuple[EmbeddedTest, ...]:
        r = self.r
        sequence = r.sequence(node, "tests", span)
        tests = []
        for item in sequence or ():
            mapping = r.mapping(item, "a test", span)
            if mapping is None:
                continue
            r.keys(
                mapping,
                ("name", "period", "household", "person", "expect"),
                ("name", "period", "household", "expect"),
                "a test",
            )
            name = r.text(mapping.get("name"), "test name", mapping.span)
            period = r.month(mapping.get("period"), "test period", mapping.span)
            household = r.mapping(mapping.get("household"), "test household", mapping.span)
            person = r.text(mapping.get("person"), "test person", mapping.span) if "person" in mapping else None
            expect = self._expectation(mapping.get("expect"), mapping.span)
            if name and period and household is not None and expect is not None:
                tests.append(EmbeddedTest(name, str(period), plain(household), person, expect, mapping.span))
        return tuple(tests)

    def _expectation(self, node: Node | None, span: Span) -> Expectation | None:
        r = self.r
        mapping = r.mapping(node, "expect", span)
        if mapping is None:
            return None
        r.keys(mapping, ("eligible", "status", "amount", "reasons", "missing", "schedule", "variables"), (), "expect")
        status = None
        if "eligible" in mapping:
            eligible = r.boolean(mapping.get("eligible"), "eligible", mapping.span)
            status = None if eligible is None else ("eligible" if eligible else "ineligible")
        if "status" in mapping:
            status = r.choice(
                mapping.get("status"), "status", mapping.span, ("eligible", "ineligible", "undetermined", "error")
            )
        amount = None
        if "amount" in mapping:
            value = r.decimal(mapping.get("amount"), "expected amount", mapping.span)
            amount = None if value is None else str(value)
        reasons = self._texts(mapping.get("reasons"), "reasons", mapping.span) if "reasons" in mapping else ()
        missing = self._texts(mapping.get("missing"), "missing", mapping.span) if "missing" in mapping else ()
        schedule: dict[str, str] = {}
        if "schedule" in mapping:
            sched = r.mapping(mapping.get("schedule"), "expected schedule", mapping.span)
            for key, value in sched or ():
                if key.text not in ("start", "end", "review", "months"):
                    r.error(
                        "schema-unknown-key",
                        f"unknown key {key.text!r} in expected schedule",
                        key.span,
                        "allowed here: start, end, review, months",
                    )
                    continue
                schedule[key.text] = (
                    ""
                    if isinstance(value, Scalar) and value.is_null
                    else (value.text if isinstance(value, Scalar) else "")
                )
        variables: dict[str, str] = {}
        if "variables" in mapping:
            values = r.mapping(mapping.get("variables"), "expected variables", mapping.span)
            for key, value in values or ():
                if isinstance(value, Scalar):
                    variables[key.text] = value.text
                else:
                    r.error("schema-type", "expected variable values are single values", key.span)
        return Expectation(status, amount, reasons, missing, schedule, variables)

    def _texts(self, node: Node | None, what: str, span: Span) -> tuple[str, ...]:
        sequence = self.r.sequence(node, what, span)
        return tuple(t for item in sequence or () if (t := self.r.text(item, f"an item of {what}", span)))
