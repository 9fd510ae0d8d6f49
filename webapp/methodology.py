"""PLACEHOLDER: replaced by the methodology area's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.security import actor_required

bp = Blueprint("methodology", __name__, url_prefix="/methodology")


@bp.get("/")
@actor_required()
def rules():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Правила", message="")


@bp.get("/measures")
@actor_required()
def measures():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Меры", message="")


@bp.get("/parameters")
@actor_required()
def parameters():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Параметры", message="")


@bp.get("/whatif")
@actor_required()
def whatif():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Что если", message="")


@bp.get("/reference")
@actor_required()
def reference():  # type: ignore[no-untyped-def]
    return render_template("error.html", status=200, title="Справочники", message="")
