"""The expression AST: one frozen dataclass per node kind, each carrying its source span.

Both backends and the checker dispatch on these classes; ``NODE_TYPES`` lists them all so
a test can prove every backend handles every kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from engine.source import Span


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list literal, such as the codes in ``role in ['applicant', 'spouse']``."""

    items: tuple[Expr, ...]
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A variable, an input root (``person``, ``household`` ...) or a loop variable."""

    id: str
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Attribute:
    """``value.name``: a field of a person, household, service, window or period."""

    value: Expr
    name: str
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A call to the fixed function library; ``keywords`` are ``name=value`` arguments."""

    func: str
    args: tuple[Expr, ...]
    keywords: tuple[tuple[str, Expr], ...]
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``func(element for var in source if condition)``: sum, count, any, all, min, max."""

    func: str
    element: Expr
    var: str
    source: Expr
    condition: Expr | None
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListComp:
    """``[element for var in source if condition]``: a filtered (and mapped) list."""

    element: Expr
    var: str
    source: Expr
    condition: Expr | None
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # "+", "-", "*", "/"
    left: Expr
    right: Expr
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" or "or"
    values: tuple[Expr, ...]
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # "==", "!=", "<", "<=", ">", ">=", "in", "not in"
    left: Expr
    right: Expr
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IfElse:
    """``then if condition else otherwise``."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = field(compare=False, repr=False)


Expr = (
    Number
    | Text
    | Bool
    | ListOf
    | ListComp
    | Name
    | Attribute
    | Call
    | Aggregate
    | Unary
    | BinOp
    | BoolOp
    | Compare
    | IfElse
)

NODE_TYPES: tuple[type, ...] = (
    Number,
    Text,
    Bool,
    ListOf,
    ListComp,
    Name,
    Attribute,
    Call,
    Aggregate,
    Unary,
    BinOp,
    BoolOp,
    Compare,
    IfElse,
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, ListOf):
        return node.items
    if isinstance(node, Attribute):
        return (node.value,)
    if isinstance(node, Call):
        return node.args + tuple(value for _, value in node.keywords)
    if isinstance(node, Aggregate | ListComp):
        return (node.source, node.element) + ((node.condition,) if node.condition else ())
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, BinOp | Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.values
    if isinstance(node, IfElse):
        return (node.condition, node.then, node.otherwise)
    return ()


def walk(node: Expr):  # type: ignore[no-untyped-def]
    """Every node of an expression, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def free_names(node: Expr) -> set[str]:
    """Names an expression reads, minus the loop variables it binds itself."""
    found: set[str] = set()
    stack: list[tuple[Expr, frozenset[str]]] = [(node, frozenset())]
    while stack:
        current, bound = stack.pop()
        if isinstance(current, Name):
            if current.id not in bound:
                found.add(current.id)
            continue
        if isinstance(current, Aggregate | ListComp):
            stack.append((current.source, bound))
            inner = bound | {current.var}
            stack.append((current.element, inner))
            if current.condition is not None:
                stack.append((current.condition, inner))
            continue
        for child in children(current):
            stack.append((child, bound))
    return found
