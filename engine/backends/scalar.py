"""The scalar backend: one household, one period, every step traced.

Each AST node kind has a compile handler in ``HANDLERS`` that turns it into a closure over an
evaluation :class:`Frame`; a rule set's closures are built once and cached. Arithmetic is
``Decimal`` under a context that traps division by zero, invalid operations and overflow, so
a defect in a rule becomes a precise error, never ``inf``/``nan`` or a hang.
"""

from __future__ import annotations

import decimal
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine import arithmetic, ast
from engine.backends.scalar_ops import IMPLEMENTATIONS, field_value
from engine.errors import EvaluationError
from engine.library import FUNCTIONS
from engine.measures import Formula
from engine.trace import StepBuilder
from engine.values import Unknown, merge_unknowns

Compiled = Callable[["Frame"], Any]

DECIMAL_CONTEXT = arithmetic.CONTEXT
ZERO = Decimal(0)
_MISSING = object()
_ABSENT = object()


class Frame:
    """The state of one evaluation: inputs, computed variables, loop variables, the trace."""

    __slots__ = (
        "as_of",
        "cache",
        "compiled",
        "loops",
        "period",
        "ruleset",
        "snapshot",
        "step",
        "subject",
        "tracing",
        "values",
        "variable_steps",
        "variables",
    )

    def __init__(self, ruleset, snapshot, subject, period, as_of, variables, compiled, tracing, cache=None):  # type: ignore[no-untyped-def]
        self.ruleset = ruleset
        self.snapshot = snapshot
        self.subject = subject
        self.period = period
        self.as_of = as_of
        self.variables = variables  # name → Variable visible to this version
        self.compiled = compiled
        self.tracing = tracing
        self.values: dict[str, Any] = {}
        self.loops: dict[str, Any] = {}
        self.step: StepBuilder | None = None
        self.variable_steps: list = []
        # Memo of pure functions of the snapshot (incomes by month ...), shared by the measures
        # evaluated for one household.
        self.cache: dict = {} if cache is None else cache

    def read(self, path: str, value: Any) -> None:
        if self.step is not None:
            self.step.read(path, value)

    def variable(self, name: str) -> Any:
        value = self.values.get(name, _MISSING)
        if value is _MISSING:
            variable = self.variables[name]
            caller, saved_loops = self.step, self.loops
            self.loops = {}  # a variable means the same wherever it is used
            step = None
            if self.tracing:
                step = StepBuilder("variable", name, variable.formula.text, variable.formula.span.line_location)
                self.step = step
            try:
                value = self.compiled.formula(variable.formula)(self)
            except EvaluationError as exc:
                if step is not None:
                    step.note = f"ошибка: {exc.message}"
                    self.variable_steps.append(step.finish(None))
                raise
            finally:
                self.step, self.loops = caller, saved_loops
            if step is not None:
                self.variable_steps.append(step.finish(value))
            self.values[name] = value
        if self.step is not None:
            self.step.read(name, value)
        return value


