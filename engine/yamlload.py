"""The strict YAML loader for rule files.

It builds its own node tree from PyYAML's event stream, so that:

* every node keeps its position (1-based line and column, in characters);
* scalars stay text: numbers become ``Decimal`` from their source text, dates are parsed
  only where a date is expected, and YAML 1.1 booleans (``yes``/``no``/``on``/``off``) are
  never turned into booleans behind the author's back;
* anchors, aliases and explicit tags are refused (alias bombs, ``!!python`` objects);
* nesting deeper than 64 levels is refused before anything recursive sees it (libyaml's
  composer segfaults on very deep input, the pure one raises ``RecursionError``);
* duplicate keys are refused (PyYAML silently keeps the last one);
* files and scalars have size caps, checked before parsing.

Any failure is a :class:`~engine.errors.RuleError` with a position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from engine.errors import RuleError, RuleErrors
from engine.source import SourceText, Span

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_SCALAR_CHARS = 10_000
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

try:  # libyaml's parser is ~10x faster; its event stream is the same.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True, eq=False)
class Scalar:
    """A scalar exactly as written; ``style`` is ``''`` for plain, a quote or ``|``/``>``."""

    text: str
    style: str
    span: Span
    start: int = field(repr=False)  # character offset of the scalar in the source
    end: int = field(repr=False)
    offsets_cache: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def is_plain(self) -> bool:
        return self.style == ""

    @property
    def is_null(self) -> bool:
        return self.is_plain and self.text in NULL_WORDS

    def sub_span(self, start: int, end: int) -> Span:
        """The span of ``text[start:end]`` in the file, for errors inside an expression."""
        source = self.span.source
        if source is None:
            return self.span
        if self.span.line == self.span.end_line and self.end - self.start == len(self.text):
            # A plain one-line scalar: the text is the source itself.
            line, col = self.span.line, self.span.col
            return Span(source.path, line, col + start, line, col + max(end, start + 1), source)
        offsets = self.offsets_cache
        if offsets is None:
            offsets = self._offsets()
            object.__setattr__(self, "offsets_cache", offsets)
        begin = offsets[min(start, len(offsets) - 1)]
        finish = offsets[min(max(end - 1, start), len(offsets) - 1)] + 1
        return source.span(begin, finish)

    def _offsets(self) -> list[int]:
        """Map each character of ``text`` to an offset in the source.

        Plain one-line scalars map directly. Quoted, folded and block scalars are aligned
        character by character with the source; where an escape breaks the alignment the
        remaining characters point at the last aligned place.
        """
        source_text = self.span.source.text if self.span.source else ""
        raw = source_text[self.start : self.end]
        if raw == self.text:
            return [self.start + i for i in range(len(self.text) + 1)]
        position = 0
        if self.style in ("'", '"'):
            position = 1
        elif self.style in ("|", ">"):
            newline = raw.find("\n")
            position = newline + 1 if newline >= 0 else len(raw)
        offsets: list[int] = []
        for char in self.text:
            if char.isspace():
                while position < len(raw) and raw[position] in " \t" and char == "\n":
                    position += 1
                offsets.append(self.start + min(position, max(len(raw) - 1, 0)))
                if position < len(raw) and raw[position].isspace():
                    position += 1
                continue
            found = raw.find(char, position, position + 16)
            if found == -1:
                offsets.append(self.start + min(position, max(len(raw) - 1, 0)))
                continue
            offsets.append(self.start + found)
            position = found + 1
        offsets.append(self.start + min(position, len(raw)))
        return offsets


@dataclass(frozen=True, slots=True, eq=False)
class Mapping:
    """A mapping with scalar keys, in source order; duplicate keys were refused."""

    items: tuple[tuple[Scalar, Node], ...]
    span: Span
    index: dict[str, int] = field(repr=False, compare=False)

    def get(self, key: str) -> Node | None:
        position = self.index.get(key)
        return None if position is None else self.items[position][1]

    def key_node(self, key: str) -> Scalar | None:
        position = self.index.get(key)
        return None if position is None else self.items[position][0]

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def keys(self) -> list[str]:
        return [key.text for key, _ in self.items]

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True, eq=False)
class Sequence:
    """A sequence of nodes."""

    items: tuple[Node, ...]
    span: Span

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


Node = Scalar | Mapping | Sequence


def kind_name(node: Node) -> str:
    """A word for the kind of a node, for messages."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    return "null" if node.is_null else f"the value {node.text!r}"


