"""Blueprints, one per area, and the template helpers they share."""

from __future__ import annotations

from flask import Flask

from registry.access import ROLES
from webapp import formatting
from webapp.security import current_actor
from webapp.tracehtml import trace_html

# The navigation of each role: (endpoint, title).
NAVIGATION = {
    "specialist": [("staff.search", "Поиск граждан"), ("audit.calculations", "История расчетов")],
    "payment_officer": [("staff.search", "Поиск граждан")],
    "methodologist": [
        ("methodology.rules", "Правила"),
        ("methodology.measures", "Меры"),
        ("methodology.parameters", "Параметры"),
        ("methodology.diff", "Сравнение версий"),
        ("methodology.whatif", "Что если"),
        ("methodology.reference", "Справочники"),
    ],
    "auditor": [
        ("audit.calculations", "История расчетов"),
        ("audit.log", "Журнал изменений"),
        ("methodology.rules", "Правила"),
        ("methodology.measures", "Меры"),
        ("staff.search", "Поиск граждан"),
    ],
    "administrator": [
        ("admin.users", "Пользователи"),
        ("methodology.reference", "Справочники"),
        ("audit.log", "Журнал изменений"),
        ("methodology.rules", "Правила"),
    ],
}


def init_app(app: Flask) -> None:
    from webapp import admin, api, audit, auth, methodology, staff

    for module in (auth, staff, methodology, audit, admin, api):
        app.register_blueprint(module.bp)
    formatting.init_app(app)
    app.jinja_env.globals["trace_html"] = trace_html

    @app.context_processor
    def _common():  # type: ignore[no-untyped-def]
        actor = current_actor()
        return {
            "actor": actor,
            "navigation": NAVIGATION.get(actor.role, []) if actor else [],
            "role_titles": ROLES,
        }
