"""What changed between two RuleSets: files (with unified text diffs), measures, library
variables and parameter values (name, key, effective date, old → new).

Pure: two RuleSets in, a ``RuleSetDiff`` out. A measure counts as changed when any of its
meaning changed (metadata, a version's variables, conditions, amount, rounding, schedule, its
embedded tests); a comment or layout edit changes only the file.

Examples:
    >>> from engine.ruleset import build_ruleset
    >>> files = {"parameters/p.yaml": b'a:\\n  description: A\\n  unit: rub\\n  values:\\n'
    ...          b'    2025-01-01: {value: 10, reference: "Law 1"}\\n'}
    >>> old = build_ruleset(files)
    >>> new = build_ruleset({"parameters/p.yaml": files["parameters/p.yaml"].replace(b"10", b"12")})
    >>> [(c.name, str(c.effective_from), c.old, c.new) for c in diff_rulesets(old, new).parameters]
    [('p.a', '2025-01-01', '10', '12')]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from engine.measures import Measure, MeasureVersion
from engine.params import Bracket, DatedValue, Parameter, Series
from engine.ruleset import RuleSet

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
MEASURE_FIELDS = {
    "title": "название",
    "level": "уровень",
    "funding": "источник финансирования",
    "legal_basis": "правовое основание",
    "entity": "получатель",
    "period": "период",
    "region": "регион",
    "municipalities": "муниципальные образования",
    "valid_from": "начало действия",
    "valid_to": "окончание действия",
    "version_by": "выбор редакции",
    "documents": "документы",
    "evidence": "подтверждающие документы",
    "path": "файл",
}


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "hunk" | "add" | "del" | "same"
    text: str


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    status: str  # added | removed | changed
    lines: tuple[DiffLine, ...]  # the unified diff, without its two header lines
    added: int
    removed: int

    @property
    def unified(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class MeasureChange:
    code: str
    title: str
    status: str
    details: tuple[str, ...] = ()  # what changed, one item per part: "amount (2026-01-01)", "tests"


@dataclass(frozen=True, slots=True)
class LibraryChange:
    name: str
    status: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class ParameterChange:
    """One dated value (or the coverage end, ``aspect='until'``) added, removed or changed."""

    name: str
    key: tuple[str, ...]
    effective_from: date | None
    status: str
    old: str | None
    new: str | None
    old_reference: str | None = None
    new_reference: str | None = None
    aspect: str = "value"  # value | until | unit

    @property
    def reference_changed(self) -> bool:
        return self.status == CHANGED and self.old_reference != self.new_reference


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    old_version: str
    new_version: str
    files: tuple[FileChange, ...]
    measures: tuple[MeasureChange, ...]
    library: tuple[LibraryChange, ...]
    parameters: tuple[ParameterChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.files or self.measures or self.library or self.parameters)

    def parameter_names(self) -> list[str]:
        return sorted({change.name for change in self.parameters})


def value_text(value: object) -> str:
    """A parameter value as text: ``10``, or a scale ``от 0: 0.1; от 100: 0.2``."""
    if isinstance(value, tuple):
        return "; ".join(f"от {bracket.start}: {bracket.value}" for bracket in value if isinstance(bracket, Bracket))
    return str(value)


def _text(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def file_diff(path: str, old: bytes | None, new: bytes | None, context: int = 3) -> FileChange:
    before = _text(old) if old is not None else []
    after = _text(new) if new is not None else []
    lines: list[DiffLine] = []
    added = removed = 0
    for number, text in enumerate(
        difflib.unified_diff(before, after, f"a/{path}", f"b/{path}", lineterm="", n=context)
    ):
        if number < 2:  # the ---/+++ header: the page names the file itself
            continue
        if text.startswith("@@"):
            lines.append(DiffLine("hunk", text))
        elif text.startswith("+"):
            added += 1
            lines.append(DiffLine("add", text))
        elif text.startswith("-"):
            removed += 1
            lines.append(DiffLine("del", text))
        else:
            lines.append(DiffLine("same", text))
    status = ADDED if old is None else REMOVED if new is None else CHANGED
    return FileChange(path, status, tuple(lines), added, removed)


def _version_details(old: MeasureVersion, new: MeasureVersion) -> list[str]:
    when = new.effective_from.isoformat()
    details = []
    names = sorted(set(old.variables) | set(new.variables))
    changed = [n for n in names if old.variables.get(n) != new.variables.get(n)]
    if changed:
        details.append(f"переменные {', '.join(changed)} ({when})")
    for attribute, title in (
        ("legal_basis", "правовое основание"),
        ("eligibility", "условия права"),
        ("amount", "формула суммы"),
        ("rounding", "округление"),
        ("schedule", "срок выплаты"),
        ("applies_to", "к кому применяется"),
        ("applies_to_reason", "причина неприменения"),
    ):
        if getattr(old, attribute) != getattr(new, attribute):
            details.append(f"{title} ({when})")
    return details


def measure_details(old: Measure, new: Measure) -> tuple[str, ...]:
    """What differs between two definitions of a measure, in readable words."""
    details = [title for name, title in MEASURE_FIELDS.items() if getattr(old, name) != getattr(new, name)]
    old_versions = {v.effective_from: v for v in old.versions}
    new_versions = {v.effective_from: v for v in new.versions}
    for when in sorted(set(old_versions) | set(new_versions)):
        if when not in old_versions:
            details.append(f"новая редакция с {when.isoformat()}")
        elif when not in new_versions:
            details.append(f"исключена редакция с {when.isoformat()}")
        else:
            details.extend(_version_details(old_versions[when], new_versions[when]))
    if old.tests != new.tests:
        details.append(f"встроенные тесты ({len(old.tests)} → {len(new.tests)})")
    return tuple(details)


def _series_changes(name: str, key: tuple[str, ...], old: Series | None, new: Series | None) -> list[ParameterChange]:
    before: dict[date, DatedValue] = {v.effective_from: v for v in old.values} if old else {}
    after: dict[date, DatedValue] = {v.effective_from: v for v in new.values} if new else {}
    changes = []
    for when in sorted(set(before) | set(after)):
        a, b = before.get(when), after.get(when)
        if a is None and b is not None:
            changes.append(ParameterChange(name, key, when, ADDED, None, value_text(b.value), None, b.reference))
        elif b is None and a is not None:
            changes.append(ParameterChange(name, key, when, REMOVED, value_text(a.value), None, a.reference, None))
        elif a is not None and b is not None and a != b:
            changes.append(
                ParameterChange(
                    name, key, when, CHANGED, value_text(a.value), value_text(b.value), a.reference, b.reference
                )
            )
    old_until = old.until if old else None
    new_until = new.until if new else None
    if old is not None and new is not None and old_until != new_until:
        changes.append(
            ParameterChange(
                name,
                key,
                None,
                CHANGED,
                old_until.isoformat() if old_until else "без срока",
                new_until.isoformat() if new_until else "без срока",
                aspect="until",
            )
        )
    return changes


def parameter_changes(name: str, old: Parameter | None, new: Parameter | None) -> list[ParameterChange]:
    old_series = dict(old.all_series()) if old else {}
    new_series = dict(new.all_series()) if new else {}
    changes = []
    if old is not None and new is not None and old.unit != new.unit:
        changes.append(ParameterChange(name, (), None, CHANGED, old.unit, new.unit, aspect="unit"))
    for key in sorted(set(old_series) | set(new_series)):
        changes.extend(_series_changes(name, key, old_series.get(key), new_series.get(key)))
    return changes


def diff_rulesets(old: RuleSet, new: RuleSet, context: int = 3) -> RuleSetDiff:
    """Everything that differs from ``old`` to ``new``."""
    files = tuple(
        file_diff(path, old.files.get(path), new.files.get(path), context)
        for path in sorted(set(old.files) | set(new.files))
        if old.files.get(path) != new.files.get(path)
    )
    measures = []
    for code in sorted(set(old.measures) | set(new.measures)):
        a, b = old.measures.get(code), new.measures.get(code)
        if a is None and b is not None:
            measures.append(MeasureChange(code, b.title, ADDED))
        elif b is None and a is not None:
            measures.append(MeasureChange(code, a.title, REMOVED))
        elif a is not None and b is not None:
            details = measure_details(a, b)
            if details:
                measures.append(MeasureChange(code, b.title, CHANGED, details))
    library = []
    for name in sorted(set(old.library) | set(new.library)):
        va, vb = old.library.get(name), new.library.get(name)
        if va != vb:
            status = ADDED if va is None else REMOVED if vb is None else CHANGED
            library.append(
                LibraryChange(name, status, va.formula.text if va else None, vb.formula.text if vb else None)
            )
    parameters = []
    for name in sorted(set(old.params.parameters) | set(new.params.parameters)):
        parameters.extend(parameter_changes(name, old.params.parameters.get(name), new.params.parameters.get(name)))
    return RuleSetDiff(old.version, new.version, files, tuple(measures), tuple(library), tuple(parameters))


__all__ = [
    "ADDED",
    "CHANGED",
    "REMOVED",
    "DiffLine",
    "FileChange",
    "LibraryChange",
    "MeasureChange",
    "ParameterChange",
    "RuleSetDiff",
    "diff_rulesets",
    "file_diff",
    "value_text",
]
