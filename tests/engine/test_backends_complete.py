"""Every AST node kind has a handler in the checker and in each backend; every library
function has an implementation in each backend."""

from __future__ import annotations

from engine import ast
from engine.backends import scalar, scalar_ops, vector, vector_functions
from engine.check import _HANDLERS as CHECKER_HANDLERS
from engine.library import FUNCTIONS


def test_scalar_backend_handles_every_node_kind():
    assert set(scalar.HANDLERS) == set(ast.NODE_TYPES)


def test_vector_backend_handles_every_node_kind():
    assert set(vector.HANDLERS) == set(ast.NODE_TYPES)


def test_vector_backend_implements_every_function():
    assert set(vector_functions.IMPLEMENTATIONS) == set(FUNCTIONS)


def test_checker_handles_every_node_kind():
    assert set(CHECKER_HANDLERS) == set(ast.NODE_TYPES)


def test_scalar_backend_implements_every_function():
    assert set(scalar_ops.IMPLEMENTATIONS) == set(FUNCTIONS)


def test_node_types_lists_every_node_class():
    classes = {
        value
        for value in vars(ast).values()
        if isinstance(value, type) and value.__module__ == ast.__name__ and hasattr(value, "span")
    }
    assert classes == set(ast.NODE_TYPES)
