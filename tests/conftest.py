"""Shared fixtures: one app per test session on SQLite (default) or PostgreSQL (DATABASE_URL)."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_FIXTURES = ROOT / "tests" / "fixtures" / "engine"


def _fresh_postgres(url):
    """Drop everything in the test database so migrations start from empty."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        _fresh_postgres(url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_INTERVAL": 0.2})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


@pytest.fixture
def db(app):
    """An app context over empty tables; everything a test wrote is wiped afterwards."""
    from engine import registry
    from engine.db import db as database

    with app.app_context():
        yield database
        database.session.rollback()
        with database.engine.begin() as conn:
            for table in reversed(database.metadata.sorted_tables):
                conn.execute(table.delete())
        registry.load_specs.cache_clear()
        registry.load_form.cache_clear()


@pytest.fixture
def deployed(db):
    """The engine test diagrams under tests/fixtures/engine, deployed as version 1."""
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(ENGINE_FIXTURES), actor="test")
    return version


def actor(username, *groups):
    from engine.runtime import Actor

    return Actor(username, frozenset(groups))
