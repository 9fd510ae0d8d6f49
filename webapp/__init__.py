"""The staff web application: a thin Flask layer over the engine, register and batch services.

``create_app(test_config=None)`` reads defaults, then ``instance/config.py``, then ``MERA_*``
environment variables, then the test configuration; registers one blueprint per area (auth,
staff, methodology, audit, admin, api); and starts the rules' hot reload.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from webapp import config as settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.path.abspath(os.environ.get("MERA_INSTANCE", "instance")))
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(settings.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    settings.finish(app.config, app.instance_path)

    from webapp import database, errors, live, security, views

    database.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    live.init_app(app)
    views.init_app(app)
    return app


__all__ = ["create_app"]
