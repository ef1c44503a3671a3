"""Shared fixtures: one app per test session on SQLite (default) or PostgreSQL (DATABASE_URL); the real
model deployed; the app served live to Debian's Chromium through Playwright."""
import os
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
ENGINE_FIXTURES = ROOT / "tests" / "fixtures" / "engine"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


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


class SentClient(FlaskClient):
    """Reads each answer whole and closes it, as a WSGI server does once it has sent it, so the work that waits
    for the close (the audit seal) runs as it does in production."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    os.environ["DATABASE_URL"] = database_url  # also seen by CLI runs and child processes of the tests
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_INTERVAL": 0.2})
    app.test_client_class = SentClient
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


def deploy_model_dir(folder):
    """Deploy the diagrams and forms under `folder` (bpmn/, forms/) as the latest version."""
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(folder), actor="test")
    return version


@pytest.fixture
def deployed(db):
    """The engine test diagrams under tests/fixtures/engine, deployed as version 1."""
    return deploy_model_dir(ENGINE_FIXTURES)


@pytest.fixture
def actor():
    """actor("dept_gaj", "dept:gaj") -> an engine Actor with those groups."""
    from engine.runtime import Actor

    return lambda username, *groups: Actor(username, frozenset(groups))


@pytest.fixture
def real_model(db):
    """The model under bpmn/ and forms/, deployed as the latest version."""
    return deploy_model_dir(ROOT)


@pytest.fixture
def live_server(app, db, monkeypatch):
    """The session's app served in a thread, with CSRF on (the browser posts real tokens); yields its URL.

    The session app is reused because create_app is not meant to run twice in one process; the `db`
    fixture wipes the tables afterwards.
    """
    from werkzeug.serving import make_server

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def demo_server(app, live_server):
    """live_server after `flask seed-demo` and `flask models deploy`: the demo users on the real model."""
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    deployed = runner.invoke(args=["models", "deploy"])
    assert deployed.exit_code == 0, deployed.output
    return live_server


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (skips where it is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser):
    """A fresh zh-CN page, 1400×900, that accepts downloads."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", accept_downloads=True)
    yield context.new_page()
    context.close()


def wait_until(page, expression, timeout=10.0):
    """Poll a JavaScript expression until it is truthy. Playwright's wait_for_function compiles its predicate
    inside the page, which our Content-Security-Policy (no 'unsafe-eval') forbids; evaluate() does not."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"页面条件在 {timeout} 秒内未满足：{expression}")
        time.sleep(0.1)


@pytest.fixture
def writes_before_each_script(monkeypatch):
    """run(action) -> (for each script the action runs: how many rows its transaction had written by then,
    the writes, the action's result). State is committed first, so only the action's own writes count."""
    from sqlalchemy import event

    from engine import scripting
    from engine.db import db

    def run(action):
        writes, seen = [], []

        def count(_conn, _cursor, statement, *_):
            if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
                writes.append(statement.split(None, 3)[:3])

        real_execute = scripting.ScriptEngine.execute

        def execute(self, task, script, external_context=None):
            seen.append(len(writes))
            return real_execute(self, task, script, external_context)

        db.session.commit()
        with monkeypatch.context() as patch:
            patch.setattr(scripting.ScriptEngine, "execute", execute)
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                result = action()
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return seen, writes, result

    return run
