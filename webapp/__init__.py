"""The Flask application: staff web app, admin cockpit, modeler, reports and the JSON API."""
from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import event

from engine import clock
from engine.db import db

from . import config

migrate = Migrate()


def create_app(overrides=None):
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, overrides)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MODEL_ROOT"] + "/migrations"))
    with app.app_context():
        _tune_sqlite(db.engine)
    clock.install_into_spiff()

    from . import models  # noqa: F401  (register the domain tables with the metadata)
    from .cli import register_cli

    register_cli(app)
    _register_web(app)
    return app


def _register_web(app):
    """Blueprints are added as they are built; importing lazily keeps the CLI light."""
    try:
        from .web import register
    except ImportError:
        return
    register(app)


def _tune_sqlite(engine):
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
