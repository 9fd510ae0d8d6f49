"""PLACEHOLDER: replaced by the admin area's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.security import actor_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@actor_required()
def users():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Пользователи", message="")
