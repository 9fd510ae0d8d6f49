"""Build small rule sets in memory for tests: the base rules plus the files a test adds."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from engine.ruleset import RuleSet, build_ruleset, read_rule_files
from engine.snapshot import Snapshot, parse_snapshot

BASE = Path(__file__).parent / "base_rules"

HEADER = """\
measure: {code}
title: Тестовая мера {code}
level: federal
funding: federal_budget
legal_basis: "Закон № 1"
entity: {entity}
period: {period}
valid_from: 2021-01-01
"""


def measure(code: str, body: str, entity: str = "household", period: str = "month") -> tuple[str, str]:
    return f"measures/federal/{code}.yaml", HEADER.format(code=code, entity=entity, period=period) + dedent(body)


def ruleset(*files: tuple[str, str]) -> RuleSet:
    contents = read_rule_files(BASE)
    for path, text in files:
        contents[path] = dedent(text).encode()
    return build_ruleset(contents, "rules")


def household(**overrides) -> Snapshot:  # type: ignore[no-untyped-def]
    data = {
        "region": "63",
        "application": {"date": "2026-03-10"},
        "members": [
            {
                "id": "p1",
                "role": "applicant",
                "birth_date": "1980-05-01",
                "sex": "F",
                "incomes_declared": {"from": "2025-01", "to": "2026-02"},
                "incomes": [{"kind": "wages", "amount": "30000", "from": "2025-01", "to": "2026-02"}],
            },
            {"id": "c1", "role": "child", "birth_date": "2015-07-01", "sex": "M"},
        ],
    }
    data.update(overrides)
    return parse_snapshot(data)
