"""Configuration: defaults, then ``instance/config.py``, then ``MERA_*`` environment variables,
then the test configuration. Production refuses to start with an insecure setting."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from registry.access import ROLES
from registry.second_factor import SECOND_FACTOR_ROLES

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: $MERA_DATABASE_URL, else the embedded SQLite file
    "RULES_DIR": None,  # None: $MERA_RULES, else ./rules
    "RULES_WATCH": True,  # hot reload on file change
    "DRAFTS_DIR": None,  # where methodologists keep draft rule folders (default: instance/drafts)
    "SECRET_KEY": None,  # None: a random key per process (sessions live in the database anyway)
    "COOKIE_SECURE": True,  # Secure cookies with the __Host- prefix; the demo over plain http turns it off
    "LOGIN_RATE_LIMIT": 30,  # login attempts per client address per 5 minutes
    "WHATIF_PER_USER": 1,  # what-if runs a user may have at once
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "PRODUCTION": False,
    "TIMEZONE": "Europe/Samara",  # moments (calculations, journal entries) are shown in the office's time
    # roles that log in with an authenticator's code after the password (comma-separated in
    # MERA_SECOND_FACTOR_ROLES); production refuses to leave out these two
    "SECOND_FACTOR_ROLES": ",".join(sorted(SECOND_FACTOR_ROLES)),
}

_BOOLEAN = {"RULES_WATCH", "COOKIE_SECURE", "PRODUCTION"}
_INTEGER = {"LOGIN_RATE_LIMIT", "WHATIF_PER_USER", "MAX_CONTENT_LENGTH"}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """``MERA_<KEY>`` for every key of the defaults, typed like the default."""
    environ = dict(os.environ if environ is None else environ)
    found: dict[str, Any] = {}
    for key in DEFAULTS:
        value = environ.get(f"MERA_{key}")
        if value is None:
            continue
        if key in _BOOLEAN:
            found[key] = value.strip().lower() in ("1", "true", "yes", "on")
        elif key in _INTEGER:
            found[key] = int(value)
        else:
            found[key] = value
    return found


def finish(config: dict[str, Any], instance_path: str) -> None:
    """Fill what is derived, and refuse insecure production settings."""
    if not config.get("SECRET_KEY"):
        if config.get("PRODUCTION"):
            raise RuntimeError("MERA_SECRET_KEY must be set in production")
        config["SECRET_KEY"] = secrets.token_hex(32)
    if config.get("PRODUCTION") and not config.get("COOKIE_SECURE"):
        raise RuntimeError("production needs secure cookies (MERA_COOKIE_SECURE=true, served over HTTPS)")
    roles = config.get("SECOND_FACTOR_ROLES") or ()
    if isinstance(roles, str):
        roles = [role.strip() for role in roles.split(",") if role.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise RuntimeError(f"MERA_SECOND_FACTOR_ROLES names unknown roles: {', '.join(unknown)}")
    config["SECOND_FACTOR_ROLES"] = frozenset(roles)
    if config.get("PRODUCTION") and not config["SECOND_FACTOR_ROLES"] >= SECOND_FACTOR_ROLES:
        raise RuntimeError("production needs the second factor for the administrator and the payment officer")
    if not config.get("DRAFTS_DIR"):
        config["DRAFTS_DIR"] = str(Path(instance_path) / "drafts")
    config["SESSION_COOKIE"] = "__Host-mera-session" if config["COOKIE_SECURE"] else "mera-session"
    config["CSRF_COOKIE"] = "__Host-mera-csrf" if config["COOKIE_SECURE"] else "mera-csrf"
    config["CHALLENGE_COOKIE"] = "__Host-mera-login" if config["COOKIE_SECURE"] else "mera-login"
