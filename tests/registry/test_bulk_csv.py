"""The CSV a bulk load sends to COPY holds the frame's text, whatever pandas keeps it in."""

from __future__ import annotations

import pandas as pd

from engine import Month
from registry.bulk import _csv
from registry.synthetic import generate


def test_text_of_a_small_generated_table_reaches_the_csv() -> None:
    # A one-row table of the generator: Arrow 26 wrote NUL bytes for its sliced large_string column.
    categories = generate(20, 4, 2, Month(2026, 3))["person_categories"]
    data = _csv(categories)
    assert b"\x00" not in data
    assert data.count(b"\n") == len(categories)
    for code in categories["code"]:
        assert code.encode() in data


def test_nulls_are_empty_and_text_is_quoted_when_needed() -> None:
    frame = pd.DataFrame({"a": pd.array(["x,y", None], dtype="str"), "b": [1, 2]})
    assert _csv(frame) == b'"x,y",1\n,2\n'
