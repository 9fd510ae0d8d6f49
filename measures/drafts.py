"""Drafts of the rules and their what-if, for the methodologist's pages: a draft from a folder
of the drafts directory or from one uploaded file laid over the live rules, the what-if run
under a per-user limit, its report as tables, and the changed households as CSV (cells that a
spreadsheet would read as a formula are quoted)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine import Month, RuleSet
from engine.errors import RuleErrors
from engine.ruleset import build_ruleset, read_rule_files
from engine.yamlload import MAX_FILE_BYTES
from measures.catalogue import STATUS_ORDER, error_view, funding_title
from measures.whatif import WhatIfReport, whatif
from registry.access import AccessDeniedError, Actor, NotFoundError, require
from registry.audit import journal
from registry.db import read_view
from registry.limits import end_lease, take_lease

NEW_FILE_RE = re.compile(r"(measures|parameters)(/[a-z0-9_]+)+\.yaml")
SHOWN_CHANGES = 500  # households listed on the page per side; the CSV has all


# -- what-if -------------------------------------------------------------------------------------


class WhatIfBusyError(RuntimeError):
    """The user already runs as many what-ifs as allowed (HTTP 429)."""


# A what-if lease older than this is of a process that died before its run ended.
WHATIF_STALE = timedelta(hours=1)


class DraftError(ValueError):
    """The what-if form names no usable draft; ``problems`` lists (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))


