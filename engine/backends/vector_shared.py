"""Variables shared between measures in one batch evaluation.

Two measures often compute the same thing: the family's income over the same window, the
children under 17, a person's age at the month's end. A variable is *the same* in two measure
versions when its formula text is the same and so, recursively, are the variables it reads (the
*signature*); its value then depends only on the subject, the period, the rule set and — when it
reads ``application`` — the measure whose application that is. Such a variable, used by two or
more measure versions of the rule set, is computed once per subject row and reused. Aggregates
and calls of the functions that read tables, at the subjects' level (outside loop bodies), are
shared the same way when two measure versions write them alike over the same variables
(``expression_key``).

A value is kept for the whole subject set of the entity (every person, or every household), with
a mask of the rows computed so far: a measure narrowed to some rows fills those, and a later
measure takes what it needs when every one of its rows is there (else it computes its rows and
adds them). Lists are not kept (they are cheap to rebuild from the frames).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields

import numpy as np

from engine import ast
from engine.backends.vector_values import Lists, Num, Texts, Vec, _wide


def signatures(variables: Mapping) -> dict[str, tuple[str, bool]]:  # type: ignore[type-arg]
    """name → (signature, reads ``application``) for every variable of a measure version."""
    found: dict[str, tuple[str, bool]] = {}

    def visit(name: str, path: frozenset[str]) -> tuple[str, bool]:
        known = found.get(name)
        if known is not None:
            return known
        formula = variables[name].formula
        names = ast.free_names(formula.expr)
        reads_application = "application" in names
        parts = [" ".join(formula.text.split())]
        for dependency in sorted(names & variables.keys()):
            if dependency in path:  # refused by the checker; never here for a loaded rule set
                continue
            signature, application = visit(dependency, path | {name})
            parts.append(f"{dependency}={signature}")
            reads_application |= application
        result = (hashlib.sha1("\x1f".join(parts).encode()).hexdigest(), reads_application)  # noqa: S324
        found[name] = result
        return result

    for name in variables:
        visit(name, frozenset())
    return found


def shared_signatures(ruleset) -> set:  # type: ignore[no-untyped-def, type-arg]
    """The signatures of variables, and the keys of expressions (``expression_key``), used by two
    or more measure versions of a rule set."""
    counts: Counter = Counter()  # type: ignore[type-arg]
    for measure in ruleset.measures.values():
        for version in measure.versions:
            variables = {**ruleset.library, **version.variables}
            found = signatures(variables)
            counts.update({signature for signature, _ in found.values()})
            roots = [formula.expr for formula in version.formulas()]
            inner = [node for v in variables.values() for node in ast.children(v.formula.expr)]  # not whole variables
            counts.update({expression_key(node, found) for node in _root_expressions([*roots, *inner])})
    return {key for key, count in counts.items() if count >= 2}


# Functions that read the frames' tables or scan brackets: worth keeping for other measures. The
# rest (arithmetic, dates, windows, parameters) cost less to compute again than to keep.
WORTH_KEEPING = frozenset(
    {
        "age",
        "age_months",
        "bracket",
        "marginal",
        "has_category",
        "category_start",
        "categories",
        "disability_group",
        "is_disabled_child",
        "is_pregnant",
        "pregnancy_weeks",
        "pregnancy_registration_weeks",
        "pregnancy_registered_on",
        "expected_birth",
        "income",
        "income_months",
        "reason_months",
        "has_reason",
        "has_document",
    }
)


def _root_expressions(exprs: list) -> set:  # type: ignore[type-arg]
    """Aggregates, and calls of the functions worth keeping, outside any loop's body."""
    found = set()
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Aggregate) or (isinstance(node, ast.Call) and node.func in WORTH_KEEPING):
            found.add(node)
        if isinstance(node, ast.Aggregate | ast.ListComp):
            stack.append(node.source)  # the body runs per item: not a value of the subject
        else:
            stack.extend(ast.children(node))
    return found


def expression_key(node: ast.Expr, found: Mapping) -> tuple:  # type: ignore[type-arg]
    """An expression is *the same* in two measure versions when it is written the same (spans
    aside) and the variables it reads have the same signatures."""
    names = ast.free_names(node)
    read = tuple(sorted((name, found[name][0]) for name in names if name in found))
    reads_application = "application" in names or any(found[name][1] for name in names if name in found)
    return ("expression", node, read, reads_application)


