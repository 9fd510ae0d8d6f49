"""PLACEHOLDER: replaced by the staff area's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.security import actor_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@actor_required()
def search():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Поиск граждан", message="")
