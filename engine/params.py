"""Dated parameters: every value with its effective date, unit and legal reference.

A parameter is a series of dated values, or a table of such series keyed by region,
household size, category ...; a value may also be a bracket scale. Looking a value up
outside the dates a series covers is an error that names the date asked and the coverage.

File shape (``rules/parameters/<family>.yaml``; the parameter's name is
``<family>.<path of keys>``)::

    mrot:
      description: Минимальный размер оплаты труда
      unit: rub
      values:
        2025-01-01: {value: 22440, reference: "Федеральный закон от 29.10.2024 № 365-ФЗ"}
      until: 2026-12-31          # optional end of coverage; open-ended without it

    per_capita:
      description: ...
      unit: rub
      keys: [region]             # or {name: household_size, type: count, open_ended: true}
      table:
        "52":
          reference: "..."       # the default reference of the series' values
          values: {...}
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from engine.arithmetic import mul
from engine.errors import ParameterNotFoundError, RuleError
from engine.fields import Reader
from engine.source import Span
from engine.types import Type, unit_type
from engine.yamlload import Mapping, Node, Scalar

LEAF_KEYS = ("description", "unit", "reference", "note", "verified", "keys", "values", "table", "until", "kind")


@dataclass(frozen=True, slots=True)
class Bracket:
    start: Decimal  # the bracket applies from this threshold (inclusive)
    value: Decimal


@dataclass(frozen=True, slots=True)
class DatedValue:
    effective_from: date
    value: Decimal | tuple[Bracket, ...]
    reference: str
    note: str | None
    verified: bool
    span: Span = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Series:
    """The values of one parameter (or one cell of a table) over time."""

    values: tuple[DatedValue, ...]
    until: date | None
    dates: tuple[date, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", tuple(v.effective_from for v in self.values))

    @property
    def coverage(self) -> str:
        first = self.values[0].effective_from.isoformat()
        last = self.until.isoformat() if self.until else "open-ended"
        return f"values cover {first} .. {last}"

    def at(self, on: date) -> DatedValue | None:
        if self.until is not None and on > self.until:
            return None
        index = bisect_right(self.dates, on) - 1
        return None if index < 0 else self.values[index]


@dataclass(frozen=True, slots=True)
class KeySpec:
    name: str
    kind: str = "text"  # text | count
    open_ended: bool = False  # count keys: a larger count uses the largest key


@dataclass(frozen=True, slots=True)
class ParamUse:
    """A parameter value as used in a calculation: what the trace cites."""

    name: str
    key: tuple[str, ...]
    value: Decimal | tuple[Bracket, ...]
    effective_from: date
    reference: str
    unit: str
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        value: object = (
            [{"from": str(b.start), "value": str(b.value)} for b in self.value]
            if isinstance(self.value, tuple)
            else str(self.value)
        )
        data: dict[str, object] = {
            "name": self.name,
            "key": list(self.key),
            "value": value,
            "unit": self.unit,
            "effective_from": self.effective_from.isoformat(),
            "reference": self.reference,
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True, eq=False)
class Parameter:
    name: str
    description: str
    unit: str
    kind: str  # value | scale
    keys: tuple[KeySpec, ...]
    series: Series | None  # when keys is empty
    table: dict[tuple[str, ...], Series]  # when keys are given
    span: Span = field(repr=False)

    @property
    def type(self) -> Type:
        return unit_type(self.unit)

    def all_series(self) -> Iterator[tuple[tuple[str, ...], Series]]:
        if self.series is not None:
            yield (), self.series
        yield from self.table.items()

    def first_date(self) -> date:
        return min(series.values[0].effective_from for _key, series in self.all_series())

    def resolve_key(self, key: tuple[str, ...]) -> tuple[str, ...]:
        """Normalise a lookup key: counts as integers, open-ended counts clamped to the largest."""
        resolved = []
        for position, (spec, part) in enumerate(zip(self.keys, key, strict=True)):
            if spec.kind == "count":
                number = Decimal(part)
                if number != number.to_integral_value():
                    raise ParameterNotFoundError(self.name, None, f"{spec.name} must be a whole number", key)
                part = str(int(number))
                if spec.open_ended:
                    counts = sorted({int(k[position]) for k in self.table})
                    if counts and int(part) > counts[-1]:
                        part = str(counts[-1])
            resolved.append(part)
        return tuple(resolved)

    def lookup(self, on: date, key: tuple[str, ...] = ()) -> ParamUse:
        """The value in force on a date for a key; ``ParameterNotFoundError`` outside coverage."""
        if len(key) != len(self.keys):
            raise ParameterNotFoundError(
                self.name, on, f"it is keyed by {', '.join(k.name for k in self.keys) or 'nothing'}", key
            )
        if self.series is not None:
            series = self.series
        else:
            resolved = self.resolve_key(key)
            found = self.table.get(resolved)
            if found is None:
                known = ", ".join("/".join(k) for k in sorted(self.table)[:12])
                raise ParameterNotFoundError(self.name, on, f"no entry for this key (known: {known})", resolved)
            series = found
            key = resolved
        value = series.at(on)
        if value is None:
            raise ParameterNotFoundError(self.name, on, series.coverage, key)
        return ParamUse(self.name, key, value.value, value.effective_from, value.reference, self.unit, value.note)


@dataclass(frozen=True, slots=True, eq=False)
class ParameterSet:
    parameters: dict[str, Parameter]

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def __contains__(self, name: str) -> bool:
        return name in self.parameters

    def __len__(self) -> int:
        return len(self.parameters)

    def names(self) -> list[str]:
        return sorted(self.parameters)

    def unverified(self) -> list[tuple[str, DatedValue]]:
        return [
            (name, value)
            for name, parameter in sorted(self.parameters.items())
            for _key, series in parameter.all_series()
            for value in series.values
            if not value.verified
        ]


def bracket_value(scale: tuple[Bracket, ...], amount: Decimal) -> Decimal | None:
    """The value of the bracket containing ``amount`` (step scale); ``None`` below the first."""
    found = None
    for bracket in scale:
        if amount >= bracket.start:
            found = bracket.value
        else:
            break
    return found


def marginal_value(scale: tuple[Bracket, ...], amount: Decimal) -> Decimal:
    """Sum of rate × the part of ``amount`` inside each bracket (marginal scale)."""
    total = Decimal(0)
    for index, bracket in enumerate(scale):
        if amount <= bracket.start:
            break
        upper = scale[index + 1].start if index + 1 < len(scale) else amount
        total += mul(bracket.value, min(amount, upper) - bracket.start)
    return total


class ParameterLoader:
    """Reads parameter files into :class:`Parameter` objects, collecting errors."""

    def __init__(self) -> None:
        self.reader = Reader()
        self.parameters: dict[str, Parameter] = {}

    @property
    def errors(self) -> list[RuleError]:
        return self.reader.errors

    def load_file(self, family: str, root: Node | None, file_span: Span) -> None:
        mapping = self.reader.mapping(root, f"parameter file {family!r}", file_span)
        if mapping is None:
            return
        self._walk(family, mapping)

    def _walk(self, prefix: str, mapping: Mapping) -> None:
        stack: list[tuple[str, Mapping]] = [(prefix, mapping)]
        while stack:
            name, node = stack.pop()
            for key, value in reversed(node.items):
                child = f"{name}.{key.text}"
                if not isinstance(value, Mapping):
                    self.reader.error(
                        "param-shape",
                        f"{child}: a parameter needs description, unit and values",
                        key.span,
                        "a namespace holds parameters; a parameter holds description, unit, values",
                    )
                elif "description" in value or "values" in value or "table" in value:
                    self._parameter(child, value, key.span)
                else:
                    stack.append((child, value))

    def _parameter(self, name: str, node: Mapping, key_span: Span) -> None:
        r = self.reader
        r.keys(node, LEAF_KEYS, ("description", "unit"), f"parameter {name}")
        description = r.text(node.get("description"), "description", node.span) or ""
        unit = r.text(node.get("unit"), "unit", node.span) or "number"
        kind = "value"
        if "kind" in node:
            kind = r.choice(node.get("kind"), "kind", node.span, ("value", "scale")) or "value"
        defaults = self._defaults(node, name)
        keys: tuple[KeySpec, ...] = ()
        if "keys" in node:
            keys = self._keys(node.get("keys"), node.span)
        if keys:
            if "values" in node:
                r.error("param-shape", f"{name} is keyed: its values go under 'table'", node.span)
            table_node = r.mapping(node.get("table"), f"table of {name}", node.span)
            table: dict[tuple[str, ...], Series] = {}
            if table_node is not None:
                self._table(name, table_node, keys, (), defaults, kind, table)
            if not table:
                return
            parameter = Parameter(name, description, unit, kind, keys, None, table, node.span)
        else:
            if "table" in node:
                r.error("param-shape", f"{name} has a table but no 'keys'", node.span)
                return
            series = self._series(name, node, defaults, kind)
            if series is None:
                return
            parameter = Parameter(name, description, unit, kind, (), series, {}, node.span)
        if name in self.parameters:
            r.error(
                "param-duplicate",
                f"parameter {name} is defined twice",
                key_span,
                "each parameter is defined once; a file's name is the first part of its names",
            )
            return
        self.parameters[name] = parameter

    def _defaults(self, node: Mapping, name: str) -> dict[str, object]:
        r = self.reader
        defaults: dict[str, object] = {}
        if "reference" in node:
            defaults["reference"] = r.text(node.get("reference"), "reference", node.span)
        if "note" in node:
            defaults["note"] = r.text(node.get("note"), "note", node.span)
        if "verified" in node:
            defaults["verified"] = r.boolean(node.get("verified"), "verified", node.span)
        if "until" in node:
            defaults["until"] = r.date(node.get("until"), "until", node.span)
        return defaults

    def _keys(self, node: Node | None, span: Span) -> tuple[KeySpec, ...]:
        r = self.reader
        sequence = r.sequence(node, "keys", span)
        if sequence is None:
            return ()
        specs = []
        for item in sequence:
            if isinstance(item, Scalar):
                code = r.code(item, "key name", sequence.span)
                if code:
                    specs.append(KeySpec(code))
            elif isinstance(item, Mapping):
                r.keys(item, ("name", "type", "open_ended"), ("name",), "a key")
                code = r.code(item.get("name"), "key name", item.span)
                kind = (
                    r.choice(item.get("type"), "key type", item.span, ("text", "count")) if "type" in item else "text"
                )
                open_ended = (
                    bool(r.boolean(item.get("open_ended"), "open_ended", item.span)) if "open_ended" in item else False
                )
                if code and kind:
                    specs.append(KeySpec(code, kind, open_ended))
            else:
                r.error("schema-type", "a key is a name or {name, type, open_ended}", item.span)
        return tuple(specs)

    def _table(
        self,
        name: str,
        node: Mapping,
        keys: tuple[KeySpec, ...],
        prefix: tuple[str, ...],
        defaults: dict[str, object],
        kind: str,
        out: dict[tuple[str, ...], Series],
    ) -> None:
        r = self.reader
        spec = keys[len(prefix)]
        for key, value in node.items:
            if spec.kind == "count" and not key.text.isdigit():
                r.error("param-key", f"{name}: key {key.text!r} of {spec.name} must be a whole number", key.span)
                continue
            path = (*prefix, key.text)
            child = r.mapping(value, f"{name}[{'/'.join(path)}]", key.span)
            if child is None:
                continue
            if len(path) < len(keys):
                self._table(name, child, keys, path, defaults, kind, out)
                continue
            r.keys(
                child, ("reference", "note", "verified", "values", "until"), ("values",), f"{name}[{'/'.join(path)}]"
            )
            merged = dict(defaults)
            merged.update(self._defaults(child, name))
            series = self._series(f"{name}[{'/'.join(path)}]", child, merged, kind)
            if series is not None:
                out[path] = series

    def _series(self, name: str, node: Mapping, defaults: dict[str, object], kind: str) -> Series | None:
        r = self.reader
        own = dict(defaults)
        own.update({k: v for k, v in self._defaults(node, name).items() if v is not None} if node.get("values") else {})
        values_node = r.mapping(node.get("values"), f"values of {name}", node.span)
        if values_node is None:
            return None
        if len(values_node) == 0:
            r.error("param-empty", f"{name} has no values", values_node.span)
            return None
        values: list[DatedValue] = []
        for key, value in values_node.items:
            effective = r.date_text(key, f"effective date of {name}")
            if effective is None:
                continue
            dated = self._value(name, effective, value, own, kind)
            if dated is not None:
                values.append(dated)
        ordered = sorted(values, key=lambda v: v.effective_from)
        if [v.effective_from for v in values] != [v.effective_from for v in ordered]:
            r.error("param-order", f"{name}: effective dates must be in ascending order", values_node.span)
        if not ordered:
            return None
        until = own.get("until")
        if isinstance(until, date) and until < ordered[-1].effective_from:
            r.error("param-until", f"{name}: 'until' {until} is before the last effective date", values_node.span)
        return Series(tuple(ordered), until if isinstance(until, date) else None)

    def _value(
        self, name: str, effective: date, node: Node, defaults: dict[str, object], kind: str
    ) -> DatedValue | None:
        r = self.reader
        reference = defaults.get("reference")
        note = defaults.get("note")
        verified = defaults.get("verified", True)
        body: Node | None = node
        if isinstance(node, Mapping) and "value" in node:
            r.keys(node, ("value", "reference", "note", "verified"), ("value",), f"value of {name} on {effective}")
            body = node.get("value")
            if "reference" in node:
                reference = r.text(node.get("reference"), "reference", node.span)
            if "note" in node:
                note = r.text(node.get("note"), "note", node.span)
            if "verified" in node:
                verified = r.boolean(node.get("verified"), "verified", node.span)
        if not reference:
            r.error(
                "param-no-reference",
                f"{name} on {effective} has no legal reference",
                node.span,
                'every value names its source: add reference: "<act, article>" to the value or the parameter',
            )
            return None
        if verified is False and not note:
            r.error(
                "param-unverified-without-note",
                f"{name} on {effective} is marked unverified without a note",
                node.span,
                "say what is uncertain in note:",
            )
        value: Decimal | tuple[Bracket, ...] | None
        if kind == "scale":
            value = self._scale(name, body, node.span)
        else:
            value = r.decimal(body, f"{name} on {effective}", node.span)
        if value is None:
            return None
        return DatedValue(
            effective, value, str(reference), str(note) if note else None, verified is not False, node.span
        )

    def _scale(self, name: str, node: Node | None, span: Span) -> tuple[Bracket, ...] | None:
        r = self.reader
        sequence = r.sequence(node, f"scale of {name}", span)
        if sequence is None:
            return None
        brackets = []
        for item in sequence:
            mapping = r.mapping(item, "a bracket", sequence.span)
            if mapping is None:
                continue
            r.keys(mapping, ("from", "value"), ("from", "value"), "a bracket")
            start = r.decimal(mapping.get("from"), "bracket start", mapping.span)
            value = r.decimal(mapping.get("value"), "bracket value", mapping.span)
            if start is not None and value is not None:
                brackets.append(Bracket(start, value))
        if [b.start for b in brackets] != sorted({b.start for b in brackets}):
            r.error("param-order", f"{name}: bracket starts must be strictly ascending", sequence.span)
            return None
        return tuple(brackets) or None


def parameter_set(parameters: Iterable[Parameter]) -> ParameterSet:
    return ParameterSet({p.name: p for p in parameters})
