"""Mutated copies of the shipped rule files: the loader and checker give RuleErrors (with a
position inside the rules) or a sound RuleSet, never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import RuleErrors
from engine.ruleset import build_ruleset, read_rule_files
from tests.conftest import RULES_DIR

FILES = read_rule_files(RULES_DIR)
PATHS = sorted(FILES)
NOISE = [
    b":",
    b"-",
    b" ",
    b"\n",
    b"\t",
    b"[",
    b"{",
    b"'",
    b'"',
    b"&a",
    b"*a",
    b"!!",
    b"#",
    b"\xff",
    b"\x00",
    b"(",
    b")",
    b"1e9",
    b"0/0",
    b"**",
    b"\xd0",
]


@st.composite
def mutated(draw):  # type: ignore[no-untyped-def]
    path = draw(st.sampled_from(PATHS))
    data = bytearray(FILES[path])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[position:position] = draw(st.sampled_from(NOISE))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            del data[position:]
    return path, bytes(data)


@settings(max_examples=100)
@given(mutated())
def test_mutated_rule_files_give_rule_errors_or_a_sound_ruleset(case):
    path, data = case
    files = dict(FILES)
    files[path] = data
    try:
        ruleset = build_ruleset(files, "rules")
    except RuleErrors as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.span.path.startswith("rules/") and error.span.line >= 1 and error.span.col >= 1
            assert error.render()
        return
    assert ruleset.version