class Program:
    """Compiled closures for the formulas of one rule set."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Formula, Compiled]] = {}

    def formula(self, formula: Formula) -> Compiled:
        entry = self._cache.get(id(formula))
        if entry is None or entry[0] is not formula:
            entry = (formula, compile_expr(formula.expr, frozenset()))
            self._cache[id(formula)] = entry
        return entry[1]


_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def program_for(ruleset) -> Program:  # type: ignore[no-untyped-def]
    program = _PROGRAMS.get(ruleset)
    if program is None:
        program = Program()
        _PROGRAMS[ruleset] = program
    return program


def compile_expr(node: ast.Expr, loops: frozenset[str]) -> Compiled:
    handler = HANDLERS.get(type(node))
    if handler is None:
        raise NotImplementedError(f"scalar backend has no handler for {type(node).__name__}")
    return handler(node, loops)


def _arith_error(exc: Exception, node: ast.Expr) -> EvaluationError:
    if isinstance(exc, decimal.DivisionByZero | ZeroDivisionError):
        return EvaluationError("division by zero", node.span)
    if isinstance(exc, decimal.Overflow):
        return EvaluationError("arithmetic overflow", node.span)
    return EvaluationError("invalid arithmetic (such as 0/0)", node.span)


# -- handlers ----------------------------------------------------------------------------------


def _constant(node: ast.Number | ast.Text | ast.Bool, loops: frozenset[str]) -> Compiled:
    value = node.value
    return lambda f: value


def _list(node: ast.ListOf, loops: frozenset[str]) -> Compiled:
    items = [compile_expr(item, loops) for item in node.items]

    def run(f: Frame) -> Any:
        values = [item(f) for item in items]
        unknown = [v for v in values if isinstance(v, Unknown)]
        return merge_unknowns(unknown) if unknown else tuple(values)

    return run


def _name(node: ast.Name, loops: frozenset[str]) -> Compiled:
    name = node.id
    if name in loops:
        return lambda f: f.loops[name]
    if name == "person":
        return lambda f: f.subject
    if name == "applicant":
        return lambda f: f.snapshot.applicant
    if name == "household":
        return lambda f: f.snapshot
    if name == "members":
        return lambda f: f.snapshot.members
    if name == "housing":
        return lambda f: field_value(f.snapshot, "housing")
    if name == "period":
        return lambda f: f.period
    if name == "application":
        return lambda f: f.snapshot.application or Unknown.of("application", "application")
    return lambda f: f.variable(name)


def _attribute(node: ast.Attribute, loops: frozenset[str]) -> Compiled:
    base = compile_expr(node.value, loops)
    name = node.name

    def run(f: Frame) -> Any:
        obj = base(f)
        if isinstance(obj, Unknown):
            return obj
        value = field_value(obj, name)
        if f.step is not None and not isinstance(value, tuple | Unknown):
            path = getattr(obj, "path", None)
            if isinstance(path, str) and not hasattr(value, "path"):
                f.step.read(f"{path}.{name}", value)
        return value

    return run


def _unary(node: ast.Unary, loops: frozenset[str]) -> Compiled:
    operand = compile_expr(node.operand, loops)
    if node.op == "not":

        def run_not(f: Frame) -> Any:
            value = operand(f)
            return value if isinstance(value, Unknown) else not value

        return run_not

    def run_neg(f: Frame) -> Any:
        value = operand(f)
        return value if isinstance(value, Unknown) else -value

    return run_neg


def _binop(node: ast.BinOp, loops: frozenset[str]) -> Compiled:
    left = compile_expr(node.left, loops)
    right = compile_expr(node.right, loops)
    op = node.op

    def run(f: Frame) -> Any:
        a = left(f)
        b = right(f)
        if type(a) is Unknown or type(b) is Unknown:
            return merge_unknowns([v for v in (a, b) if type(v) is Unknown])
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return arithmetic.mul(a, b)
            return arithmetic.div(a, b)
        except (decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow, ZeroDivisionError) as exc:
            raise _arith_error(exc, node) from None

    return run


def _boolop(node: ast.BoolOp, loops: frozenset[str]) -> Compiled:
    values = [compile_expr(value, loops) for value in node.values]
    decisive = node.op == "or"  # the value that settles the result: True for or, False for and

    def run(f: Frame) -> Any:
        unknown: list[Unknown] = []
        for value in values:
            result = value(f)
            if isinstance(result, Unknown):
                unknown.append(result)
            elif result is decisive:
                return decisive
        return merge_unknowns(unknown) if unknown else not decisive

    return run


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _compare(node: ast.Compare, loops: frozenset[str]) -> Compiled:
    left = compile_expr(node.left, loops)
    right = compile_expr(node.right, loops)
    test = _COMPARE[node.op]

    def run(f: Frame) -> Any:
        a = left(f)
        b = right(f)
        if type(a) is Unknown or type(b) is Unknown:
            return merge_unknowns([v for v in (a, b) if type(v) is Unknown])
        return test(a, b)

    return run


def _ifelse(node: ast.IfElse, loops: frozenset[str]) -> Compiled:
    condition = compile_expr(node.condition, loops)
    then = compile_expr(node.then, loops)
    otherwise = compile_expr(node.otherwise, loops)

    def run(f: Frame) -> Any:
        test = condition(f)
        if isinstance(test, Unknown):
            return test
        return then(f) if test else otherwise(f)

    return run


def _aggregate(node: ast.Aggregate, loops: frozenset[str]) -> Compiled:
    source = compile_expr(node.source, loops)
    inner = loops | {node.var}
    element = compile_expr(node.element, inner)
    condition = compile_expr(node.condition, inner) if node.condition is not None else None
    var, func = node.var, node.func
    settles = {"any": True, "all": False}.get(func, _ABSENT)

    def run(f: Frame) -> Any:
        items = source(f)
        if isinstance(items, Unknown):
            return items
        saved = f.loops.get(var, _ABSENT)
        outer = f.step
        kept: list[Any] = []
        unknown: list[Unknown] = []
        try:
            for item in items:
                f.loops[var] = item
                child = None
                if outer is not None:
                    label = item.path if hasattr(item, "path") else str(item)
                    child = StepBuilder("item", label)
                    f.step = child
                keep = condition(f) if condition is not None else True
                value: Any = None
                if isinstance(keep, Unknown):
                    unknown.append(keep)
                    value = keep
                elif keep:
                    value = element(f) if func != "count" else True
                    if isinstance(value, Unknown):
                        unknown.append(value)
                    else:
                        kept.append(value)
                if child is not None and outer is not None:
                    if keep is not False:
                        outer.children.append(child.finish(value))
                    f.step = outer
                if value is settles:  # any() found a True, all() a False: the rest cannot matter
                    break
        finally:
            f.step = outer
            if saved is _ABSENT:
                f.loops.pop(var, None)
            else:
                f.loops[var] = saved
        if func == "any":
            if any(v is True for v in kept):
                return True
            return merge_unknowns(unknown) if unknown else False
        if func == "all":
            if any(v is False for v in kept):
                return False
            return merge_unknowns(unknown) if unknown else True
        if unknown:
            return merge_unknowns(unknown)
        if func == "sum":
            try:
                return sum(kept, ZERO)
            except (decimal.Overflow, decimal.InvalidOperation) as exc:
                raise _arith_error(exc, node) from None
        if func == "count":
            return Decimal(len(kept))
        if not kept:
            raise EvaluationError(f"{func}() over no items", node.span)
        return min(kept) if func == "min" else max(kept)

    return run


def _list_comp(node: ast.ListComp, loops: frozenset[str]) -> Compiled:
    source = compile_expr(node.source, loops)
    inner = loops | {node.var}
    element = compile_expr(node.element, inner)
    condition = compile_expr(node.condition, inner) if node.condition is not None else None
    var = node.var

    def run(f: Frame) -> Any:
        items = source(f)
        if isinstance(items, Unknown):
            return items
        saved = f.loops.get(var, _ABSENT)
        kept: list[Any] = []
        unknown: list[Unknown] = []
        try:
            for item in items:
                f.loops[var] = item
                keep = condition(f) if condition is not None else True
                if isinstance(keep, Unknown):
                    unknown.append(keep)
                elif keep:
                    value = element(f)
                    if isinstance(value, Unknown):
                        unknown.append(value)
                    else:
                        kept.append(value)
        finally:
            if saved is _ABSENT:
                f.loops.pop(var, None)
            else:
                f.loops[var] = saved
        return merge_unknowns(unknown) if unknown else tuple(kept)

    return run


def _call(node: ast.Call, loops: frozenset[str]) -> Compiled:
    function = FUNCTIONS[node.func]
    implementation = IMPLEMENTATIONS[node.func]
    args = [compile_expr(arg, loops) for arg in node.args]
    keywords = [(name, compile_expr(value, loops)) for name, value in node.keywords]
    implicit_person = function.person_first and len(node.args) == len(function.args)
    arithmetic = (decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow, ZeroDivisionError)

    def run(f: Frame) -> Any:
        values = [f.subject] if implicit_person else []
        unknown = None
        for arg in args:
            value = arg(f)
            if type(value) is Unknown:
                unknown = value if unknown is None else unknown.merge(value)
            values.append(value)
        named = {}
        for name, compiled in keywords:
            value = compiled(f)
            if type(value) is Unknown:
                unknown = value if unknown is None else unknown.merge(value)
            named[name] = value
        if unknown is not None:
            return unknown
        try:
            return implementation(f, node, *values, **named)
        except arithmetic as exc:
            raise _arith_error(exc, node) from None

    return run


HANDLERS: dict[type, Callable[[Any, frozenset[str]], Compiled]] = {
    ast.Number: _constant,
    ast.Text: _constant,
    ast.Bool: _constant,
    ast.ListOf: _list,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Unary: _unary,
    ast.BinOp: _binop,
    ast.BoolOp: _boolop,
    ast.Compare: _compare,
    ast.IfElse: _ifelse,
    ast.Aggregate: _aggregate,
    ast.ListComp: _list_comp,
    ast.Call: _call,
}
