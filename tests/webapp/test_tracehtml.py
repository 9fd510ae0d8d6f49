"""The trace renderer: every step, its formula, inputs and parameters with legal sources, and
nothing from a rule file or the register that could run as markup."""

from __future__ import annotations

from webapp.tracehtml import show_value, trace_html

STEP = {
    "kind": "measure",
    "name": "unified_child_allowance",
    "value": True,
    "children": [
        {
            "kind": "variable",
            "name": "per_capita",
            "expression": "income / size <script>alert(1)</script>",
            "location": "rules/measures/federal/unified_child_allowance.yaml:40",
            "value": "12345.67",
            "inputs": [{"name": "members[0].incomes", "value": [{"ref": "members[1]"}, "2"]}],
            "params": [
                {
                    "name": "subsistence_minimum.per_capita",
                    "key": ["63"],
                    "value": "17000.00",
                    "unit": "RUB",
                    "effective_from": "2026-01-01",
                    "reference": "Постановление Правительства Самарской области <b>",
                }
            ],
        }
    ],
}


def test_steps_params_and_sources_are_rendered():
    html = str(trace_html(STEP, id="trace-x"))
    assert html.startswith('<div class="trace" id="trace-x">')
    assert html.count("<details") == 2 and html.count("</details>") == 2
    assert '<details open class="step step-measure">' in html  # the first level open
    assert '<details class="step step-variable">' in html
    assert "действует с 01.01.2026" in html and "subsistence_minimum.per_capita[63]</code> = 17000.00 RUB" in html
    assert '<span class="source">основание: Постановление Правительства Самарской области &lt;b&gt;</span>' in html
    assert "members[1], 2" in html  # references are shown by their path


def test_nothing_is_left_unescaped():
    html = str(trace_html(STEP))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_values_in_words():
    assert [show_value(v) for v in (None, True, False, {"unknown": ["x"]}, {"a": 1})] == [
        "нет значения",
        "да",
        "нет",
        "неизвестно",
        "a: 1",
    ]
