"""Every error kind has a bad fixture in bad_rules/: its first line names the expected code,
line and column, and where the file goes in a copy of base_rules/. The loader must report
exactly that error there, and keep reporting nothing for the base rules alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.errors import RuleErrors
from engine.reload import build_checked
from engine.ruleset import load_ruleset, read_rule_files

HERE = Path(__file__).parent
BASE = HERE / "base_rules"
FIXTURES = sorted((HERE / "bad_rules").glob("*.yaml"))
# "pad N" appends N bytes of comment, for size limits without megabyte fixtures in the repo.
HEADER = re.compile(
    rb"^# expect: (?P<code>[a-z0-9-]+) (?P<line>\d+):(?P<col>\d+) as (?P<dest>\S+)(?: pad (?P<pad>\d+))?\n"
)
DOCS = HERE.parents[1] / "docs" / "rule-language.md"


def test_base_rules_are_sound():
    assert load_ruleset(BASE).measures


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_bad_fixture_reports_its_error_at_its_position(fixture: Path, tmp_path: Path):
    data = fixture.read_bytes()
    header = HEADER.match(data)
    assert header, f"{fixture.name}: first line must be '# expect: <code> <line>:<col> as <path>'"
    rules = tmp_path / "rules"
    shutil.copytree(BASE, rules)
    destination = rules / header["dest"].decode()
    destination.parent.mkdir(parents=True, exist_ok=True)
    if header["pad"]:
        data += b"#" * int(header["pad"]) + b"\n"
    destination.write_bytes(data)
    with pytest.raises(RuleErrors) as caught:
        build_checked(read_rule_files(rules), "rules")
    expected = (header["code"].decode(), int(header["line"]), int(header["col"]))
    found = [(e.code, e.span.line, e.span.col) for e in caught.value.errors]
    assert expected in found, caught.value.render()
    error = next(e for e in caught.value.errors if (e.code, e.span.line, e.span.col) == expected)
    assert error.span.path == f"rules/{header['dest'].decode()}"
    rendered = error.render()
    assert rendered.startswith(f"rules/{header['dest'].decode()}:{expected[1]}:{expected[2]}: error: ")


def test_every_documented_error_code_has_a_fixture():
    documented = set(re.findall(r"`([a-z]+(?:-[a-z0-9]+)+)`", DOCS.read_text("utf-8").split("## Error codes", 1)[1]))
    covered = {HEADER.match(f.read_bytes())["code"].decode() for f in FIXTURES}
    assert documented - covered == set()
    assert covered - documented == set()
