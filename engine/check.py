"""The checker: names, types, parameters and cycles, before anything is evaluated.

Every error is collected with its position; nothing stops at the first. Types are inferred
bottom-up: number, money, bool, date, month, text, category sets (lists of text), windows and
the input records (person, household, housing, service ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from engine import ast
from engine.errors import RuleError
from engine.fields import suggest
from engine.library import AGGREGATE_RESULTS, FUNCTIONS, Function
from engine.measures import Condition, Formula, Measure, MeasureVersion, Variable, placeholders
from engine.money import rounding_names
from engine.params import ParameterSet
from engine.periods import Month
from engine.source import Span
from engine.types import (
    ANY,
    BOOL,
    DATE,
    MONEY,
    MONTH,
    NUMBER,
    NUMERIC,
    PERSON,
    RECORDS,
    ROOTS,
    TEXT,
    Type,
    is_list,
    list_of,
)


def _is_literal_number(node: ast.Expr) -> bool:
    return isinstance(node, ast.Number) or (isinstance(node, ast.Unary) and isinstance(node.operand, ast.Number))


class Scope:
    """The names visible to the formulas of one measure version, with their inferred types."""

    def __init__(self, checker: Checker, variables: dict[str, Variable]):
        self.checker = checker
        self.variables = variables
        self.types: dict[str, Type] = {}
        self.visiting: list[str] = []
        self.dependencies: dict[str, set[str]] = {}

    def names(self, loops: dict[str, Type]) -> list[str]:
        return [*loops, *self.variables, *ROOTS]

    def variable_type(self, name: str, span: Span) -> Type:
        if name in self.types:
            return self.types[name]
        if name in self.visiting:
            cycle = [*self.visiting[self.visiting.index(name) :], name]
            first = self.variables[cycle[0]]
            self.checker.error(
                "variable-cycle",
                f"variables form a cycle: {' -> '.join(cycle)}",
                first.formula.span,
                "a variable cannot depend on itself, directly or through others",
            )
            for member in cycle:
                self.types[member] = ANY
            return ANY
        variable = self.variables[name]
        self.visiting.append(name)
        try:
            result = self.checker.infer(variable.formula.expr, self, {})
        finally:
            self.visiting.pop()
        self.types.setdefault(name, result)
        self.dependencies[name] = ast.free_names(variable.formula.expr) & set(self.variables)
        return self.types[name]


class Checker:
    def __init__(self, params: ParameterSet, library: dict[str, Variable]):
        self.params = params
        self.library = library
        self.errors: list[RuleError] = []
        self.valid_from: date | None = None  # of the measure being checked, for coverage
        self.param_names: set[str] = set()

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.errors.append(RuleError(code, message, span, hint))

    # -- measures ------------------------------------------------------------------------

    def check_measure(self, measure: Measure) -> None:
        for version in measure.versions:
            self.valid_from = version.effective_from
            self.check_version(measure, version)
        self.valid_from = None

    def check_version(self, measure: Measure, version: MeasureVersion) -> None:
        for name, variable in version.variables.items():
            if name in self.library and variable.origin != "lib":
                self.error(
                    "variable-shadows-library",
                    f"variable {name!r} is already defined in rules/lib",
                    variable.formula.span,
                    "rename it, or use the shared one",
                )
            if name in ROOTS:
                self.error(
                    "variable-shadows-input",
                    f"variable {name!r} hides the input of the same name",
                    variable.formula.span,
                    "rename it",
                )
        variables = {**self.library, **version.variables}
        scope = Scope(self, variables)
        for name in version.variables:
            scope.variable_type(name, version.variables[name].formula.span)
        self.check_condition(version.eligibility, scope)
        amount_type = self.infer(version.amount.expr, scope, {})
        if amount_type not in (*NUMERIC, ANY):
            self.error("type-amount", f"the amount must be money, not {amount_type}", version.amount.span)
        if version.rounding.places > 2:
            self.error(
                "type-amount",
                f"an amount rounds to kopecks or coarser, not {version.rounding.name}",
                version.amount.span,
                "use kopeck_*, ruble_* or whole_*",
            )
        if version.applies_to is not None:
            self.expect(version.applies_to, scope, (BOOL,), "applies_to")
        spec = version.schedule
        if spec.start_formula is not None:
            self.expect(spec.start_formula, scope, (DATE, MONTH), "the schedule start")
        if spec.until is not None:
            self.expect(spec.until, scope, (DATE, MONTH), "the schedule end")
        if measure.period == "once" and spec.term_months:
            self.error("measure-schedule", "a one-time measure has no term", spec.span or measure.span)

    def expect(self, formula: Formula, scope: Scope, types: tuple[Type, ...], what: str) -> None:
        found = self.infer(formula.expr, scope, {})
        if found not in (*types, ANY):
            self.error("type-mismatch", f"{what} must be {' or '.join(map(str, types))}, not {found}", formula.span)

    def check_condition(self, condition: Condition, scope: Scope) -> None:
        if condition.reason:
            for name in placeholders(condition.reason):
                if name not in scope.variables:
                    self.error(
                        "reason-placeholder",
                        f"the reason names {{{name}}}, which is not a variable",
                        condition.reason_span or condition.span,
                        suggest(name, scope.variables) or None,
                    )
        if condition.formula is not None:
            self.expect(condition.formula, scope, (BOOL,), "a condition")
        for child in condition.children:
            self.check_condition(child, scope)

    def check_library(self) -> None:
        scope = Scope(self, self.library)
        for name, variable in self.library.items():
            if name in ROOTS:
                self.error(
                    "variable-shadows-input",
                    f"variable {name!r} hides the input of the same name",
                    variable.formula.span,
                    "rename it",
                )
            scope.variable_type(name, variable.formula.span)

    # -- expressions -----------------------------------------------------------------------

    def infer(self, node: ast.Expr, scope: Scope, loops: dict[str, Type]) -> Type:
        handler = _HANDLERS.get(type(node))
        if handler is None:  # pragma: no cover - guarded by test_backends_complete
            raise NotImplementedError(f"checker has no handler for {type(node).__name__}")
        return handler(self, node, scope, loops)

    def _number(self, node: ast.Number, scope: Scope, loops: dict[str, Type]) -> Type:
        return NUMBER

    def _text(self, node: ast.Text, scope: Scope, loops: dict[str, Type]) -> Type:
        return TEXT

    def _bool(self, node: ast.Bool, scope: Scope, loops: dict[str, Type]) -> Type:
        return BOOL

    def _list(self, node: ast.ListOf, scope: Scope, loops: dict[str, Type]) -> Type:
        types = [self.infer(item, scope, loops) for item in node.items]
        known = {t for t in types if t != ANY}
        if len(known) > 1 and not known <= set(NUMERIC):
            self.error("type-mismatch", "a list mixes " + " and ".join(sorted(map(str, known))), node.span)
            return list_of(ANY)
        return list_of(MONEY if MONEY in known else (known.pop() if known else ANY))

    def _name(self, node: ast.Name, scope: Scope, loops: dict[str, Type]) -> Type:
        if node.id in loops:
            return loops[node.id]
        if node.id in scope.variables:
            return scope.variable_type(node.id, node.span)
        if node.id in ROOTS:
            return ROOTS[node.id]
        hint = suggest(node.id, scope.names(loops))
        if node.id in FUNCTIONS:
            hint = f"{node.id} is a function: call it as {node.id}(...)"
        self.error(
            "name-unknown",
            f"unknown name {node.id!r}",
            node.span,
            hint or "inputs: " + ", ".join(ROOTS) + "; or define it under variables:",
        )
        return ANY

    def _attribute(self, node: ast.Attribute, scope: Scope, loops: dict[str, Type]) -> Type:
        base = self.infer(node.value, scope, loops)
        if base == ANY:
            return ANY
        fields = RECORDS.get(base)
        if fields is None:
            self.error("attribute-unknown", f"a {base} has no fields", node.span)
            return ANY
        if node.name not in fields:
            self.error(
                "attribute-unknown",
                f"a {base} has no field {node.name!r}",
                node.span,
                suggest(node.name, fields) or f"fields: {', '.join(fields)}",
            )
            return ANY
        return fields[node.name]

    def _unary(self, node: ast.Unary, scope: Scope, loops: dict[str, Type]) -> Type:
        operand = self.infer(node.operand, scope, loops)
        if node.op == "not":
            if operand not in (BOOL, ANY):
                self.error("type-mismatch", f"'not' needs a condition, not {operand}", node.span)
            return BOOL
        if operand not in (*NUMERIC, ANY):
            self.error("type-mismatch", f"cannot negate {operand}", node.span)
            return ANY
        return operand

    def _numeric_pair(
        self, node: ast.Expr, left: ast.Expr, right: ast.Expr, lt: Type, rt: Type, what: str
    ) -> Type | None:
        """Money and number mix only where a literal number stands for roubles (``x - 0``)."""
        if ANY in (lt, rt):
            return ANY
        if lt == rt:
            return lt
        if {lt, rt} == {MONEY, NUMBER}:
            number_side = left if lt == NUMBER else right
            if _is_literal_number(number_side):
                return MONEY
            self.error(
                "type-money-number",
                f"cannot {what} money and a plain number",
                node.span,
                "multiply a number by a money amount or parameter to get money",
            )
            return ANY
        return None

    def _binop(self, node: ast.BinOp, scope: Scope, loops: dict[str, Type]) -> Type:
        lt = self.infer(node.left, scope, loops)
        rt = self.infer(node.right, scope, loops)
        if ANY in (lt, rt):
            return ANY
        if lt not in NUMERIC or rt not in NUMERIC:
            hint = None
            if DATE in (lt, rt) or MONTH in (lt, rt):
                hint = "use add_months(), add_days() or months_between() for dates"
            self.error("type-mismatch", f"cannot use {node.op!r} on {lt} and {rt}", node.span, hint)
            return ANY
        if node.op in ("+", "-"):
            return self._numeric_pair(node, node.left, node.right, lt, rt, "add or subtract") or ANY
        if node.op == "*":
            if lt == MONEY and rt == MONEY:
                self.error(
                    "type-money-number",
                    "cannot multiply money by money",
                    node.span,
                    "one side should be a number (a rate, a share, a count)",
                )
                return ANY
            return MONEY if MONEY in (lt, rt) else NUMBER
        # division
        if lt == MONEY and rt == MONEY:
            return NUMBER
        if lt == NUMBER and rt == MONEY:
            if _is_literal_number(node.left):
                return NUMBER
            self.error("type-money-number", "cannot divide a number by money", node.span)
            return ANY
        return lt

    def _boolop(self, node: ast.BoolOp, scope: Scope, loops: dict[str, Type]) -> Type:
        for value in node.values:
            found = self.infer(value, scope, loops)
            if found not in (BOOL, ANY):
                self.error("type-mismatch", f"'{node.op}' joins conditions, not {found}", value.span)
        return BOOL

    def _compare(self, node: ast.Compare, scope: Scope, loops: dict[str, Type]) -> Type:
        lt = self.infer(node.left, scope, loops)
        rt = self.infer(node.right, scope, loops)
        if ANY in (lt, rt):
            return BOOL
        if node.op in ("in", "not in"):
            if not is_list(rt):
                self.error("type-mismatch", f"'{node.op}' needs a list on the right, not {rt}", node.right.span)
            elif rt.item not in (lt, ANY) and not {lt, rt.item} <= set(NUMERIC):
                self.error("type-mismatch", f"cannot look for a {lt} in a {rt}", node.span)
            return BOOL
        if lt == rt and lt in (TEXT, BOOL, PERSON) and node.op not in ("==", "!="):
            self.error("type-mismatch", f"{lt} values can only be compared with == and !=", node.span)
            return BOOL
        if lt == rt:
            return BOOL
        if self._numeric_pair(node, node.left, node.right, lt, rt, "compare") is None:
            self.error("type-mismatch", f"cannot compare {lt} with {rt}", node.span)
        return BOOL

    def _ifelse(self, node: ast.IfElse, scope: Scope, loops: dict[str, Type]) -> Type:
        condition = self.infer(node.condition, scope, loops)
        if condition not in (BOOL, ANY):
            self.error(
                "type-mismatch", f"the condition of 'if' must be a condition, not {condition}", node.condition.span
            )
        then = self.infer(node.then, scope, loops)
        otherwise = self.infer(node.otherwise, scope, loops)
        if then == otherwise or ANY in (then, otherwise):
            return then if then != ANY else otherwise
        pair = self._numeric_pair(node, node.then, node.otherwise, then, otherwise, "choose between")
        if pair is None:
            self.error("type-mismatch", f"the two branches give {then} and {otherwise}", node.span)
            return ANY
        return pair

    def _list_comp(self, node: ast.ListComp, scope: Scope, loops: dict[str, Type]) -> Type:
        return list_of(self._loop(node, scope, loops, "[...]"))

    def _loop(self, node: ast.Aggregate | ast.ListComp, scope: Scope, loops: dict[str, Type], what: str) -> Type:
        """Type the source, the filter and the element of a loop; return the element's type."""
        source = self.infer(node.source, scope, loops)
        item = ANY
        if source != ANY:
            if not is_list(source):
                self.error("type-mismatch", f"{what} needs a list after 'in', not {source}", node.source.span)
            else:
                item = source.item or ANY
        if node.var in scope.variables or node.var in ROOTS:
            self.error(
                "name-shadowed",
                f"loop variable {node.var!r} hides a name of the same spelling",
                node.span,
                "pick another loop variable, such as m for members or s for services",
            )
        inner = {**loops, node.var: item}
        if node.condition is not None:
            found = self.infer(node.condition, scope, inner)
            if found not in (BOOL, ANY):
                self.error(
                    "type-mismatch", f"the filter after 'if' must be a condition, not {found}", node.condition.span
                )
        return self.infer(node.element, scope, inner)

    def _aggregate(self, node: ast.Aggregate, scope: Scope, loops: dict[str, Type]) -> Type:
        element = self._loop(node, scope, loops, f"{node.func}(...)")
        if node.func in AGGREGATE_RESULTS:
            if node.func in ("any", "all") and element not in (BOOL, ANY):
                self.error("type-mismatch", f"{node.func}() needs conditions, not {element}", node.element.span)
            return AGGREGATE_RESULTS[node.func]
        if node.func == "sum" and element not in (*NUMERIC, ANY):
            self.error("type-mismatch", f"sum() needs numbers or money, not {element}", node.element.span)
            return ANY
        if node.func in ("min", "max") and element not in (NUMBER, MONEY, DATE, MONTH, ANY):
            self.error("type-mismatch", f"{node.func}() needs ordered values, not {element}", node.element.span)
            return ANY
        return element

    def _call(self, node: ast.Call, scope: Scope, loops: dict[str, Type]) -> Type:
        function = FUNCTIONS.get(node.func)
        if function is None:
            hint = suggest(node.func, FUNCTIONS)
            if node.func in ("sum", "count", "any", "all"):
                hint = f"write {node.func}(x for x in list [if condition])"
            self.error(
                "function-unknown",
                f"unknown function {node.func!r}",
                node.span,
                hint or "see docs/rule-language.md for the function library",
            )
            for arg in node.args:
                self.infer(arg, scope, loops)
            return ANY
        arg_types = [self.infer(arg, scope, loops) for arg in node.args]
        keyword_types = {name: self.infer(value, scope, loops) for name, value in node.keywords}
        args, types = list(node.args), arg_types
        if function.person_first and types and types[0] == PERSON:
            args, types = args[1:], types[1:]
        self._bind(function, node, args, types, keyword_types)
        return self._result(function, node, args, types)

    def _bind(
        self,
        function: Function,
        node: ast.Call,
        args: list[ast.Expr],
        types: list[Type],
        keyword_types: dict[str, Type],
    ) -> None:
        specs = list(function.args)
        if function.variadic and len(args) > len(specs):
            specs += [specs[-1]] * (len(args) - len(specs))
        required = [spec for spec in function.args if spec.required]
        if len(args) < len(required) or len(args) > len(specs):
            expected = (
                len(required)
                if len(required) == len(function.args) and not function.variadic
                else (f"{len(required)} or more" if function.variadic else f"{len(required)} to {len(function.args)}")
            )
            self.error(
                "function-arguments",
                f"{function.name}() takes {expected} argument(s), got {len(args)}",
                node.span,
                "the person may be given first" if function.person_first else None,
            )
            return
        for spec, arg, found in zip(specs, args, types, strict=False):
            if spec.literal and not isinstance(arg, ast.Text):
                self.error(
                    "function-literal",
                    f"the {spec.name} of {function.name}() must be written as text in quotes",
                    arg.span,
                )
                continue
            if found != ANY and found not in spec.types:
                self.error(
                    "type-mismatch",
                    f"{function.name}(): {spec.name} must be {' or '.join(map(str, spec.types))}, not {found}",
                    arg.span,
                )
        allowed = {spec.name: spec for spec in function.keyword_only}
        for name, value in node.keywords:
            spec = allowed.get(name)
            if spec is None:
                self.error(
                    "function-arguments",
                    f"{function.name}() has no argument {name!r}",
                    value.span,
                    suggest(name, allowed) or (f"it takes: {', '.join(allowed)}" if allowed else None),
                )
                continue
            found = keyword_types[name]
            if spec.list_of:
                if not isinstance(value, ast.ListOf) or any(not isinstance(item, ast.Text) for item in value.items):
                    self.error(
                        "function-literal",
                        f"{name}= of {function.name}() is a list of codes in quotes",
                        value.span,
                        f"{name}=['wages', 'pension']",
                    )
            elif found not in (*spec.types, ANY):
                self.error(
                    "type-mismatch",
                    f"{function.name}(): {name} must be {' or '.join(map(str, spec.types))}, not {found}",
                    value.span,
                )

    def _result(self, function: Function, node: ast.Call, args: list[ast.Expr], types: list[Type]) -> Type:
        name = function.name
        if name in ("param", "bracket", "marginal", "param_exists"):
            found = self._param_result(function, node, args, types)
            return BOOL if name == "param_exists" else found
        if (
            name == "round"
            and len(args) > 1
            and isinstance(args[1], ast.Text)
            and args[1].value not in rounding_names()
        ):
            self.error(
                "function-rounding",
                f"unknown rounding {args[1].value!r}",
                args[1].span,
                suggest(args[1].value, rounding_names()) or "such as kopeck_half_up or ruble_down",
            )
        if name == "date" and args and isinstance(args[0], ast.Text):
            try:
                date.fromisoformat(args[0].value)
            except ValueError:
                self.error(
                    "function-literal", f"{args[0].value!r} is not a date", args[0].span, "write date('YYYY-MM-DD')"
                )
        if name == "month" and args and types and types[0] == TEXT:
            if not isinstance(args[0], ast.Text):
                self.error("function-literal", "month() of text needs a literal 'YYYY-MM'", args[0].span)
            else:
                try:
                    Month.parse(args[0].value)
                except ValueError:
                    self.error(
                        "function-literal", f"{args[0].value!r} is not a month", args[0].span, "write month('YYYY-MM')"
                    )
        if name in ("min", "max", "clamp"):
            known = [t for t in types if t != ANY]
            if len(set(known)) > 1:
                pair = self._numeric_pair(node, args[0], args[1], types[0], types[1], name) if len(args) > 1 else None
                if pair is None and not all(
                    t == MONEY or _is_literal_number(a) for a, t in zip(args, types, strict=False) if t != ANY
                ):
                    self.error(
                        "type-mismatch", f"{name}() mixes {' and '.join(sorted(set(map(str, known))))}", node.span
                    )
        result = function.result
        return result(types) if callable(result) else result

    def _param_result(self, function: Function, node: ast.Call, args: list[ast.Expr], types: list[Type]) -> Type:
        if not args or not isinstance(args[0], ast.Text):
            return ANY
        name = args[0].value
        self.param_names.add(name)
        if name not in self.params:
            self.error(
                "param-unknown",
                f"unknown parameter {name!r}",
                args[0].span,
                suggest(name, self.params.names()) or "parameters live in rules/parameters/",
            )
            return ANY
        parameter = self.params[name]
        given = len(args) - (1 if function.name in ("param", "param_exists") else 2)
        if given != len(parameter.keys):
            keys = ", ".join(k.name for k in parameter.keys) or "no keys"
            self.error(
                "param-keys",
                f"parameter {name} takes {len(parameter.keys)} key(s) ({keys}), got {max(given, 0)}",
                node.span,
            )
        if function.name == "param" and parameter.kind == "scale":
            self.error("param-kind", f"{name} is a scale: use bracket() or marginal()", node.span)
        elif function.name in ("bracket", "marginal") and parameter.kind != "scale":
            self.error("param-kind", f"{name} is not a scale: use param()", node.span)
        first = parameter.first_date()
        checks_coverage = function.name != "param_exists"
        if (
            checks_coverage
            and self.valid_from is not None
            and first > self.valid_from
            and not any(k == "at" for k, _ in node.keywords)
        ):
            self.error(
                "param-coverage",
                f"parameter {name} starts on {first}, but this rule applies from {self.valid_from}",
                args[0].span,
                "add the earlier values with their sources, or start the measure (version) later",
            )
        value_type = parameter.type
        if function.name == "marginal":
            x_type = types[1] if len(types) > 1 else NUMBER
            return MONEY if MONEY in (value_type, x_type) else NUMBER
        return value_type


_HANDLERS = {
    ast.Number: Checker._number,
    ast.Text: Checker._text,
    ast.Bool: Checker._bool,
    ast.ListOf: Checker._list,
    ast.Name: Checker._name,
    ast.Attribute: Checker._attribute,
    ast.Unary: Checker._unary,
    ast.BinOp: Checker._binop,
    ast.BoolOp: Checker._boolop,
    ast.Compare: Checker._compare,
    ast.IfElse: Checker._ifelse,
    ast.Aggregate: Checker._aggregate,
    ast.ListComp: Checker._list_comp,
    ast.Call: Checker._call,
}


def check_all(params: ParameterSet, library: dict[str, Variable], measures: Iterable[Measure]) -> list[RuleError]:
    """Check the shared library and every measure; return every error found."""
    checker = Checker(params, library)
    checker.check_library()
    for measure in measures:
        checker.check_measure(measure)
    # Versions share the formulas they do not override: report each problem once.
    unique: dict[tuple[str, str, int, int, str], RuleError] = {}
    for error in checker.errors:
        unique.setdefault((error.code, error.span.path, error.span.line, error.span.col, error.message), error)
    return list(unique.values())
