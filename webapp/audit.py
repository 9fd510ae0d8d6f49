"""PLACEHOLDER: replaced by the audit area's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.security import actor_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@actor_required()
def calculations():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="История расчетов", message="")


@bp.get("/log")
@actor_required()
def log():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Журнал", message="")
