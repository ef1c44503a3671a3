"""The Flask application: one package per area (AREAS) on a shared kernel (webapp.core).

Each area registers its blueprints, API routes, models, scheduler jobs and hooks in its own
`init_app(app)`; the factory imports the areas by name, so the core never imports an area. A new area
is a package with an init_app, added to AREAS (after the areas it uses).
"""
import importlib

from flask import Flask
from flask_migrate import Migrate

from engine.db import db

from .core import config, dbstats, extensions
from .core.app import RowIdConverter, finish_web, install_web, ping_when_idle, tune_sqlite
from .core.cli import register_cli

migrate = Migrate()

# In dependency order: an area may use the services of the areas before it, never of those after it.
AREAS = ("accounts", "notify", "files", "oversight", "projects", "worklist", "modeler", "cockpit", "ops")


def create_app(overrides=None):
    app = Flask(__name__, instance_relative_config=True, template_folder="core/templates")
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its routes
    config.load(app, overrides)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MODEL_ROOT"] + "/migrations"))
    with app.app_context():
        tune_sqlite(db.engine)
        ping_when_idle(db.engine)

    from .core import models  # noqa: F401  (the shared tables; each area's init_app brings its own)

    register_cli(app)
    extensions.add(app, "periodic_job", (dbstats.scheduled_refresh, dbstats.DAILY_MINUTES))
    install_web(app)
    for name in AREAS:
        importlib.import_module(f"{__name__}.{name}").init_app(app)
    finish_web(app)
    return app
