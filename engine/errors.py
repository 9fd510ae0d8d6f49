"""Errors a rule author, a snapshot author or a caller can cause, and how they are shown.

Bugs in our own code are not among them: those raise ordinary exceptions with a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from engine.source import Span


class MeraError(Exception):
    """Base of every error Mera reports to a person rather than to a developer."""


@dataclass(frozen=True, slots=True)
class RuleError:
    """One problem in a rule or parameter file, with its exact position.

    ``code`` is stable and documented (``docs/rule-language.md``); tests assert it.
    """

    code: str
    message: str
    span: Span
    hint: str | None = None

    def render(self) -> str:
        """``path:line:col: error: message``, the source line, carets, then the hint."""
        lines = [f"{self.span.location}: error: {self.message} [{self.code}]"]
        snippet = self.span.snippet()
        if snippet:
            lines.append(snippet)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.col,
            "source_line": self.span.source.line_text(self.span.line) if self.span.source else "",
            "snippet": self.span.snippet(),
            "hint": self.hint,
        }


class RuleErrors(MeraError):
    """Raised when a rule set cannot be loaded; carries every error found, in file order."""

    def __init__(self, errors: Iterable[RuleError]):
        self.errors: tuple[RuleError, ...] = tuple(sorted(errors, key=lambda e: (e.span.path, e.span.line, e.span.col)))
        first = self.errors[0].span.location + ": " + self.errors[0].message if self.errors else ""
        super().__init__(f"{len(self.errors)} error(s) in rules; first: {first}")

    def render(self) -> str:
        return "\n\n".join(error.render() for error in self.errors)


class ParameterNotFoundError(MeraError):
    """A parameter was asked for a date or key its values do not cover."""

    def __init__(self, name: str, asked: date | None, coverage: str, key: Sequence[str] = ()):
        self.name = name
        self.asked = asked
        self.coverage = coverage
        self.key = tuple(key)
        where = f"[{', '.join(self.key)}]" if self.key else ""
        when = f" on {asked.isoformat()}" if asked else ""
        super().__init__(f"parameter {name}{where} has no value{when}; {coverage}")


class SnapshotError(MeraError):
    """A household snapshot is invalid; ``problems`` lists each bad field as (path, reason)."""

    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = tuple(problems)
        text = "; ".join(f"{path}: {reason}" for path, reason in self.problems)
        super().__init__(f"invalid snapshot: {text}")


class EvaluationError(MeraError):
    """A rule could not be evaluated for a reason that is not a missing fact.

    Division by zero, arithmetic overflow or a parameter outside its dates are defects of the
    rules (or of their coverage), not of the household; the result says so instead of guessing.
    """

    def __init__(self, message: str, span: Span | None = None):
        self.message = message
        self.span = span
        where = f"{span.location}: " if span else ""
        super().__init__(f"{where}{message}")
