"""The rules the application serves: one ``LiveRules`` per application, hot-reloaded from the
rules folder by the engine's watcher, and every live version stored in the database."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from engine import LiveRules, ReloadAttempt, RuleSet
from engine.cli.common import default_rules_dir
from registry.db import transaction
from registry.rulesets import store_ruleset

log = logging.getLogger("mera.web")


def init_app(app: Flask) -> None:
    root = app.config.get("RULES_DIR") or default_rules_dir()
    engine = app.extensions["mera.engine"]

    def remember(attempt: ReloadAttempt) -> None:
        if attempt.changed:
            try:
                with transaction(engine) as session:
                    store_ruleset(session, live.current)
            except Exception:  # the database may not be migrated yet; calculations store it again
                log.warning("could not store the rules version %s", attempt.version, exc_info=True)

    live = LiveRules(root, on_reload=remember)
    live.reload()
    if app.config.get("RULES_WATCH"):
        live.watch()
    app.extensions["mera.rules"] = live


def live_rules() -> LiveRules:
    return current_app.extensions["mera.rules"]


def ruleset() -> RuleSet:
    """The RuleSet serving now (a 503-free fallback is the last good one: LiveRules keeps it)."""
    return live_rules().current