class SharedValues:
    """Kept values: key → (value over the whole subject set, mask of the rows computed).

    Measures evaluated in threads share one store: reading and writing hold a lock, so a value
    is seen only with its rows filled (two threads may still compute the same value at once;
    both are the same)."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[Vec, np.ndarray]] = {}  # type: ignore[type-arg]
        self._lock = threading.Lock()

    def get(self, key: tuple, rows: np.ndarray | None) -> Vec | None:  # type: ignore[type-arg]
        """The value at ``rows`` (``None``: every subject), if every one of them is kept."""
        with self._lock:
            entry = self._kept.get(key)
            if entry is None:
                return None
            kept, mask = entry
            if rows is None or len(rows) == len(mask):  # every subject (rows are distinct): the arrays as they are
                return copy.copy(kept) if mask.all() else None
            if not mask[rows].all():
                return None
            return kept.take(rows)  # type: ignore[attr-defined, no-any-return]

    def put(self, key: tuple, rows: np.ndarray | None, size: int, value: Vec) -> None:  # type: ignore[type-arg]
        if isinstance(value, Lists):
            return
        if isinstance(value, Texts):
            value.v  # noqa: B018 — its strings made: what is kept of a text (a part's codes are not)
        with self._lock:
            entry = self._kept.get(key)
            if rows is None and (entry is None or type(entry[0]) is type(value)):
                # every subject: the value's arrays as they are (a copy of the value object: the
                # caller may still give it other masks, as a call does with its result)
                self._kept[key] = (copy.copy(value), np.ones(size, dtype=bool))
                return
            if entry is None:
                kept, mask = _empty_like(value, size), np.zeros(size, dtype=bool)
            else:
                kept, mask = entry
                if mask.all():  # complete already (another thread's): its arrays may be read-only views
                    return
                if type(kept) is not type(value) or getattr(kept, "kind", None) != getattr(value, "kind", None):
                    return
            kept = _scatter(kept, rows, value)
            mask[rows] = True
            self._kept[key] = (kept, mask)


def _empty_like(value: Vec, size: int) -> Vec:
    arrays = {}
    for spec in fields(value):
        current = getattr(value, spec.name)
        if spec.default is None:  # what a value may carry besides (a text's category codes): not kept
            arrays[spec.name] = None
        elif isinstance(current, np.ndarray):
            arrays[spec.name] = np.zeros(size, dtype=current.dtype) if current.dtype != object else np.full(size, None)
        else:
            arrays[spec.name] = current
    return type(value)(**arrays)


def _scatter(kept: Vec, rows: np.ndarray, value: Vec) -> Vec:
    if isinstance(kept, Num):
        assert isinstance(value, Num)
        scale = max(kept.scale, value.scale)
        kept_m, new_m = kept.rescaled(scale), value.rescaled(scale)
        if new_m.dtype == object and kept_m.dtype != object:
            kept_m = _wide(kept_m)
        kept_m[rows] = new_m
        kept.known[rows], kept.err[rows] = value.known, value.err
        return Num(kept.known, kept.err, kept_m, scale)
    for spec in fields(kept):
        target = getattr(kept, spec.name)
        if isinstance(target, np.ndarray):
            target[rows] = getattr(value, spec.name)
    return kept


class Sharing:
    """What a measure version's context needs to share its variables: the store, the version's
    signatures, the rows of its subjects in the entity's whole subject set (``None``: all)."""

    __slots__ = ("base", "expressions", "measure_code", "rows", "shared", "signatures", "size", "store")

    def __init__(  # type: ignore[no-untyped-def]
        self, store: SharedValues, signatures, shared: set, base: tuple, measure_code: str, rows, size: int
    ) -> None:
        self.store, self.signatures, self.shared = store, signatures, shared
        self.base, self.measure_code, self.rows, self.size = base, measure_code, rows, size
        self.expressions: dict[int, tuple | None] = {}  # id(node) → its key when shared  # type: ignore[type-arg]

    def narrowed(self, index: np.ndarray) -> Sharing:
        sub = Sharing(
            self.store,
            self.signatures,
            self.shared,
            self.base,
            self.measure_code,
            index if self.rows is None else self.rows[index],
            self.size,
        )
        sub.expressions = self.expressions
        return sub

    def expression(self, node: ast.Expr) -> tuple | None:  # type: ignore[type-arg]
        """The store key of an expression evaluated at the subjects' level, when it is shared."""
        key = self.expressions.get(id(node), False)
        if key is False:
            key = expression_key(node, self.signatures)
            key = self.expressions[id(node)] = key if key in self.shared else None
        if key is None:
            return None
        return (*self.base, key, self.measure_code if key[3] else "")

    def key(self, name: str) -> tuple | None:  # type: ignore[type-arg]
        signature, reads_application = self.signatures[name]
        if signature not in self.shared:
            return None
        return (*self.base, signature, self.measure_code if reads_application else "")
