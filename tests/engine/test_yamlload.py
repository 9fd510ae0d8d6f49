"""The strict loader: positions, refusals, caps; every failure a RuleError with line:column."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

from engine.errors import RuleErrors
from engine.plain import plain
from engine.yamlload import MAX_FILE_BYTES, Mapping, Scalar, Sequence, load_bytes, load_text


def _error(text: str | bytes):
    with pytest.raises(RuleErrors) as caught:
        if isinstance(text, bytes):
            load_bytes(text, "t.yaml")
        else:
            load_text(text, "t.yaml")
    return caught.value.errors[0]


def test_nodes_keep_one_based_line_and_column_in_characters():
    node, _source = load_text("заголовок: 'привет'\nb:\n  - x\n", "t.yaml")
    assert isinstance(node, Mapping)
    title = node.get("заголовок")
    assert isinstance(title, Scalar)
    assert (title.span.line, title.span.col) == (1, 12)
    items = node.get("b")
    assert isinstance(items, Sequence)
    assert (items.items[0].span.line, items.items[0].span.col) == (3, 5)


def test_scalars_stay_text_and_numbers_become_decimals_from_their_text():
    node, _ = load_text("rate: 0.15\nflag: yes\nday: 2026-01-01\n", "t.yaml")
    data = plain(node)
    assert data == {"rate": Decimal("0.15"), "flag": "yes", "day": "2026-01-01"}
    assert isinstance(data["rate"], Decimal)


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("a: 1\na: 2\n", "yaml-duplicate-key", 2, 1),
        ("a: &x 1\nb: *x\n", "yaml-alias", 1, 4),
        ("a: [1]\nb: *x\n", "yaml-alias", 2, 4),  # even an alias to nothing is refused as an alias
        ("a: !!python/object:os.system x\n", "yaml-tag", 1, 4),
        ("a: !!str 1\n", "yaml-tag", 1, 4),
        ("a:\n\tb: 1\n", "yaml-syntax", 2, 1),
        ("a: 1\n---\nb: 2\n", "yaml-multiple-documents", 2, 1),
        ("? [a, b]\n: 1\n", "yaml-complex-key", 1, 3),
        ("a: [1, 2\n", "yaml-syntax", 2, 1),
    ],
)
def test_refusals_name_code_line_and_column(text: str, code: str, line: int, col: int):
    error = _error(text)
    assert (error.code, error.span.line, error.span.col) == (code, line, col)


def test_alias_bomb_is_refused_before_any_expansion():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    error = _error(bomb)
    assert error.code == "yaml-alias"
    assert error.span.line == 1


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_refused_at_the_65th_level(depth: int):
    error = _error("[" * depth + "]" * depth)
    assert error.code == "yaml-too-deep"
    assert (error.span.line, error.span.col) == (1, 65)


def test_depth_64_is_accepted():
    node, _ = load_text("[" * 64 + "]" * 64, "t.yaml")
    assert isinstance(node, Sequence)


def test_very_deep_input_does_not_crash_the_process():
    # libyaml's composer segfaults on such input; the loader must refuse it before composing.
    code = textwrap.dedent(
        """
        from engine.errors import RuleErrors
        from engine.yamlload import load_text
        try:
            load_text("a: " + "[" * 200000 + "]" * 200000, "deep.yaml")
        except RuleErrors as exc:
            print(exc.errors[0].code)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "yaml-too-deep"


def test_oversize_file_is_refused_before_parsing():
    error = _error(b"a: 1\n" + b"#" * MAX_FILE_BYTES)
    assert error.code == "yaml-too-large"


def test_overlong_scalar_is_refused():
    error = _error("a: " + "x" * 10_001 + "\n")
    assert error.code == "yaml-scalar-too-long"


def test_invalid_utf8_names_the_byte_offset_and_position():
    error = _error("a: 'ок'\nb: ".encode() + b"\xff\n")
    assert error.code == "yaml-encoding"
    assert "byte offset 13" in error.message
    assert (error.span.line, error.span.col) == (2, 4)


def test_byte_order_mark_is_accepted():
    node, _ = load_bytes(b"\xef\xbb\xbfa: 1\n", "t.yaml")
    assert plain(node) == {"a": 1}


def test_empty_document_is_none():
    node, _ = load_text("# nothing here\n", "t.yaml")
    assert node is None


def test_sub_span_points_into_quoted_and_block_scalars():
    node, _ = load_text('a: "x + yy"\nb: |\n  first\n  second yy\n', "t.yaml")
    quoted = node.get("a")
    span = quoted.sub_span(4, 6)
    assert (span.line, span.col, span.end_col) == (1, 9, 11)
    block = node.get("b")
    offset = block.text.index("yy")
    span = block.sub_span(offset, offset + 2)
    assert (span.line, span.col) == (4, 10)
