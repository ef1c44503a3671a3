"""UI fixtures: demo users (fast hashes), the small UI model (tests/ui/model), a logged-in test client."""
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from webapp.accounts.cli import DEMO_USERS, DEPARTMENTS

PASSWORD = "demo-pass-2026"
MODEL = Path(__file__).resolve().parent / "model"
_HASH = {}


@pytest.fixture
def users(db):
    from engine.runtime import unit_of_work
    from webapp.accounts.models import User
    from webapp.core.models import Department

    if "h" not in _HASH:  # seed-demo's scrypt is slow on purpose; tests log in dozens of times
        _HASH["h"] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with unit_of_work():
        for code, name in DEPARTMENTS.items():
            db.session.add(Department(code=code, name=name))
        db.session.flush()
        for username, display, dept, groups in DEMO_USERS:
            user = User(username=username, display_name=display, department_code=dept, password_hash=_HASH["h"])
            db.session.add(user)
            db.session.flush()
            user.set_groups(groups)
    return {u[0]: u for u in DEMO_USERS}


@pytest.fixture
def model(app, db, monkeypatch):
    """The UI test model deployed; new projects start its process `uiflow`."""
    from engine import registry
    from engine.runtime import unit_of_work

    with unit_of_work():
        version, _ = registry.deploy(registry.read_model_dir(MODEL), actor="test")
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "uiflow")
    return version


class _Client(FlaskClient):
    """The `db` fixture keeps one app context open, so requests share `g`; Flask-Login caches the user
    there. Forget it before every request so each client acts as its own session's user."""

    def open(self, *args, **kwargs):
        from flask import g

        g.pop("_login_user", None)
        g.pop("dept_names", None)
        return super().open(*args, **kwargs)


class Browser:
    """A test client per user, logged in through the login form."""

    def __init__(self, app):
        self.app = app
        self.clients = {}

    def as_(self, username):
        if username not in self.clients:
            client = _Client(self.app, self.app.response_class, use_cookies=True)
            r = client.post("/login", data={"username": username, "password": PASSWORD})
            assert r.status_code == 302, r.get_data(as_text=True)[:500]
            self.clients[username] = client
        return self.clients[username]


@pytest.fixture
def web(app, users):
    return Browser(app)


def create_project(web, user="dept_gaj", name="公安视频云平台", year="2027", budget="300"):
    r = web.as_(user).post("/projects/new", data={"name": name, "build_year": year, "budget_wan": budget})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def open_task_id(user, project_id=None):
    """The id of the first open task the user's groups hold (optionally on one project)."""
    from engine.db import db
    from engine.models import TaskIndex
    from webapp.accounts.models import User

    account = db.session.execute(db.select(User).filter_by(username=user)).scalar()
    query = db.select(TaskIndex).where(TaskIndex.state == "ready", TaskIndex.group_code.in_(sorted(account.groups)))
    if project_id is not None:
        query = query.where(TaskIndex.project_id == project_id)
    task = db.session.execute(query.order_by(TaskIndex.created_at)).scalars().first()
    assert task is not None, f"{user} has no open task"
    return task.id
