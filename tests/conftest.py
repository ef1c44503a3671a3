"""Shared fixtures: one app per test session on SQLite (default) or PostgreSQL (DATABASE_URL)."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_FIXTURES = ROOT / "tests" / "fixtures" / "engine"


def _admin_engine(url):
    import sqlalchemy as sa

    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite in a temp dir, or a fresh PostgreSQL database of this session's own beside DATABASE_URL's."""
    url = os.environ.get("DATABASE_URL")
    if not (url and url.startswith("postgres")):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    import sqlalchemy as sa

    name = f"egov_test_{os.getpid()}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    os.environ["DATABASE_URL"] = database_url  # also seen by CLI runs and child processes of the tests
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_INTERVAL": 0.2})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    yield app
    with app.app_context():
        from engine.db import db as database

        database.session.remove()
        database.engine.dispose()


@pytest.fixture
def db(app):
    """An app context over empty tables; everything a test wrote is wiped afterwards."""
    from engine import registry, workcalendar
    from engine.db import db as database

    with app.app_context():
        yield database
        database.session.rollback()
        with database.engine.begin() as conn:
            for table in reversed(database.metadata.sorted_tables):
                conn.execute(table.delete())
        registry.load_specs.cache_clear()
        registry.load_form.cache_clear()
        workcalendar.invalidate()


@pytest.fixture
def deployed(db):
    """The engine test diagrams under tests/fixtures/engine, deployed as version 1."""
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(ENGINE_FIXTURES), actor="test")
    return version


@pytest.fixture
def actor():
    """actor("dept_gaj", "dept:gaj") -> an engine Actor with those groups."""
    from engine.runtime import Actor

    return lambda username, *groups: Actor(username, frozenset(groups))