def draft_folders(drafts_dir: Path | str | None) -> list[str]:
    """The names of the draft rule folders (subfolders of the drafts folder)."""
    if not drafts_dir:
        return []
    root = Path(drafts_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def draft_from_folder(drafts_dir: Path | str | None, name: str) -> RuleSet:
    """Build the draft of a listed folder; a name not listed is refused, never opened."""
    if name not in draft_folders(drafts_dir):
        raise DraftError([("draft", "выберите папку проекта правил из списка")])
    root = Path(str(drafts_dir)) / name
    return build_ruleset(read_rule_files(root), name)


def upload_path_problem(live: RuleSet, path: str) -> str | None:
    if path in live.files:
        return None
    if ".." in path or not NEW_FILE_RE.fullmatch(path):
        return (
            "путь нового файла: measures/… или parameters/…, латинские строчные буквы, цифры и подчеркивание, "
            "окончание .yaml"
        )
    return None


def draft_from_upload(live: RuleSet, path: str, data: bytes) -> RuleSet:
    """The live files with one file replaced (or added): the draft of an uploaded edit."""
    problems = []
    problem = upload_path_problem(live, path)
    if problem:
        problems.append(("path", problem))
    if not data:
        problems.append(("rule_file", "выберите файл правил"))
    elif len(data) > MAX_FILE_BYTES:
        problems.append(("rule_file", f"файл больше {MAX_FILE_BYTES // 1_000_000} МБ"))
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(("rule_file", "файл должен быть в кодировке UTF-8"))
    if problems:
        raise DraftError(problems)
    files = dict(live.files)
    files[path] = data
    return build_ruleset(files, live.label)


def run_whatif(
    session: Session,
    engine: Engine,
    actor: Actor,
    live: RuleSet,
    draft: RuleSet,
    period: Month,
    municipality: str | None,
    runs_at_once: int = 1,
    explain_limit: int = 200,
) -> WhatIfReport:
    """The what-if of a draft on behalf of an actor: the role must allow it, the municipality
    must be in the actor's scope (an actor with a limited scope names one), and the user may not
    have more runs going at once than ``runs_at_once`` — counted in the register, so in every
    process of the web application (``registry.limits``). The register is read in one view of its
    own (``registry.db.read_view`` on ``engine``), which keeps no other transaction waiting
    however long it reads; the run's lease and the journal entry go through ``session``, which
    this commits."""
    require(actor, "rules.whatif")
    if municipality is None and actor.municipalities is not None:
        raise AccessDeniedError("выберите муниципальное образование своей территории")
    if municipality is not None and not actor.sees(municipality):
        raise NotFoundError("муниципальное образование не найдено")
    lease = take_lease(session, "whatif", actor.user_id, max(1, runs_at_once), WHATIF_STALE)
    if lease is None:
        raise WhatIfBusyError("предыдущий расчет «что если» еще выполняется: дождитесь его окончания")
    # The lease counts for every process at once; and on SQLite the writers' turn the request's
    # transaction took (the web app's begin with it) is not kept through a long what-if.
    session.commit()
    try:
        with read_view(engine) as reading:
            report = whatif(reading, live, draft, period, municipality, explain_limit=explain_limit)
    finally:
        end_lease(session, lease)
        session.commit()
    journal(
        session,
        "read",
        "households",
        None,
        {
            "purpose": "whatif",
            "period": str(period),
            "municipality": municipality,
            "live_version": live.version,
            "draft_version": draft.version,
            "households": report.households,
            "changes": len(report.changes),
        },
    )
    return report


def _measure_title(code: str, live: RuleSet, draft: RuleSet) -> str:
    found = draft.measures.get(code) or live.measures.get(code)
    return found.title if found else code


def _cost(status: str, amount: int | None) -> int:
    return amount or 0 if status == "eligible" else 0


@dataclass(frozen=True, slots=True)
class ChangeRow:
    household_id: int
    person_id: int
    measure: str
    measure_title: str
    municipality: str
    municipality_name: str
    live_status: str
    live_amount: int | None
    draft_status: str
    draft_amount: int | None
    change: int  # kopecks a month, draft − live
    gains: bool
    explanation: str


def whatif_view(report: WhatIfReport, live: RuleSet, draft: RuleSet, names: Mapping[str, str]) -> dict[str, Any]:
    """The report as rows for the page: money stays in kopecks (the ``money`` filter formats it)."""

    def rows(frame: Any) -> list[dict[str, Any]]:
        return [
            {key: (v.item() if hasattr(v, "item") else v) for key, v in row.items()} for row in frame.to_dict("records")
        ]

    by_measure = [
        {**row, "title": _measure_title(row["measure"], live, draft), "funding_title": funding_title(row["funding"])}
        for row in rows(report.by_measure)
    ]
    by_municipality = [
        {
            **row,
            "title": _measure_title(row["measure"], live, draft),
            "municipality_name": names.get(row["municipality"], row["municipality"]),
        }
        for row in rows(report.by_municipality)
        if row["gained"] or row["lost"] or row["cost_change"]
    ]
    places: dict[str, dict[str, Any]] = {}
    for row in rows(report.by_municipality):
        place = places.setdefault(
            row["municipality"],
            {
                "municipality": row["municipality"],
                "municipality_name": names.get(row["municipality"], row["municipality"]),
                "gained": 0,
                "lost": 0,
                "live_cost": 0,
                "draft_cost": 0,
                "cost_change": 0,
            },
        )
        for key in ("gained", "lost", "live_cost", "draft_cost", "cost_change"):
            place[key] += row[key]
    by_place = sorted(places.values(), key=lambda place: place["municipality_name"])
    by_funding = [{**row, "funding_title": funding_title(row["funding"])} for row in rows(report.by_funding)]
    totals = {key: sum(row[key] for row in by_funding) for key in ("gained", "lost", "live_cost", "draft_cost")}
    totals["cost_change"] = totals["draft_cost"] - totals["live_cost"]
    changes = change_rows(report, live, draft, names)
    return {
        "period": report.period,
        "live_version": report.live_version,
        "draft_version": report.draft_version,
        "households": report.households,
        "by_measure": by_measure,
        "changed_measures": [row for row in by_measure if row["gained"] or row["lost"] or row["cost_change"]],
        "by_municipality": by_municipality,
        "by_place": by_place,
        "by_funding": by_funding,
        "totals": totals,
        "gainers": [row for row in changes if row.gains],
        "losers": [row for row in changes if not row.gains],
        "shown": SHOWN_CHANGES,
    }


def change_rows(report: WhatIfReport, live: RuleSet, draft: RuleSet, names: Mapping[str, str]) -> list[ChangeRow]:
    found = []
    for change in report.changes:
        before = _cost(change.live_status, change.live_amount)
        after = _cost(change.draft_status, change.draft_amount)
        gains = after > before or (
            after == before and STATUS_ORDER.get(change.draft_status, 9) < STATUS_ORDER.get(change.live_status, 9)
        )
        found.append(
            ChangeRow(
                change.household_id,
                change.person_id,
                change.measure,
                _measure_title(change.measure, live, draft),
                change.municipality,
                names.get(change.municipality, change.municipality),
                change.live_status,
                change.live_amount,
                change.draft_status,
                change.draft_amount,
                after - before,
                gains,
                change.explanation,
            )
        )
    return found


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A text cell a spreadsheet will not run: one starting with = + - @ tab or CR gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _roubles(kopecks: int | None) -> str:
    if kopecks is None:
        return ""
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


CSV_HEADER = (
    "Семья (id)",
    "Гражданин (id)",
    "Код меры",
    "Мера",
    "ОКТМО",
    "Муниципальное образование",
    "Статус по действующим правилам",
    "Сумма по действующим правилам, руб.",
    "Статус по проекту",
    "Сумма по проекту, руб.",
    "Изменение в месяц, руб.",
    "Причина",
)


def changes_csv(rows: Iterable[ChangeRow]) -> str:
    """The changed households as CSV (semicolons, for spreadsheets set to Russian); every text
    cell is guarded against formula injection, numbers are written by us."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                row.household_id,
                row.person_id,
                csv_cell(row.measure),
                csv_cell(row.measure_title),
                csv_cell(row.municipality),
                csv_cell(row.municipality_name),
                csv_cell(row.live_status),
                _roubles(row.live_amount),
                csv_cell(row.draft_status),
                _roubles(row.draft_amount),
                _roubles(row.change),
                csv_cell(row.explanation),
            ]
        )
    return buffer.getvalue()


def build_errors(exc: RuleErrors) -> list[dict[str, Any]]:
    return [error_view(error) for error in exc.errors]


__all__ = [
    "DraftError",
    "WhatIfBusyError",
    "build_errors",
    "change_rows",
    "changes_csv",
    "csv_cell",
    "draft_folders",
    "draft_from_folder",
    "draft_from_upload",
    "run_whatif",
    "whatif_view",
]
