"""The result of evaluating one measure for one household (and person) in one period."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.periods import Month
from engine.trace import TraceStep, render_text

STATUSES = ("eligible", "ineligible", "undetermined", "error")


@dataclass(frozen=True, slots=True)
class MissingFact:
    path: str
    description: str
    document: str | None  # the document that would supply it, where the rules say so
    document_title: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "description": self.description,
            "document": self.document,
            "document_title": self.document_title,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    start: Month
    end: Month | None
    review: Month | None
    payment: str  # monthly | once | yearly

    @property
    def months(self) -> tuple[Month, ...] | None:
        """The months the assignment covers; ``None`` when it has no end."""
        if self.end is None:
            return None
        return tuple(Month.from_index(i) for i in range(self.start.index, self.end.index + 1))

    def as_dict(self) -> dict[str, Any]:
        months = self.months
        return {
            "start": str(self.start),
            "end": str(self.end) if self.end else None,
            "review": str(self.review) if self.review else None,
            "payment": self.payment,
            "months": [str(m) for m in months] if months is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Result:
    measure: str
    title: str
    period: Month
    person: str | None  # the member evaluated, for person measures
    status: str
    amount: Decimal | None
    schedule: Schedule | None
    reasons: tuple[str, ...]  # readable refusal reasons (failed conditions)
    failed: tuple[str, ...]  # ids of the failed conditions, first one first
    missing: tuple[MissingFact, ...]
    ruleset_version: str
    measure_version: str  # effective date of the version of the measure used
    trace: TraceStep
    error: str | None = None

    @property
    def eligible(self) -> bool | None:
        return {"eligible": True, "ineligible": False}.get(self.status)

    def as_dict(self, with_trace: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "measure": self.measure,
            "title": self.title,
            "period": str(self.period),
            "person": self.person,
            "status": self.status,
            "eligible": self.eligible,
            "amount": str(self.amount) if self.amount is not None else None,
            "schedule": self.schedule.as_dict() if self.schedule else None,
            "reasons": list(self.reasons),
            "failed_conditions": list(self.failed),
            "missing": [fact.as_dict() for fact in self.missing],
            "ruleset_version": self.ruleset_version,
            "measure_version": self.measure_version,
            "error": self.error,
        }
        if with_trace:
            data["trace"] = self.trace.as_dict()
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def render(self) -> str:
        """The trace as text, headed by the outcome, for the CLI and golden files."""
        head = [f"{self.measure} — {self.title}", f"период: {self.period}"]
        if self.person:
            head.append(f"получатель: {self.person}")
        head.append(f"правила: {self.ruleset_version[:12]} (версия меры с {self.measure_version})")
        head.append(f"итог: {STATUS_WORDS[self.status]}")
        if self.amount is not None:
            head.append(f"сумма: {self.amount}")
        if self.schedule:
            end = str(self.schedule.end) if self.schedule.end else "без срока"
            review = f", пересмотр {self.schedule.review}" if self.schedule.review else ""
            head.append(f"период назначения: {self.schedule.start} — {end}{review}")
        for reason in self.reasons:
            head.append(f"причина отказа: {reason}")
        for fact in self.missing:
            document = f" (документ: {fact.document_title or fact.document})" if fact.document else ""
            head.append(f"не хватает: {fact.description}{document}")
        if self.error:
            head.append(f"ошибка: {self.error}")
        return "\n".join(head) + "\n\n" + render_text(self.trace)


STATUS_WORDS = {
    "eligible": "право есть",
    "ineligible": "права нет",
    "undetermined": "не определено — не хватает сведений",
    "error": "ошибка в правилах",
}
