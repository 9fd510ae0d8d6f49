"""The trace: a tree of steps, each with its formula, position, value, inputs and parameters.

The text rendering is for people and golden tests; the JSON rendering for the web and storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from engine.params import Bracket, ParamUse
from engine.periods import Month, Window
from engine.values import Unknown


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of a calculation. ``kind``: measure, variable, condition, all, any, not,
    amount, schedule or item (one member, service ... of an aggregate)."""

    kind: str
    name: str
    expression: str | None
    location: str | None
    value: Any
    inputs: tuple[tuple[str, Any], ...] = ()
    params: tuple[ParamUse, ...] = ()
    children: tuple[TraceStep, ...] = ()
    note: str | None = None

    def walk(self) -> Iterator[TraceStep]:
        stack = [self]
        while stack:
            step = stack.pop()
            yield step
            stack.extend(reversed(step.children))

    def find(self, name: str) -> TraceStep | None:
        """The first step with a name (depth first), for tests and the what-if explainer."""
        return next((step for step in self.walk() if step.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "name": self.name, "value": json_value(self.value)}
        if self.expression is not None:
            data["expression"] = self.expression
        if self.location is not None:
            data["location"] = self.location
        if self.inputs:
            data["inputs"] = [{"name": name, "value": json_value(value)} for name, value in self.inputs]
        if self.params:
            data["params"] = [use.as_dict() for use in self.params]
        if self.note:
            data["note"] = self.note
        if self.children:
            data["children"] = [child.as_dict() for child in self.children]
        return data


class StepBuilder:
    """A step under construction; ``finish`` freezes it."""

    __slots__ = ("children", "expression", "inputs", "kind", "location", "name", "note", "params")

    def __init__(self, kind: str, name: str, expression: str | None = None, location: str | None = None):
        self.kind = kind
        self.name = name
        self.expression = expression
        self.location = location
        self.inputs: dict[str, Any] = {}
        self.params: dict[tuple[str, tuple[str, ...], date], ParamUse] = {}
        self.children: list[TraceStep] = []
        self.note: str | None = None

    def read(self, path: str, value: Any) -> None:
        if path not in self.inputs:
            self.inputs[path] = value

    def used(self, use: ParamUse) -> None:
        self.params.setdefault((use.name, use.key, use.effective_from), use)

    def finish(self, value: Any) -> TraceStep:
        return TraceStep(
            self.kind,
            self.name,
            self.expression,
            self.location,
            value,
            tuple(self.inputs.items()),
            tuple(self.params.values()),
            tuple(self.children),
            self.note,
        )


def json_value(value: Any) -> Any:
    """A JSON-safe rendering: Decimal and dates as strings, unknowns as their missing facts."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | Month | Window):
        return str(value) if not isinstance(value, date) else value.isoformat()
    if isinstance(value, Unknown):
        return {"unknown": sorted(fact.describe() for fact in value.facts)}
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    if isinstance(value, Bracket):
        return {"from": str(value.start), "value": str(value.value)}
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return {"ref": path}
    return repr(value)


def text_value(value: Any) -> str:
    """A human rendering: roubles with thin spaces, yes/no, dates as ISO."""
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return _group(value) if abs(value) >= 10_000 else format(value, "f")
    if isinstance(value, Unknown):
        return "неизвестно (" + "; ".join(sorted(fact.describe() for fact in value.facts)) + ")"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "[" + ", ".join(text_value(item) for item in value) + "]"
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return path
    return str(value)


def _group(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + " ".join(groups) + (f".{fraction}" if fraction else "")


def render_text(step: TraceStep, indent: int = 0) -> str:
    """An indented tree, one step per line with its value, then its inputs and parameters."""
    lines: list[str] = []
    _render(step, indent, lines)
    return "\n".join(lines) + "\n"


def _render(step: TraceStep, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    head = f"{pad}{step.name}"
    if step.kind == "measure" and step.note:
        head += f" — {step.note}"
    if step.kind in ("variable", "amount", "condition", "item", "schedule") and step.expression:
        head += f" = {step.expression}"
    head += f"  → {text_value(step.value)}"
    if step.location:
        head += f"  [{step.location}]"
    lines.append(head)
    if step.note and step.kind != "measure":
        lines.append(f"{pad}    » {step.note}")
    for name, value in step.inputs:
        lines.append(f"{pad}    · {name} = {text_value(value)}")
    for use in step.params:
        key = f"[{', '.join(use.key)}]" if use.key else ""
        value = text_value(use.value) if not isinstance(use.value, tuple) else "шкала " + text_value(use.value)
        extra = f"; {use.note}" if use.note else ""
        lines.append(
            f"{pad}    § {use.name}{key} = {value} {use.unit} (с {use.effective_from.isoformat()}; "
            f"{use.reference}{extra})"
        )
    for child in step.children:
        _render(child, depth + 1, lines)
