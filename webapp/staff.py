"""The specialist's pages: find a person, the person card, the calculation form with its trace,
a saved calculation with the decision form, and the printable decision.

Each view parses the request, calls one service (``registry.cards``, ``measures.decisions``) with
the current actor, and renders; the services check rights and scope.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for

from measures import decisions
from registry.calculation_form import CalculationRequest, calculation_page
from registry.cards import SEARCH_LIMIT, SearchQuery, parse_day, person_card, search_persons
from registry.people import RegisterError
from webapp.database import db
from webapp.live import ruleset
from webapp.security import actor_required, current_actor

bp = Blueprint("staff", __name__, url_prefix="/staff")

SEARCH_FIELDS = ("snils", "case_number", "last_name", "first_name", "birth_date")


def _titles() -> dict[str, str]:
    return {code: measure.title for code, measure in ruleset().measures.items()}


@bp.route("/", methods=["GET", "POST"])
@actor_required()
def search():  # type: ignore[no-untyped-def]
    """The search form posts (names and SNILS stay out of addresses and server logs)."""
    form = {name: request.form.get(name, "")[:100] for name in SEARCH_FIELDS}
    errors: list[tuple[str, str]] = []
    result = None
    try:
        query = SearchQuery.parse(**form) if request.method == "POST" else SearchQuery()
        result = search_persons(db(), current_actor(), query)
    except RegisterError as exc:
        errors = exc.problems
    if request.method == "POST" and not errors and result is None:
        errors = [("snils", "Укажите хотя бы одно: СНИЛС, номер дела, фамилию или дату рождения")]
    page = render_template("staff/search.html", form=form, errors=errors, result=result, limit=SEARCH_LIMIT)
    return page, 400 if errors else 200


@bp.get("/persons/<int:person_id>")
@actor_required()
def person(person_id: int):  # type: ignore[no-untyped-def]
    card = person_card(db(), current_actor(), person_id, date.today(), _titles())
    saved = request.args.get("saved", type=int)
    return render_template("staff/person.html", card=card, saved=saved)


@bp.route("/persons/<int:person_id>/calculate", methods=["GET", "POST"])
@actor_required()
def calculate(person_id: int):  # type: ignore[no-untyped-def]
    form = request.form
    asked = None
    if request.method == "POST":
        asked = CalculationRequest(
            form.get("member", ""), form.get("measure", ""), form.get("period", ""), form.get("save") == "1"
        )
    preset = request.args.get("measure", "")[:64]  # a link from the card preselects a measure
    page = calculation_page(db(), current_actor(), ruleset(), person_id, asked, date.today(), preset)
    if page.errors:
        return render_template("staff/calculate.html", page=page), 400
    if len(page.saved) == 1:
        return redirect(url_for("staff.calculation", calculation_id=page.saved[0]))
    if page.saved:
        return redirect(url_for("staff.person", person_id=person_id, saved=len(page.saved), _anchor="calculations"))
    return render_template("staff/calculate.html", page=page)


@bp.get("/calculations/<int:calculation_id>")
@actor_required()
def calculation(calculation_id: int):  # type: ignore[no-untyped-def]
    record = decisions.saved_calculation(db(), current_actor(), calculation_id)
    form = {"decision": "assign" if record.can_assign else "refuse", "decision_date": date.today().isoformat()}
    return render_template("staff/calculation.html", record=record, errors=[], form=form)


@bp.post("/calculations/<int:calculation_id>/decision")
@actor_required()
def decide(calculation_id: int):  # type: ignore[no-untyped-def]
    form = {
        "decision": request.form.get("decision", "")[:20],
        "decision_date": request.form.get("decision_date", "")[:20],
        "note": request.form.get("note", "")[:4000],
    }
    session, actor = db(), current_actor()
    try:
        assignment = decisions.decide(
            session, actor, calculation_id, form["decision"], parse_day(form["decision_date"]), note=form["note"]
        )
    except RegisterError as exc:  # the form again, with the problems next to the fields
        record = decisions.saved_calculation(session, actor, calculation_id)
        return render_template("staff/calculation.html", record=record, errors=exc.problems, form=form), 400
    return redirect(url_for("staff.decision", assignment_id=assignment.id))


@bp.get("/decisions/<int:assignment_id>")
@actor_required()
def decision(assignment_id: int):  # type: ignore[no-untyped-def]
    document = decisions.decision_document(db(), current_actor(), assignment_id)
    return render_template("staff/decision.html", doc=document)
