"""The administrator's pages: users, their roles and territorial scope, their sessions and API
tokens. Forms read only the fields listed here (no mass assignment); invalid input comes back
with status 400 and nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from registry import staff
from registry.access import ROLES
from registry.history import municipalities
from registry.models import User
from registry.people import RegisterError
from registry.second_factor import reset_second_factor
from registry.staff import PASSWORD_MAX, PASSWORD_MIN, UserForm, as_utc
from webapp.database import db
from webapp.security import actor_required, current_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")

MANAGE = "users.manage"


def _user_form(login: str) -> UserForm:
    """The user form from the request: these fields and no others."""
    form = request.form
    return UserForm(
        login=login,
        full_name=form.get("full_name", "").strip()[:200],
        role=form.get("role", "").strip()[:20],
        municipalities=tuple(code.strip()[:11] for code in form.getlist("municipalities")[:200] if code.strip()),
        whole_region=form.get("whole_region") == "1",
        active=form.get("active") == "1",
        password=form.get("password", "")[: PASSWORD_MAX + 1],
    )


def _shown(form: UserForm) -> dict[str, Any]:
    """The values to show in the form again (never the password)."""
    return {
        "login": form.login,
        "full_name": form.full_name,
        "role": form.role,
        "municipalities": set(form.municipalities),
        "whole_region": form.whole_region,
        "active": form.active,
    }


def _of(user: User, scope: tuple[str, ...]) -> dict[str, Any]:
    return {
        "login": user.login,
        "full_name": user.full_name,
        "role": user.role,
        "municipalities": set(scope),
        "whole_region": user.whole_region,
        "active": user.active,
    }


def _choices() -> dict[str, Any]:
    return {
        "roles": list(ROLES.items()),
        "municipalities": municipalities(db()),
        "password_hint": f"Не короче {PASSWORD_MIN} символов; лучше фраза из нескольких слов. Логин в пароле нельзя.",
    }


@bp.get("/")
@actor_required(MANAGE)
def users():  # type: ignore[no-untyped-def]
    found = staff.list_users(db(), current_actor())
    names = dict(municipalities(db()))
    now = datetime.now(UTC)
    rows = []
    for user, scope in found:
        locked = as_utc(user.locked_until)
        rows.append(
            {
                "id": user.id,
                "login": user.login,
                "full_name": user.full_name,
                "role": ROLES.get(user.role, user.role),
                "scope": "весь регион" if user.whole_region else ", ".join(names.get(code, code) for code in scope),
                "active": user.active,
                "locked_until": locked if locked is not None and locked > now else None,
                "second_factor": user.totp_secret is not None,
            }
        )
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@actor_required(MANAGE)
def new_user():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        blank = _shown(UserForm("", "", "", (), whole_region=False, active=True))
        return render_template("admin/user_form.html", user=None, form=blank, errors=[], **_choices())
    entered = _user_form(request.form.get("login", "").strip()[:65])
    try:
        user = staff.create_user(db(), current_actor(), entered)
    except RegisterError as exc:
        page = render_template(
            "admin/user_form.html", user=None, form=_shown(entered), errors=exc.problems, **_choices()
        )
        return page, 400
    return redirect(url_for("admin.edit_user", user_id=user.id, done="created"), 303)


def _edit_page(user_id: int, errors: list[tuple[str, str]], form: dict[str, Any] | None = None, **extra: Any) -> str:
    """The user's page: the form, the sessions button and the API tokens."""
    actor = current_actor()
    user, scope = staff.get_user(db(), actor, user_id)
    tokens = staff.tokens_of(db(), actor, user_id)
    return render_template(
        "admin/user_form.html",
        user=user,
        form=form or _of(user, scope),
        errors=errors,
        tokens=tokens,
        is_self=actor is not None and actor.user_id == user.id,
        second_factor_roles=current_app.config["SECOND_FACTOR_ROLES"],
        token_refused=staff.API_REFUSED_FOR_SECOND_FACTOR,
        **_choices(),
        **extra,
    )


NOTICES = {
    "created": "Пользователь создан.",
    "saved": "Изменения сохранены.",
    "sessions": "Все сеансы пользователя завершены: ему нужно войти заново.",
    "revoked": "Токен отозван: с ним больше нельзя обратиться к API.",
    "second_factor": (
        "Второй фактор сброшен: при следующем входе пользователь подключит приложение-аутентификатор заново."
    ),
}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@actor_required(MANAGE)
def edit_user(user_id: int):  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _edit_page(user_id, [], notice=NOTICES.get(request.args.get("done", "")))
    actor = current_actor()
    user, _scope = staff.get_user(db(), actor, user_id)
    form = _user_form(user.login)  # the login never changes
    try:
        staff.update_user(db(), actor, user_id, form)
    except RegisterError as exc:
        return _edit_page(user_id, exc.problems, _shown(form)), 400
    return redirect(url_for("admin.edit_user", user_id=user_id, done="saved"), 303)


@bp.post("/users/<int:user_id>/sessions/end")
@actor_required(MANAGE)
def end_user_sessions(user_id: int):  # type: ignore[no-untyped-def]
    staff.end_user_sessions(db(), current_actor(), user_id)
    return redirect(url_for("admin.edit_user", user_id=user_id, done="sessions"), 303)


@bp.post("/users/<int:user_id>/second-factor/reset")
@actor_required(MANAGE)
def reset_user_second_factor(user_id: int):  # type: ignore[no-untyped-def]
    reset_second_factor(db(), current_actor(), user_id)
    return redirect(url_for("admin.edit_user", user_id=user_id, done="second_factor"), 303)


@bp.post("/users/<int:user_id>/tokens")
@actor_required(MANAGE)
def issue_token(user_id: int):  # type: ignore[no-untyped-def]
    name = request.form.get("name", "").strip()[:100]
    try:
        token = staff.issue_token(db(), current_actor(), user_id, name, current_app.config["SECOND_FACTOR_ROLES"])
    except RegisterError as exc:
        return _edit_page(user_id, exc.problems, token_name=name), 400
    # shown on this response only: the database keeps its hash
    return _edit_page(user_id, [], new_token=token, token_name="")


@bp.post("/tokens/<int:token_id>/revoke")
@actor_required(MANAGE)
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    staff.revoke_token(db(), current_actor(), token_id)
    back = request.form.get("user_id", "")
    if back.isascii() and back.isdigit() and len(back) < 12:
        return redirect(url_for("admin.edit_user", user_id=int(back), done="revoked"), 303)
    return redirect(url_for("admin.users"), 303)
