"""Logging in and out, and the start page of each role."""

from __future__ import annotations

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from registry.second_factor import CHALLENGE_FOR, LoginExpired, challenge_of, complete_challenge, start_challenge
from registry.staff import LoginError, authenticate, end_session, start_session
from registry.totp import grouped, provisioning_uri
from webapp.database import db
from webapp.security import clear_private_cookie, current_actor, login_allowed, set_private_cookie

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
            if user.role in current_app.config["SECOND_FACTOR_ROLES"]:
                response = redirect(url_for("auth.code", next=target) if target else url_for("auth.code"))
                token = start_challenge(session, user)
                set_private_cookie(response, "CHALLENGE_COOKIE", token, "Strict", int(CHALLENGE_FOR.total_seconds()))
                return response
            return _logged_in(session, user, target)
    return render_template("auth/login.html", errors=errors, login=login_name, next=target), 400


def _logged_in(session, user, target: str | None):  # type: ignore[no-untyped-def]
    """The user's new session (ending this browser's old one), on the way to the page asked for."""
    old = g.get("session_token")
    if old:
        end_session(session, old)
    response = redirect(target or url_for("auth.home"))
    set_private_cookie(response, "SESSION_COOKIE", start_session(session, user))
    return response


@bp.route("/login/code", methods=["GET", "POST"])
def code():  # type: ignore[no-untyped-def]
    """The second step of a login for the roles that need it: the authenticator's code (and,
    the first time, setting the authenticator up)."""
    session = db()
    token = request.cookies.get(current_app.config["CHALLENGE_COOKIE"], "")
    target = _safe_next(request.values.get("next"))
    challenge = challenge_of(session, token)
    if challenge is None:
        session.commit()  # an expired waiting login is gone
        response = redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
        clear_private_cookie(response, "CHALLENGE_COOKIE")
        return response
    errors = []
    if request.method == "POST":
        entered = request.form.get("code", "")[:20]
        if not entered.strip():
            errors.append(("code", "Введите код из приложения"))
        else:
            try:
                user = complete_challenge(session, token, entered)
            except LoginExpired as exc:
                session.commit()  # the failure counter, the lockout and the journal stay
                page = render_template("auth/login.html", errors=[("login", str(exc))], login="", next=target)
                response = make_response(page, 400)
                clear_private_cookie(response, "CHALLENGE_COOKIE")
                return response
            except LoginError as exc:
                session.commit()
                errors.append(("code", str(exc)))
            else:
                response = _logged_in(session, user, target)
                clear_private_cookie(response, "CHALLENGE_COOKIE")
                return response
    page = render_template(
        "auth/code.html",
        errors=errors,
        challenge=challenge,
        secret=grouped(challenge.secret) if challenge.secret else None,
        uri=provisioning_uri(challenge.secret, challenge.login) if challenge.secret else None,
        next=target,
    )
    return page, 400 if errors else 200


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    token = g.get("session_token")
    if token:
        end_session(db(), token)
    response = redirect(url_for("auth.login"))
    clear_private_cookie(response, "SESSION_COOKIE")
    return response
