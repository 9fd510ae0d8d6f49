"""The auditor's pages: the history of stored calculations, a calculation with its trace, its
replay on the stored rules, and the audit log with the check of its hash chain."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from registry.history import (
    ACTIONS,
    AUDIT_FIELDS,
    HISTORY_FIELDS,
    Page,
    audit_filters,
    audit_log,
    calculation_detail,
    calculation_history,
    history_filters,
    replay_calculation,
    verify_audit_chain,
)
from registry.people import RegisterError
from webapp.database import db
from webapp.formatting import office_zone
from webapp.live import ruleset
from webapp.security import actor_required, current_actor

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _form(fields: tuple[str, ...]) -> dict[str, str]:
    """The filter form as entered (to show it again), only the known fields."""
    return {key: (request.args.get(key) or "").strip()[:100] for key in fields}


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _links(endpoint: str, form: dict[str, str], page: Page | None) -> dict[str, str | None]:
    if page is None:
        return {"previous": None, "next": None}
    kept = {key: value for key, value in form.items() if value}
    return {
        "previous": url_for(endpoint, page=page.number - 1, **kept) if page.has_previous else None,
        "next": url_for(endpoint, page=page.number + 1, **kept) if page.has_next else None,
    }


def _measures() -> list[tuple[str, str]]:
    return [(code, measure.title) for code, measure in sorted(ruleset().measures.items())]


def _filtered_list(fields, read_filters, query, endpoint: str, template: str, **extra: Any):  # type: ignore[no-untyped-def]
    """A filtered, paged list: the form as entered, its errors next to the fields (400), or the
    page the service gives for the filters (days of the form are days of the office)."""
    form = _form(fields)
    errors: list[tuple[str, str]] = []
    page = None
    try:
        filters = read_filters(request.args, office_zone())
    except RegisterError as exc:
        errors = exc.problems
    else:
        page = query(db(), current_actor(), filters, _page_number())
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "page": page,
        "links": _links(endpoint, form, page),
        "filtered": any(form.values()),
        **extra,
    }
    return render_template(template, **context), 400 if errors else 200


@bp.get("/")
@actor_required("calculation.history")
def calculations():  # type: ignore[no-untyped-def]
    return _filtered_list(
        HISTORY_FIELDS,
        history_filters,
        calculation_history,
        "audit.calculations",
        "audit/calculations.html",
        measures=_measures(),
    )


@bp.get("/calculations/<int:calculation_id>")
@actor_required("calculation.history")
def calculation(calculation_id: int):  # type: ignore[no-untyped-def]
    actor = current_actor()
    detail = calculation_detail(db(), actor, calculation_id)
    can_replay = actor is not None and actor.can("calculation.replay")
    return render_template("audit/calculation.html", detail=detail, can_replay=can_replay)


@bp.post("/calculations/<int:calculation_id>/replay")
@actor_required("calculation.replay")
def replay(calculation_id: int):  # type: ignore[no-untyped-def]
    outcome = replay_calculation(db(), current_actor(), calculation_id)
    replayed = {
        "status": outcome.replayed.status,
        "amount": outcome.replayed.amount,
        "measure_version": outcome.replayed.measure_version,
    }
    return render_template("audit/replay.html", outcome=outcome, replayed=replayed)


@bp.get("/log")
@actor_required("audit.read")
def log():  # type: ignore[no-untyped-def]
    return _filtered_list(
        AUDIT_FIELDS,
        audit_filters,
        audit_log,
        "audit.log",
        "audit/log.html",
        actions=sorted(ACTIONS.items(), key=lambda item: item[1]),
    )


@bp.post("/log/verify")
@actor_required("audit.read")
def verify():  # type: ignore[no-untyped-def]
    check = verify_audit_chain(db(), current_actor())
    return render_template("audit/verify.html", check=check)
