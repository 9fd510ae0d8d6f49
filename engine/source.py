"""Source texts and spans: where in which file a piece of a rule came from.

Lines and columns are 1-based and count characters, not bytes, so a message about a
Cyrillic line points at the right place.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, eq=False)
class SourceText:
    """The text of one rule file, with its line starts for offset lookups.

    Examples:
        >>> src = SourceText("rules/a.yaml", "a: 1\\nb: 2\\n")
        >>> src.position(6)
        (2, 2)
        >>> src.line_text(2)
        'b: 2'
    """

    path: str
    text: str
    line_starts: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        index = find("\n")
        while index != -1:
            starts.append(index + 1)
            index = find("\n", index + 1)
        object.__setattr__(self, "line_starts", tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect_right(self.line_starts, offset) - 1
        return line_index + 1, offset - self.line_starts[line_index] + 1

    def offset(self, line: int, column: int) -> int:
        """Return the character offset of a 1-based (line, column)."""
        line = max(1, min(line, len(self.line_starts)))
        return self.line_starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line, without its line break."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end].rstrip("\r")

    def span(self, start: int, end: int) -> Span:
        """Return the span covering character offsets ``[start, end)``."""
        line, col = self.position(start)
        end_line, end_col = self.position(max(start, end))
        return Span(self.path, line, col, end_line, end_col, self)


@dataclass(frozen=True, slots=True)
class Span:
    """A range in a source file: 1-based line and column, end exclusive."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    source: SourceText | None = field(default=None, compare=False, repr=False, hash=False)

    @property
    def location(self) -> str:
        """``path:line:column``, the form editors and terminals understand."""
        return f"{self.path}:{self.line}:{self.col}"

    @property
    def line_location(self) -> str:
        """``path:line``, the form a trace step cites."""
        return f"{self.path}:{self.line}"

    def snippet(self) -> str:
        """The source line with carets under the span, as in a compiler message."""
        if self.source is None:
            return ""
        text = self.source.line_text(self.line)
        if not text and self.line > len(self.source.line_starts):
            return ""
        end_col = self.end_col if self.end_line == self.line else len(text) + 1
        width = max(1, end_col - self.col)
        gutter = f"{self.line:>5} | "
        pad = " " * (len(gutter) - 2) + "| "
        return f"{gutter}{text}\n{pad}{' ' * (self.col - 1)}{'^' * width}"


def file_span(path: str, source: SourceText | None = None) -> Span:
    """A span for a whole file, used when an error has no better position."""
    return Span(path, 1, 1, 1, 1, source)
