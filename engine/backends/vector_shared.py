"""Variables shared between measures in one batch evaluation.

Two measures often compute the same thing: the family's income over the same window, the
children under 17, a person's age at the month's end. A variable is *the same* in two measure
versions when its formula text is the same and so, recursively, are the variables it reads (the
*signature*); its value then depends only on the subject, the period, the rule set and — when it
reads ``application`` — the measure whose application that is. Such a variable, used by two or
more measure versions of the rule set, is computed once per subject row and reused.

A value is kept for the whole subject set of the entity (every person, or every household), with
a mask of the rows computed so far: a measure narrowed to some rows fills those, and a later
measure takes what it needs when every one of its rows is there (else it computes its rows and
adds them). Lists are not kept (they are cheap to rebuild from the frames).
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields

import numpy as np

from engine import ast
from engine.backends.vector_values import Lists, Num, Vec, _wide


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


def shared_signatures(ruleset) -> set[str]:  # type: ignore[no-untyped-def]
    """The signatures used by two or more measure versions of a rule set."""
    counts: Counter[str] = Counter()
    for measure in ruleset.measures.values():
        for version in measure.versions:
            variables = {**ruleset.library, **version.variables}
            counts.update({signature for signature, _ in signatures(variables).values()})
    return {signature for signature, count in counts.items() if count >= 2}


class SharedValues:
    """Kept values: key → (value over the whole subject set, mask of the rows computed)."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[Vec, np.ndarray]] = {}  # type: ignore[type-arg]

    def get(self, key: tuple, rows: np.ndarray) -> Vec | None:  # type: ignore[type-arg]
        entry = self._kept.get(key)
        if entry is None:
            return None
        kept, mask = entry
        if len(rows) == len(mask):  # every subject (rows are distinct): the arrays as they are
            return copy.copy(kept) if mask.all() else None
        if not mask[rows].all():
            return None
        return kept.take(rows)  # type: ignore[attr-defined, no-any-return]

    def put(self, key: tuple, rows: np.ndarray, size: int, value: Vec) -> None:  # type: ignore[type-arg]
        if isinstance(value, Lists):
            return
        entry = self._kept.get(key)
        if entry is None:
            kept, mask = _empty_like(value, size), np.zeros(size, dtype=bool)
        else:
            kept, mask = entry
            if type(kept) is not type(value) or getattr(kept, "kind", None) != getattr(value, "kind", None):
                return
        kept = _scatter(kept, rows, value)
        mask[rows] = True
        self._kept[key] = (kept, mask)


def _empty_like(value: Vec, size: int) -> Vec:
    arrays = {}
    for spec in fields(value):
        current = getattr(value, spec.name)
        if isinstance(current, np.ndarray):
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
    signatures, the rows of its subjects in the entity's whole subject set."""

    __slots__ = ("base", "measure_code", "rows", "shared", "signatures", "size", "store")

    def __init__(  # type: ignore[no-untyped-def]
        self, store: SharedValues, signatures, shared: set[str], base: tuple, measure_code: str, rows, size: int
    ) -> None:
        self.store, self.signatures, self.shared = store, signatures, shared
        self.base, self.measure_code, self.rows, self.size = base, measure_code, rows, size

    def narrowed(self, index: np.ndarray) -> Sharing:
        return Sharing(
            self.store, self.signatures, self.shared, self.base, self.measure_code, self.rows[index], self.size
        )

    def key(self, name: str) -> tuple | None:  # type: ignore[type-arg]
        signature, reads_application = self.signatures[name]
        if signature not in self.shared:
            return None
        return (*self.base, signature, self.measure_code if reads_application else "")
