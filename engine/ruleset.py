"""A RuleSet: every rule and parameter file of a folder, loaded, checked and hashed.

A RuleSet is immutable. Its version is the SHA-256 of every file's path and bytes, so the
same files always give the same version, and a stored version can be rebuilt from its
files (``build_ruleset``) to replay an old calculation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from engine.check import check_all
from engine.errors import RuleError, RuleErrors
from engine.fields import Reader, suggest
from engine.measures import FACT_KINDS, Measure, MeasureLoader, Variable
from engine.params import ParameterLoader, ParameterSet, parameter_set
from engine.source import Span
from engine.yamlload import MAX_FILE_BYTES, load_bytes

MAX_FOLDER_BYTES = 20_000_000
RULE_FOLDERS = ("parameters", "measures", "lib", "programmes", "triggers", "forms")
LIB_KEYS = ("variables", "documents", "evidence")


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class RuleSet:
    version: str
    label: str  # how paths are shown: "rules" for rules/measures/...
    files: Mapping[str, bytes] = field(repr=False)
    params: ParameterSet = field(repr=False)
    measures: Mapping[str, Measure] = field(repr=False)
    library: Mapping[str, Variable] = field(repr=False)
    documents: Mapping[str, str] = field(repr=False)  # document code → title
    evidence: Mapping[str, str] = field(repr=False)  # fact kind → document code
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def short_version(self) -> str:
        return self.version[:12]

    def measure(self, code: str) -> Measure:
        try:
            return self.measures[code]
        except KeyError:
            hint = suggest(code, self.measures)
            raise KeyError(f"no measure {code!r}" + (f"; {hint}" if hint else "")) from None

    @property
    def test_count(self) -> int:
        return sum(len(m.tests) for m in self.measures.values())


def content_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(files[path]).digest())
    return digest.hexdigest()


def read_rule_files(root: Path | str) -> dict[str, bytes]:
    """Read every ``*.yaml`` under the rule folders, sizes checked with ``stat()`` first."""
    root = Path(root)
    if not root.is_dir():
        raise RuleErrors([RuleError("rules-folder", f"no rules folder at {root}", Span(str(root), 1, 1, 1, 1))])
    files: dict[str, bytes] = {}
    total = 0
    errors: list[RuleError] = []
    for folder in RULE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.suffix not in (".yaml", ".yml"):
                continue
            relative = path.relative_to(root).as_posix()
            size = path.stat().st_size
            total += size
            shown = f"{root.name}/{relative}"
            if size > MAX_FILE_BYTES:
                errors.append(
                    RuleError(
                        "yaml-too-large",
                        f"the file is {size:,} bytes; rule files are limited to {MAX_FILE_BYTES:,} bytes",
                        Span(shown, 1, 1, 1, 1),
                    )
                )
                continue
            if total > MAX_FOLDER_BYTES:
                errors.append(
                    RuleError(
                        "rules-too-large",
                        f"the rules exceed {MAX_FOLDER_BYTES:,} bytes in all",
                        Span(shown, 1, 1, 1, 1),
                    )
                )
                break
            files[relative] = path.read_bytes()
    if errors:
        raise RuleErrors(errors)
    return files


def load_ruleset(root: Path | str) -> RuleSet:
    """Load, check and hash the rules in a folder; ``RuleErrors`` with every error otherwise."""
    root = Path(root)
    return build_ruleset(read_rule_files(root), root.resolve().name)


def build_ruleset(files: Mapping[str, bytes], label: str = "rules") -> RuleSet:
    """Build a RuleSet from file contents keyed by path relative to the rules folder."""
    errors: list[RuleError] = []
    params = ParameterLoader()
    loader_reader = Reader()
    measure_loader = MeasureLoader(loader_reader)
    measures: dict[str, Measure] = {}
    library: dict[str, Variable] = {}
    library_origin: dict[str, str] = {}
    documents: dict[str, str] = {}
    evidence: dict[str, str] = {}
    evidence_spans: dict[str, Span] = {}
    for relative in sorted(files):
        shown = f"{label}/{relative}"
        try:
            node, source = load_bytes(files[relative], shown)
        except RuleErrors as exc:
            errors.extend(exc.errors)
            continue
        span = Span(shown, 1, 1, 1, 1, source)
        top = relative.split("/", 1)[0]
        if top == "parameters":
            family = relative.split("/", 1)[1].rsplit(".", 1)[0].replace("/", ".")
            params.load_file(family, node, span)
        elif top == "measures":
            measure = measure_loader.load(node, shown, span)
            if measure is not None:
                if measure.code in measures:
                    loader_reader.error(
                        "measure-duplicate",
                        f"measure {measure.code!r} is defined twice (also in {measures[measure.code].path})",
                        measure.span,
                    )
                else:
                    measures[measure.code] = measure
        elif top == "lib":
            mapping = loader_reader.mapping(node, "a library file", span)
            if mapping is None:
                continue
            loader_reader.keys(mapping, LIB_KEYS, (), "a library file")
            if "variables" in mapping:
                for name, variable in measure_loader.variables(mapping.get("variables"), "lib", mapping.span).items():
                    if name in library:
                        loader_reader.error(
                            "variable-duplicate",
                            f"library variable {name!r} is defined twice (also in {library_origin[name]})",
                            variable.formula.span,
                        )
                    library[name] = variable
                    library_origin[name] = shown
            if "documents" in mapping:
                docs = loader_reader.mapping(mapping.get("documents"), "documents", mapping.span)
                for key, value in docs or ():
                    title = loader_reader.text(value, f"title of document {key.text}", key.span)
                    if title:
                        documents[key.text] = title
            if "evidence" in mapping:
                facts = loader_reader.mapping(mapping.get("evidence"), "evidence", mapping.span)
                for key, value in facts or ():
                    if key.text not in FACT_KINDS:
                        loader_reader.error(
                            "measure-evidence",
                            f"unknown fact kind {key.text!r}",
                            key.span,
                            suggest(key.text, FACT_KINDS),
                        )
                        continue
                    code = loader_reader.code(value, f"document for {key.text}", key.span)
                    if code:
                        evidence[key.text] = code
                        evidence_spans[key.text] = value.span
        # programmes/, triggers/ and forms/ are hashed with the rest; their loaders come with
        # the issues that give them meaning.
    errors.extend(params.errors)
    errors.extend(loader_reader.errors)
    parameters = parameter_set(params.parameters.values())
    errors.extend(check_all(parameters, library, measures.values()))
    errors.extend(_check_documents(measures, documents, evidence, evidence_spans))
    if errors:
        raise RuleErrors(errors)
    return RuleSet(
        version=content_hash(files),
        label=label,
        files=dict(files),
        params=parameters,
        measures=measures,
        library=library,
        documents=documents,
        evidence=evidence,
    )


def _check_documents(
    measures: Mapping[str, Measure],
    documents: Mapping[str, str],
    evidence: Mapping[str, str],
    evidence_spans: Mapping[str, Span],
) -> list[RuleError]:
    errors = []
    for kind, code in evidence.items():
        if code not in documents:
            errors.append(
                RuleError(
                    "document-unknown",
                    f"unknown document {code!r} for {kind}",
                    evidence_spans[kind],
                    suggest(code, documents) or "documents are listed in rules/lib",
                )
            )
    for measure in measures.values():
        for code in (*measure.documents, *measure.evidence.values()):
            if code not in documents:
                errors.append(
                    RuleError(
                        "document-unknown",
                        f"measure {measure.code} names unknown document {code!r}",
                        measure.span,
                        suggest(code, documents) or "documents are listed in rules/lib",
                    )
                )
    return errors
