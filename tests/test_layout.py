"""The shape of the project: import directions and public names are pinned here."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"engine", "registry", "measures", "payments", "webapp", "exports"}
# Which of our packages each package may import (DESIGN.md, "Layout").
ALLOWED = {
    "engine": set(),
    "exports": set(),
    "registry": {"engine"},
    "measures": {"engine", "registry"},
    "payments": {"engine", "registry", "measures"},
    "webapp": {"engine", "registry", "measures", "payments", "exports"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_point_inwards(package: str):
    offending = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path) & OURS - {package}:
            if name not in ALLOWED[package]:
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []


def test_rules_folder_holds_no_python():
    assert list((ROOT / "rules").rglob("*.py")) == []


PUBLIC = {
    "engine": [
        "EvaluationError",
        "LiveRules",
        "MeraError",
        "MissingFact",
        "Month",
        "ParameterNotFoundError",
        "ReloadAttempt",
        "Result",
        "RuleError",
        "RuleErrors",
        "RuleSet",
        "Schedule",
        "Snapshot",
        "SnapshotError",
        "TraceStep",
        "Window",
        "build_ruleset",
        "evaluate",
        "evaluate_all",
        "load_ruleset",
        "load_snapshot_file",
        "parse_snapshot",
    ],
    "registry": [],
    "measures": [],
    "payments": [],
    "webapp": ["create_app"],
    "exports": [],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned(package: str):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        assert hasattr(module, name), name
