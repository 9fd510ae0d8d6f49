"""Logging in and out, and the start page of each role."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from registry.staff import LoginError, authenticate, end_session, start_session
from webapp.database import db
from webapp.security import clear_session_cookie, current_actor, login_allowed, set_session_cookie

bp = Blueprint("auth", __name__)

# Where each role starts (the first page of its own area).
HOME = {
    "specialist": "staff.search",
    "methodologist": "methodology.rules",
    "auditor": "audit.calculations",
    "administrator": "admin.users",
    "payment_officer": "staff.search",
}


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site, never another host (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME[actor.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return render_template("auth/login.html", errors=[], login="", next=_safe_next(request.args.get("next")))
    login_name = request.form.get("login", "").strip()[:64]
    password = request.form.get("password", "")[:200]
    target = _safe_next(request.form.get("next"))
    errors = []
    if not login_name:
        errors.append(("login", "Введите логин"))
    if not password:
        errors.append(("password", "Введите пароль"))
    if not errors and not login_allowed():
        errors.append(("login", "Слишком много попыток входа с этого адреса; подождите несколько минут"))
    if not errors:
        session = db()
        try:
            user = authenticate(session, login_name, password)
        except LoginError as exc:
            session.commit()  # the failure counter and the journal entry stay
            errors.append(("password", str(exc)))
        else:
            old = g.get("session_token")
            if old:
                end_session(session, old)
            token = start_session(session, user)
            response = redirect(target or url_for("auth.home"))
            set_session_cookie(response, token)
            return response
    return render_template("auth/login.html", errors=errors, login=login_name, next=target), 400


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    token = g.get("session_token")
    if token:
        end_session(db(), token)
    response = redirect(url_for("auth.login"))
    clear_session_cookie(response)
    return response
