"""Who is asking, and protections every response gets: server-side sessions from a cookie,
bearer tokens for the API, CSRF tokens on every form, a login rate limit per client address,
security headers, and the audit actor of the request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.exceptions import Forbidden, TooManyRequests

from registry.access import Actor, require
from registry.audit import acting_as
from registry.limits import allow_attempt
from registry.staff import resume_session, token_actor
from webapp.database import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_WINDOW = timedelta(minutes=5)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def current_actor() -> Actor | None:
    return g.get("actor")


def csrf_token() -> str:
    """The form token of this browser: bound to the login session, or to a pre-login cookie."""
    base = g.get("session_token") or g.get("csrf_seed")
    if not base:
        base = secrets.token_urlsafe(24)
        g.csrf_seed = base
        g.set_csrf_cookie = True
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, base.encode(), hashlib.sha256).hexdigest()


def _csrf_valid() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    base = g.get("session_token") or g.get("csrf_seed")
    if not base or not sent:
        return False
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.compare_digest(sent, hmac.new(key, base.encode(), hashlib.sha256).hexdigest())


def _is_api() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def _identify():  # type: ignore[no-untyped-def]
        g.actor = None
        if request.endpoint == "static":  # style sheets and scripts: nobody to identify, no database
            return
        if _is_api():
            header = request.headers.get("Authorization", "")
            if header.startswith("Bearer "):
                g.actor = token_actor(db(), header[7:].strip(), app.config["SECOND_FACTOR_ROLES"])
        else:
            token = request.cookies.get(app.config["SESSION_COOKIE"])
            if token:
                found = resume_session(db(), token)
                if found is not None:
                    g.user, g.actor = found
                    g.session_token = token
            g.csrf_seed = request.cookies.get(app.config["CSRF_COOKIE"])
            if request.method not in SAFE_METHODS and not _csrf_valid():
                raise Forbidden("Форма устарела или отправлена не из Меры: обновите страницу и отправьте ее еще раз.")
        g.audit_scope = acting_as(g.actor.login if g.actor else "anonymous")
        g.audit_scope.__enter__()

    @app.teardown_request
    def _forget(_error):  # type: ignore[no-untyped-def]
        scope = g.pop("audit_scope", None)
        if scope is not None:
            scope.__exit__(None, None, None)

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if g.get("set_csrf_cookie"):
            set_private_cookie(response, "CSRF_COOKIE", g.csrf_seed, samesite="Strict")
        return response


def set_private_cookie(response, name: str, token: str, samesite: str = "Lax", max_age: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """A cookie of this site only, never read by scripts: ``name`` is the config key of its name
    (``SESSION_COOKIE``, ``CSRF_COOKIE``, ``CHALLENGE_COOKIE``: ``__Host-`` names outside the demo)."""
    response.set_cookie(
        current_app.config[name],
        token,
        max_age=max_age,
        httponly=True,
        secure=current_app.config["COOKIE_SECURE"],
        samesite=samesite,
        path="/",
    )


def clear_private_cookie(response, name: str) -> None:  # type: ignore[no-untyped-def]
    response.delete_cookie(current_app.config[name], path="/", secure=current_app.config["COOKIE_SECURE"])


def login_allowed() -> bool:
    """Count a login attempt of the client's address: False once it made ``LOGIN_RATE_LIMIT`` in
    five minutes — in every process of the application together (``registry.limits``)."""
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    return allow_attempt(db(), "login", request.remote_addr or "?", limit, LOGIN_WINDOW)


def actor_required(permission: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page for logged-in users (and, given a permission, only for roles that have it).
    The services check again: this only spares a page that cannot work."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                if _is_api():
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
            if permission is not None:
                require(actor, permission)
            return view(*args, **kwargs)

        return wrapped

    return decorate


__all__ = [
    "TooManyRequests",
    "actor_required",
    "clear_private_cookie",
    "csrf_token",
    "current_actor",
    "login_allowed",
    "set_private_cookie",
]
