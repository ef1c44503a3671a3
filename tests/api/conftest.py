"""API test fixtures: the demo users (fast password hashes), a client per user, the simple fixture model."""
import pytest
from werkzeug.security import generate_password_hash

from webapp.accounts.cli import DEMO_USERS, DEPARTMENTS, EXPERT_SPECIALTIES

PASSWORD = "demo-pass-2026"
_HASH = {}


def _fast_hash():
    # seed-demo uses werkzeug's default (scrypt, slow on purpose); tests need dozens of users per run.
    if "h" not in _HASH:
        _HASH["h"] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return _HASH["h"]


@pytest.fixture
def users(db):
    """Departments and one demo user per role, exactly as `flask seed-demo` names them."""
    from engine.runtime import unit_of_work
    from webapp.accounts.models import User
    from webapp.core.models import Department

    with unit_of_work():
        for code, name in DEPARTMENTS.items():
            db.session.add(Department(code=code, name=name))
        db.session.flush()
        for username, display, dept, groups in DEMO_USERS:
            user = User(username=username, display_name=display, department_code=dept, password_hash=_fast_hash(),
                        specialty=EXPERT_SPECIALTIES.get(username))
            db.session.add(user)
            db.session.flush()
            user.set_groups(groups)
    return {u[0]: u for u in DEMO_USERS}


class Api:
    """A test client that logs in by token once per user: api.as_("sgj").get("/api/tasks")."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens = {}

    def token(self, username):
        if username not in self.tokens:
            r = self.client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.get_json()
            self.tokens[username] = r.get_json()["token"]
        return self.tokens[username]

    def as_(self, username):
        return _As(self, username)


class _As:
    def __init__(self, api, username):
        self.api, self.username = api, username

    def _headers(self, kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["Authorization"] = f"Bearer {self.api.token(self.username)}"
        return headers

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "patch", "delete"):
            raise AttributeError(method)

        def call(path, **kwargs):
            return getattr(self.api.client, method)(path, headers=self._headers(kwargs), **kwargs)

        return call


@pytest.fixture
def api(app, users):
    return Api(app)


@pytest.fixture
def simple(app, deployed, monkeypatch):
    """Projects start the fixture process `simple` (lanes 项目建设主管部门 → 市数管局) instead of the lifecycle."""
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "simple")
    return deployed


FILL = {"amount_wan": 100, "own_funds_wan": 60, "other_funds_wan": 40, "note": "示例"}


def new_project(api, user="dept_gaj", name="公安视频云平台", build_year=2027, budget_wan=300):
    r = api.as_(user).post("/api/projects", json={"name": name, "build_year": build_year, "budget_wan": budget_wan})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def open_task(api, user, project_id):
    r = api.as_(user).get(f"/api/tasks?project_id={project_id}")
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    assert items, f"{user} has no task on project {project_id}"
    return items[0]


def counts(db):
    """Row counts of the tables a rejected request must not touch."""
    from engine.models import AuditEvent, Instance, Submission, TaskIndex
    from webapp.core.models import Project
    from webapp.files.models import StoredFile

    return {m.__name__: db.session.query(m).count() for m in (Project, Instance, TaskIndex, Submission, StoredFile)} | {
        "audit": db.session.query(AuditEvent).filter(AuditEvent.kind != "login").count()}
