"""The Flask application: staff web app, admin cockpit, modeler, reports and the JSON API."""
from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import event
from werkzeug.routing import IntegerConverter

from engine.db import INT_MAX, db

from . import config

migrate = Migrate()


def create_app(overrides=None):
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its routes
    config.load(app, overrides)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MODEL_ROOT"] + "/migrations"))
    with app.app_context():
        _tune_sqlite(db.engine)

    from . import models  # noqa: F401  (register the domain tables with the metadata)
    from .cli import register_cli

    register_cli(app)
    _register_web(app)
    return app


def _digits_up_to(limit):
    """A regex for the decimal numbers 0..limit (so the router never hands a view a larger one)."""
    text = str(limit)
    alternatives = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 and len(text) > 1 else 0
        if int(digit) > low:
            alternatives.append(f"{text[:i]}[{low}-{int(digit) - 1}]\\d{{{len(text) - i - 1}}}")
    return "(?:" + "|".join([*alternatives, text]) + ")"


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond the database's INTEGER is no row's id, so the URL matches no
    route (404) instead of reaching a query the driver cannot bind (a 500). The bound is in the regex, not only
    in to_python: werkzeug answers a converter's refusal with 405 when another method's rule has the same path."""

    regex = _digits_up_to(INT_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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