def decode(data: bytes, path: str) -> str:
    """Decode a rule file: UTF-8, with or without a byte-order mark, nothing else."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[start : start + exc.start].decode("utf-8", errors="replace")
        source = SourceText(path, prefix)
        line, col = source.position(len(prefix))
        raise RuleErrors(
            [
                RuleError(
                    "yaml-encoding",
                    f"the file is not valid UTF-8: byte 0x{data[start + exc.start]:02x} "
                    f"at byte offset {start + exc.start}",
                    Span(path, line, col, line, col + 1, source),
                    "save rule files as UTF-8",
                )
            ]
        ) from None


def load_bytes(data: bytes, path: str) -> tuple[Node | None, SourceText]:
    """Load one rule file from its bytes; ``None`` for an empty document."""
    if len(data) > MAX_FILE_BYTES:
        raise RuleErrors(
            [
                RuleError(
                    "yaml-too-large",
                    f"the file is {len(data):,} bytes; rule files are limited to {MAX_FILE_BYTES:,} bytes",
                    Span(path, 1, 1, 1, 1),
                    "split the file: one measure per file, one parameter family per file",
                )
            ]
        )
    return load_text(decode(data, path), path)


def load_text(text: str, path: str) -> tuple[Node | None, SourceText]:
    """Load one rule file from its text; ``None`` for an empty document."""
    source = SourceText(path, text)
    try:
        return _Builder(source).build(), source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{message} ({exc.context})"
        raise RuleErrors(
            [
                RuleError(
                    "yaml-syntax",
                    f"YAML syntax: {message}",
                    Span(path, line, col, line, col + 1, source),
                    _syntax_hint(message, source.line_text(line)[col - 1 : col]),
                )
            ]
        ) from None
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        mark = getattr(exc, "position", None)
        line, col = source.position(mark) if isinstance(mark, int) else (1, 1)
        raise RuleErrors(
            [
                RuleError(
                    "yaml-syntax",
                    f"YAML: {exc}",
                    Span(path, line, col, line, col + 1, source),
                )
            ]
        ) from None


def _syntax_hint(message: str, char: str) -> str | None:
    if char == "\t" or "tab" in message:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted"
    if "found character '%' " in message or "'@'" in message or "'`'" in message:
        return "quote the value"
    return None


class _Builder:
    """Builds the node tree from the event stream with an explicit stack (no recursion)."""

    def __init__(self, source: SourceText):
        self.source = source

    def _span(self, start_mark, end_mark) -> Span:  # type: ignore[no-untyped-def]
        return self.source.span(start_mark.index, end_mark.index)

    def _error(self, code: str, message: str, mark, hint: str | None = None) -> RuleErrors:  # type: ignore[no-untyped-def]
        line, col = mark.line + 1, mark.column + 1
        span = Span(self.source.path, line, col, line, col + 1, self.source)
        return RuleErrors([RuleError(code, message, span, hint)])

    def build(self) -> Node | None:
        # Each frame: [kind, start_event, items, pending_key, keys_seen]
        stack: list[list] = []
        root: Node | None = None
        documents = 0
        for event in yaml.parse(self.source.text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise self._error(
                    "yaml-alias",
                    "anchors and aliases are not allowed in rule files",
                    event.start_mark,
                    "write the value out; shared values belong in parameters or rules/lib",
                )
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._error(
                        "yaml-multiple-documents",
                        "a rule file holds exactly one YAML document",
                        event.start_mark,
                        "remove the '---' separator or split the file",
                    )
                continue
            if isinstance(event, yaml.NodeEvent) and not isinstance(event, yaml.AliasEvent):
                if event.anchor is not None:
                    raise self._error(
                        "yaml-alias",
                        f"anchors are not allowed in rule files (&{event.anchor})",
                        event.start_mark,
                        "write the value out; shared values belong in parameters or rules/lib",
                    )
                # Untagged nodes carry tag None in the event stream: any tag was written.
                if event.tag is not None:
                    raise self._error(
                        "yaml-tag",
                        f"explicit tags are not allowed in rule files ({event.tag})",
                        event.start_mark,
                        "remove the tag; the rule language decides each value's type",
                    )
            if isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_SCALAR_CHARS:
                    raise self._error(
                        "yaml-scalar-too-long",
                        f"a value of {len(event.value):,} characters; the limit is {MAX_SCALAR_CHARS:,}",
                        event.start_mark,
                        "split long formulas into named variables",
                    )
                node: Node = Scalar(
                    event.value,
                    event.style or "",
                    self._span(event.start_mark, event.end_mark),
                    event.start_mark.index,
                    event.end_mark.index,
                )
                root = self._attach(stack, node, event) if stack else node
                continue
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise self._error(
                        "yaml-too-deep",
                        f"nesting deeper than {MAX_DEPTH} levels",
                        event.start_mark,
                        "rule files never need this depth; flatten the structure",
                    )
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append([kind, event, [], None, {}])
                continue
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                kind, start_event, items, _pending, keys = stack.pop()
                span = self._span(start_event.start_mark, event.end_mark)
                collection: Node = Mapping(tuple(items), span, keys) if kind == "map" else Sequence(tuple(items), span)
                root = self._attach(stack, collection, start_event) if stack else collection
        return root

    def _attach(self, stack: list[list], node: Node, event) -> Node | None:  # type: ignore[no-untyped-def]
        frame = stack[-1]
        if frame[0] == "seq":
            frame[2].append(node)
            return None
        if frame[3] is None:  # this node is a key
            if not isinstance(node, Scalar):
                raise self._error(
                    "yaml-complex-key",
                    "mapping keys must be plain values, not lists or mappings",
                    event.start_mark,
                )
            if node.text in frame[4]:
                first = frame[2][frame[4][node.text]][0]
                raise self._error(
                    "yaml-duplicate-key",
                    f"duplicate key {node.text!r} (first defined on line {first.span.line})",
                    event.start_mark,
                    "YAML would silently keep only the last value; remove one of them",
                )
            frame[3] = node
            return None
        key = frame[3]
        frame[4][key.text] = len(frame[2])
        frame[2].append((key, node))
        frame[3] = None
        return None
