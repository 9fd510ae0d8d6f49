"""The trace of a calculation as HTML: a tree of ``<details>``, each step with its value and,
when opened, its formula (file:line), the inputs it read and every parameter with its value,
effective date and legal reference.

Written in Python rather than as a recursive Jinja macro: a calculation of every measure of one
household has a few hundred steps, and a macro call per step made the trace most of the page's
time. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from webapp.formatting import day

KIND_TITLES = {
    "measure": "мера",
    "variable": "шаг",
    "condition": "условие",
    "all": "все условия",
    "any": "одно из условий",
    "not": "отрицание",
    "amount": "сумма",
    "schedule": "срок",
    "item": "элемент",
    "eligibility": "право",
}


def show_value(value: Any) -> str:
    """A value of the JSON trace in words (not escaped)."""
    if value is None:
        return "нет значения"
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, Mapping):
        if value.get("unknown"):
            return "неизвестно"
        if value.get("ref"):
            return str(value["ref"])
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(show_value(item) for item in value)
    return str(value)


def _param(use: Mapping[str, Any]) -> str:
    key = use.get("key") or []
    name = f"{use['name']}[{', '.join(str(k) for k in key)}]" if key else use["name"]
    value = use.get("value")
    if isinstance(value, str):
        shown = value
    else:
        shown = "; ".join(f"с {band.get('from')}: {band.get('value')}" for band in value or [])
    unit = f" {use['unit']}" if use.get("unit") else ""
    note = f' <span class="muted">({escape(use["note"])})</span>' if use.get("note") else ""
    return (
        f"<li>параметр <code>{escape(name)}</code> = {escape(shown)}{escape(unit)}, "
        f"действует с {escape(day(use.get('effective_from')))}; "
        f'<span class="source">основание: {escape(use.get("reference") or "")}</span>{note}</li>'
    )


def _step(step: Mapping[str, Any], depth: int, open_depth: int, out: list[str]) -> None:
    kind = str(step.get("kind", ""))
    out.append(
        f'<details{" open" if depth < open_depth else ""} class="step step-{escape(kind)}"><summary>'
        f'<span class="muted">{escape(KIND_TITLES.get(kind, kind))}</span> '
        f'<span class="step-name">{escape(step.get("name", ""))}</span> = '
        f'<span class="step-value">{escape(show_value(step.get("value")))}</span></summary>'
    )
    if step.get("expression"):
        location = f' <span class="source">{escape(step["location"])}</span>' if step.get("location") else ""
        out.append(f"<p><code>{escape(step['expression'])}</code>{location}</p>")
    if step.get("note"):
        out.append(f'<p class="muted">{escape(step["note"])}</p>')
    if step.get("inputs"):
        out.append('<ul class="inputs" aria-label="Исходные данные шага">')
        out.extend(
            f"<li><code>{escape(item['name'])}</code> = {escape(show_value(item.get('value')))}</li>"
            for item in step["inputs"]
        )
        out.append("</ul>")
    if step.get("params"):
        out.append('<ul class="params" aria-label="Параметры шага">')
        out.extend(_param(use) for use in step["params"])
        out.append("</ul>")
    for child in step.get("children") or ():
        _step(child, depth + 1, open_depth, out)
    out.append("</details>")


def trace_html(step: Mapping[str, Any], id: str = "trace", open_depth: int = 1) -> Markup:
    """The whole tree with its "expand every step" button (``webapp/static/mera.js``)."""
    out = [
        f'<div class="trace" id="{escape(id)}"><p class="no-print"><button type="button" class="link-button" '
        f'data-expand="{escape(id)}" aria-expanded="false">Раскрыть все шаги</button></p>'
    ]
    _step(step, 0, open_depth, out)
    out.append("</div>")
    return Markup("".join(out))  # noqa: S704  (every part above is escaped)
