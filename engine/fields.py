"""Typed reading of rule-file nodes: each value is interpreted on purpose, with its position.

A :class:`Reader` collects errors instead of stopping at the first, so ``mera rules check``
can show every problem of every file in one run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from engine.errors import RuleError
from engine.periods import Month
from engine.source import Span
from engine.yamlload import Mapping, Node, Scalar, Sequence, kind_name

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,10})?$")  # ten places: engine/arithmetic.py
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YAML11_BOOLEANS = frozenset(
    {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF", "True", "False"}
)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or ``None``."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None


class Reader:
    """Reads typed values from nodes, collecting :class:`RuleError` s."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.errors.append(RuleError(code, message, span, hint))

    # -- structure ---------------------------------------------------------------------

    def mapping(self, node: Node | None, what: str, span: Span) -> Mapping | None:
        if isinstance(node, Mapping):
            return node
        where = node.span if node is not None else span
        found = "nothing" if node is None else kind_name(node)
        self.error("schema-type", f"{what} must be a mapping, found {found}", where)
        return None

    def sequence(self, node: Node | None, what: str, span: Span) -> Sequence | None:
        if isinstance(node, Sequence):
            return node
        where = node.span if node is not None else span
        found = "nothing" if node is None else kind_name(node)
        self.error("schema-type", f"{what} must be a list, found {found}", where)
        return None

    def keys(self, node: Mapping, allowed: Iterable[str], required: Iterable[str], what: str) -> bool:
        """Refuse unknown keys (with a suggestion) and report missing required ones."""
        allowed = list(allowed)
        ok = True
        for key, _value in node.items:
            if key.text not in allowed:
                hint = suggest(key.text, allowed) or f"allowed here: {', '.join(allowed)}"
                self.error("schema-unknown-key", f"unknown key {key.text!r} in {what}", key.span, hint)
                ok = False
        for name in required:
            if name not in node:
                self.error("schema-missing-key", f"{what} needs {name!r}", node.span)
                ok = False
        return ok

    # -- scalars -----------------------------------------------------------------------

    def scalar(self, node: Node | None, what: str, span: Span) -> Scalar | None:
        if isinstance(node, Scalar) and not node.is_null:
            return node
        where = node.span if node is not None else span
        found = "nothing" if node is None else kind_name(node)
        self.error("schema-type", f"{what} must be a single value, found {found}", where)
        return None

    def text(self, node: Node | None, what: str, span: Span) -> str | None:
        scalar = self.scalar(node, what, span)
        return None if scalar is None else scalar.text.strip()

    def code(self, node: Node | None, what: str, span: Span) -> str | None:
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        if scalar.is_plain and scalar.text in YAML11_BOOLEANS:
            self.error(
                "schema-yaml11-boolean",
                f"{what} {scalar.text!r} reads as a boolean in YAML 1.1",
                scalar.span,
                f"quote it if you mean the code: '{scalar.text.lower()}'",
            )
            return None
        if not CODE_RE.match(scalar.text):
            self.error(
                "schema-code",
                f"{what} {scalar.text!r} is not a code",
                scalar.span,
                "codes are lower-case Latin letters, digits and '_', starting with a letter",
            )
            return None
        return scalar.text

    def choice(self, node: Node | None, what: str, span: Span, options: Iterable[str]) -> str | None:
        options = list(options)
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        if scalar.text not in options:
            if scalar.is_plain and scalar.text in YAML11_BOOLEANS:
                hint = f"{scalar.text!r} would be a boolean in YAML 1.1; expected one of: {', '.join(options)}"
            else:
                hint = suggest(scalar.text, options) or f"expected one of: {', '.join(options)}"
            self.error("schema-choice", f"{what} {scalar.text!r} is not allowed", scalar.span, hint)
            return None
        return scalar.text

    def boolean(self, node: Node | None, what: str, span: Span) -> bool | None:
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        if scalar.is_plain and scalar.text in ("true", "false"):
            return scalar.text == "true"
        hint = "write true or false" + (
            f" ({scalar.text!r} is a YAML 1.1 boolean, not accepted)" if scalar.text in YAML11_BOOLEANS else ""
        )
        self.error("schema-boolean", f"{what} must be true or false", scalar.span, hint)
        return None

    def decimal(self, node: Node | None, what: str, span: Span) -> Decimal | None:
        """A decimal built from the source text, never through float."""
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        text = scalar.text.strip()
        if not _DECIMAL_RE.match(text):
            hint = "write a plain decimal such as 12345.67 (no spaces, exponents, NaN or Infinity)"
            if "," in text:
                hint = "use '.' as the decimal separator and no thousands separators"
            self.error("schema-number", f"{what} {text!r} is not a decimal number", scalar.span, hint)
            return None
        return Decimal(text)

    def integer(self, node: Node | None, what: str, span: Span, minimum: int | None = None) -> int | None:
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        text = scalar.text.strip()
        if not re.fullmatch(r"-?[0-9]{1,9}", text):
            self.error("schema-number", f"{what} {text!r} is not a whole number", scalar.span)
            return None
        value = int(text)
        if minimum is not None and value < minimum:
            self.error("schema-number", f"{what} must be at least {minimum}", scalar.span)
            return None
        return value

    def date(self, node: Node | None, what: str, span: Span) -> date | None:
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        return self.date_text(scalar, what)

    def date_text(self, scalar: Scalar, what: str) -> date | None:
        text = scalar.text.strip()
        if _DATE_RE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.error("schema-date", f"{what} {text!r} is not a date", scalar.span, "write dates as YYYY-MM-DD")
        return None

    def month(self, node: Node | None, what: str, span: Span) -> Month | None:
        scalar = self.scalar(node, what, span)
        if scalar is None:
            return None
        try:
            return Month.parse(scalar.text)
        except ValueError:
            self.error("schema-month", f"{what} {scalar.text!r} is not a month", scalar.span, "write months as YYYY-MM")
            return None

    def codes(self, node: Node | None, what: str, span: Span) -> tuple[str, ...]:
        sequence = self.sequence(node, what, span)
        if sequence is None:
            return ()
        found = []
        for item in sequence:
            code = self.code(item, f"an item of {what}", sequence.span)
            if code is not None:
                found.append(code)
        return tuple(found)
