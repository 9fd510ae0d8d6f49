"""Expression syntax: the AST it builds, and precise errors for what it refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import ast
from engine.errors import RuleErrors
from engine.parse import MAX_NODES, parse_expression


def _error(text: str):
    with pytest.raises(RuleErrors) as caught:
        parse_expression(text)
    return caught.value.errors[0]


def test_precedence_follows_python():
    node = parse_expression("a + b * c > 2 and not d or e")
    assert isinstance(node, ast.BoolOp) and node.op == "or"
    left = node.values[0]
    assert isinstance(left, ast.BoolOp) and left.op == "and"
    compare = left.values[0]
    assert isinstance(compare, ast.Compare) and compare.op == ">"
    assert isinstance(compare.left, ast.BinOp) and compare.left.op == "+"
    assert isinstance(compare.left.right, ast.BinOp) and compare.left.right.op == "*"


def test_numbers_are_decimals_from_their_text():
    node = parse_expression("0.1 + 0.2")
    assert node.left == ast.Number(Decimal("0.1"), None)  # spans are not compared
    assert str(node.left.value) == "0.1"


def test_conditional_binds_loosest_and_nests_to_the_right():
    node = parse_expression("1 if a else 2 if b else 3")
    assert isinstance(node, ast.IfElse)
    assert isinstance(node.otherwise, ast.IfElse)


def test_aggregates_and_list_comprehensions():
    node = parse_expression("sum(income(m, w) for m in members if m.role == 'child')")
    assert isinstance(node, ast.Aggregate) and node.func == "sum" and node.var == "m"
    assert isinstance(node.condition, ast.Compare)
    listed = parse_expression("[m for m in members if age(m, d) < 18]")
    assert isinstance(listed, ast.ListComp)


def test_keyword_arguments():
    node = parse_expression("income(w, kinds=['wages', 'pension'])")
    assert isinstance(node, ast.Call)
    assert node.keywords[0][0] == "kinds"
    assert isinstance(node.keywords[0][1], ast.ListOf)


def test_negative_literals_fold():
    assert parse_expression("-12.5") == ast.Number(Decimal("-12.5"), None)


@pytest.mark.parametrize(
    ("text", "code", "col"),
    [
        ("a ** 2", "expr-unsupported", 3),
        ("a // 2", "expr-unsupported", 3),
        ("a % 2", "expr-unsupported", 3),
        ("a = b", "expr-syntax", 3),
        ("1 < x < 3", "expr-chained-comparison", 7),
        ("f(a)(b)", "expr-unsupported", 5),
        ("x.f()", "expr-unsupported", 3),
        ("x[0]", "expr-unsupported", 2),
        ("1.5e6", "expr-syntax", 1),
        ("a if b", "expr-syntax", 7),
        ("", "expr-empty", 1),
        ("person.", "expr-syntax", 8),
        ("true", "expr-syntax", 1),
        ("«text»", "expr-syntax", 1),
        ("f(a=1, 2)", "expr-syntax", 8),
        ("f(a=1, a=2)", "expr-syntax", 8),
        ("(a + b", "expr-syntax", 7),
        ("1" * 31, "expr-number-too-long", 1),
        ("lambda: 1", "expr-unsupported", 7),
    ],
)
def test_refusals_point_at_the_column(text: str, code: str, col: int):
    error = _error(text)
    assert (error.code, error.span.col) == (code, col)


def test_nesting_is_capped():
    error = _error("(" * 100 + "1" + ")" * 100)
    assert error.code == "expr-too-deep"


def test_nesting_within_the_cap_parses():
    assert isinstance(parse_expression("(" * 60 + "1" + ")" * 60), ast.Number)


def test_node_count_is_capped():
    error = _error(" + ".join(["a"] * (MAX_NODES + 10)))
    assert error.code == "expr-too-large"


def test_not_not_chain_is_capped_without_recursion_error():
    error = _error("not " * 10_000 + "a")
    assert error.code == "expr-too-deep"


def test_free_names_leave_out_loop_variables():
    node = parse_expression("sum(income(m, w) for m in members if m.role == r)")
    assert ast.free_names(node) == {"w", "members", "r"}
