"""Content-addressed storage of RuleSets: every version that went live can be loaded again.

The register keeps RuleSets in its database; this file store serves the command line and
any deployment without one. A stored RuleSet is its files; loading rebuilds and re-checks it,
and the rebuilt version must equal the stored one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol

from engine.ruleset import RuleSet, build_ruleset, content_hash


class RuleSetStore(Protocol):
    def save(self, ruleset: RuleSet) -> None: ...

    def load(self, version: str) -> RuleSet: ...

    def versions(self) -> list[str]: ...


def ruleset_document(ruleset: RuleSet) -> dict[str, object]:
    """A RuleSet as plain data: its version, label and files as text."""
    return {
        "version": ruleset.version,
        "label": ruleset.label,
        "files": {path: data.decode("utf-8") for path, data in sorted(ruleset.files.items())},
    }


def ruleset_from_document(document: dict[str, object]) -> RuleSet:
    files = {path: text.encode("utf-8") for path, text in dict(document["files"]).items()}  # type: ignore[arg-type]
    version = content_hash(files)
    if version != document["version"]:
        raise ValueError(f"stored rules do not match their version {document['version']}")
    return build_ruleset(files, str(document.get("label", "rules")))


class FileRuleSetStore:
    """One JSON file per version in a folder, written atomically."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def _path(self, version: str) -> Path:
        if not version.isalnum():
            raise ValueError(f"not a version: {version!r}")
        return self.folder / f"{version}.json"

    def save(self, ruleset: RuleSet) -> None:
        path = self._path(ruleset.version)
        if path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(ruleset_document(ruleset), out, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def load(self, version: str) -> RuleSet:
        matches = [self._path(version)] if len(version) == 64 else sorted(self.folder.glob(f"{version}*.json"))
        if not matches or not matches[0].exists():
            raise KeyError(f"no stored rules with version {version}")
        if len(matches) > 1:
            raise KeyError(f"version prefix {version} is ambiguous")
        return ruleset_from_document(json.loads(matches[0].read_text("utf-8")))

    def versions(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.json"))
