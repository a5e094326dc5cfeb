"""Tabel: the application factory. Configuration, extensions, blueprints, CLI; nothing else."""
from __future__ import annotations

import gc
import os
from pathlib import Path

from flask import Flask

import models  # noqa: F401  (registers the tables before Migrate looks at them)
from blueprints import register_blueprints
from blueprints.parse import NulFreeRequest
from blueprints.server import init_server
from blueprints.web import init_web, select_locale
from commands import register_commands
from config import default_config
from extensions import babel, csrf, db, login_manager, migrate
from services import clock


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app; test_config replaces the defaults (used by the tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = NulFreeRequest  # PostgreSQL text cannot hold NUL: dropped on arrival
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=clock.zone_name)
    init_server(app)
    init_web(app)
    register_blueprints(app)
    register_commands(app)
    if not app.testing:
        # Start-up objects never die: keep them out of every full garbage collection, which
        # otherwise stalls a request now and then (seen as the grid page's p95).
        gc.freeze()
    return app
