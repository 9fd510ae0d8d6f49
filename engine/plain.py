"""YAML nodes → plain JSON-like data, for snapshots and embedded test households.

Only the JSON-compatible YAML core is recognised in plain scalars: ``null``, ``true``/``false``,
integers and decimals (as ``Decimal`` from their text). Everything else stays text, so
``yes``/``no``/``on``/``off`` are words, not booleans, and dates are strings until a schema
says they are dates.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from engine.yamlload import Mapping, Node, Scalar, Sequence, load_bytes

_INT_RE = re.compile(r"^-?(0|[1-9][0-9]*)$")
_DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")


def plain_scalar(node: Scalar) -> Any:
    if not node.is_plain:
        return node.text
    text = node.text
    if node.is_null:
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT_RE.match(text) and len(text) <= 30:
        return int(text)
    if _DECIMAL_RE.match(text) and len(text) <= 40:
        return Decimal(text)
    return text


def plain(node: Node | None) -> Any:
    """Convert a node tree to dicts, lists and scalars, iteratively (depth is already capped)."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return plain_scalar(node)
    if isinstance(node, Mapping):
        return {key.text: plain(value) for key, value in node.items}
    if isinstance(node, Sequence):
        return [plain(item) for item in node.items]
    raise TypeError(type(node))


def plain_from_yaml_bytes(data: bytes, path: str) -> Any:
    node, _source = load_bytes(data, path)
    return plain(node)
