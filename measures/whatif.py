"""What-if: the budget impact of a draft of the rules, over the whole register.

The live rules and the draft are evaluated side by side (vector backend) for every household;
the report gives, per measure, the recipients gained and lost and the change in monthly cost,
broken down by municipality and funding source, and the households whose result changes, each
with a one-line explanation: the first step of the calculation where the two traces differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from engine import Month, RuleSet, TraceStep, evaluate
from engine.batch import evaluate_catalogue
from engine.trace import text_value
from measures.recalculation import PARTITION_SIZE, household_ranges
from registry.frames import partition_frames
from registry.snapshots import household_snapshot, latest_application

KEYS = ["household_id", "person_id", "measure"]


@dataclass(frozen=True, slots=True)
class Change:
    household_id: int
    person_id: int
    measure: str
    municipality: str
    live_status: str
    live_amount: int | None  # kopecks
    draft_status: str
    draft_amount: int | None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class WhatIfReport:
    period: str
    live_version: str
    draft_version: str
    households: int
    by_measure: pd.DataFrame  # measure, funding, gained, lost, live_cost, draft_cost, cost_change (kopecks)
    by_municipality: pd.DataFrame  # measure, municipality, gained, lost, cost_change
    by_funding: pd.DataFrame  # funding, gained, lost, cost_change
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "live_version": self.live_version,
            "draft_version": self.draft_version,
            "households": self.households,
            "by_measure": self.by_measure.to_dict(orient="records"),
            "by_municipality": self.by_municipality.to_dict(orient="records"),
            "by_funding": self.by_funding.to_dict(orient="records"),
            "changes": [asdict(change) for change in self.changes],
        }


def _side(ruleset: RuleSet, frames, household_ids, person_ids, period: Month, measures: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    present = [m for m in measures if m in ruleset.measures]
    results = evaluate_catalogue(ruleset, frames, period, present)
    applicant = frames.applicant[results["household"].to_numpy()]
    member = results["member"].to_numpy()
    results["household_id"] = household_ids[results["household"].to_numpy()]
    results["person_id"] = person_ids[np.where(member >= 0, member, applicant)]
    results["municipality"] = frames.households["municipality"].to_numpy()[results["household"].to_numpy()]
    return results[[*KEYS, "municipality", "status", "amount"]]


def compare_partition(
    session: Session,
    live: RuleSet,
    draft: RuleSet,
    period: Month,
    household_ids: list[int],
) -> pd.DataFrame:
    """Both sides for a partition, one row per (household, person, measure) of either."""
    measures = sorted(set(live.measures) | set(draft.measures))
    frames, ids, persons = partition_frames(session, period.end, household_ids=household_ids)
    left = _side(live, frames, ids, persons, period, measures)
    right = _side(draft, frames, ids, persons, period, measures)
    merged = left.merge(right, on=[*KEYS, "municipality"], how="outer", suffixes=("_live", "_draft"))
    for side in ("live", "draft"):
        merged[f"status_{side}"] = merged[f"status_{side}"].fillna("ineligible")
        eligible = merged[f"status_{side}"] == "eligible"
        merged[f"cost_{side}"] = np.where(eligible, merged[f"amount_{side}"].fillna(0).astype("int64"), 0)
    return merged


def _funding(live: RuleSet, draft: RuleSet, measure: str) -> str:
    found = draft.measures.get(measure) or live.measures.get(measure)
    return found.funding if found else ""


def summarise(merged: pd.DataFrame, live: RuleSet, draft: RuleSet) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = merged.copy()
    frame["gained"] = (frame["status_draft"] == "eligible") & (frame["status_live"] != "eligible")
    frame["lost"] = (frame["status_live"] == "eligible") & (frame["status_draft"] != "eligible")
    frame["funding"] = [_funding(live, draft, m) for m in frame["measure"]]

    def totals(by: list[str]) -> pd.DataFrame:
        grouped = frame.groupby(by, dropna=False).agg(
            gained=("gained", "sum"),
            lost=("lost", "sum"),
            live_cost=("cost_live", "sum"),
            draft_cost=("cost_draft", "sum"),
        )
        grouped["cost_change"] = grouped["draft_cost"] - grouped["live_cost"]
        return grouped.reset_index()

    return totals(["measure", "funding"]), totals(["measure", "municipality"]), totals(["funding"])


def first_difference(live: TraceStep, draft: TraceStep) -> str:
    """The first step (in calculation order) whose value differs, in one line."""
    left = {step.name: step for step in live.walk() if step.kind != "item"}
    for step in draft.walk():
        if step.kind == "item" or step.kind == "measure":
            continue
        other = left.get(step.name)
        if other is None:
            return f"{step.name}: новый шаг → {text_value(step.value)}"
        if text_value(other.value) != text_value(step.value) or other.expression != step.expression:
            if other.expression != step.expression:
                return f"{step.name}: формула «{other.expression}» → «{step.expression}»"
            return f"{step.name}: {text_value(other.value)} → {text_value(step.value)}"
    return "расчет совпадает, отличаются версии правил"


def explain(session: Session, live: RuleSet, draft: RuleSet, period: Month, change: pd.Series) -> str:
    household_id = int(change["household_id"])
    on = period.end
    application = latest_application(session, household_id, on, change["measure"])
    snapshot = household_snapshot(session, household_id, on, application)
    member = str(int(change["person_id"]))
    sides = []
    for ruleset in (live, draft):
        if change["measure"] not in ruleset.measures:
            sides.append(None)
            continue
        sides.append(evaluate(ruleset, snapshot, change["measure"], period, person=member).trace)
    if sides[0] is None:
        return "новая мера в проекте правил"
    if sides[1] is None:
        return "мера исключена в проекте правил"
    return first_difference(sides[0], sides[1])


def whatif(
    session: Session,
    live: RuleSet,
    draft: RuleSet,
    period: Month,
    municipality: str | None = None,
    partition_size: int = PARTITION_SIZE,
    explain_limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIfReport:
    """Compare the live rules and a draft over the register's households for a month."""
    chunks = household_ranges(session, period.end, municipality, partition_size)
    parts = []
    for number, chunk in enumerate(chunks):
        parts.append(compare_partition(session, live, draft, period, chunk))
        if progress is not None:
            progress(number + 1, len(chunks))
    merged = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            columns=[
                *KEYS,
                "municipality",
                "status_live",
                "status_draft",
                "amount_live",
                "amount_draft",
                "cost_live",
                "cost_draft",
            ]
        )
    )
    by_measure, by_municipality, by_funding = summarise(merged, live, draft)
    differs = merged[(merged["status_live"] != merged["status_draft"]) | (merged["cost_live"] != merged["cost_draft"])]
    changes = []
    for index, (_row, change) in enumerate(differs.iterrows()):
        explanation = (
            explain(session, live, draft, period, change) if explain_limit is None or index < explain_limit else ""
        )
        changes.append(
            Change(
                int(change["household_id"]),
                int(change["person_id"]),
                change["measure"],
                change["municipality"],
                change["status_live"],
                None if pd.isna(change["amount_live"]) else int(change["amount_live"]),
                change["status_draft"],
                None if pd.isna(change["amount_draft"]) else int(change["amount_draft"]),
                explanation,
            )
        )
    return WhatIfReport(
        str(period),
        live.version,
        draft.version,
        sum(len(c) for c in chunks),
        by_measure,
        by_municipality,
        by_funding,
        changes,
    )


__all__ = ["Change", "WhatIfReport", "first_difference", "whatif"]
