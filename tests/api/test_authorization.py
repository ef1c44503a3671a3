"""For every endpoint: a user who may not gets 401/403/404, in the error format, and nothing changes."""
import io

import pytest

from webapp.accounts.cli import DEMO_USERS

from .conftest import FILL, counts, new_project, open_task

PDF = b"%PDF-1.4 test"


@pytest.fixture
def world(api, simple, db):
    """A gaj project with an open task, a file on it, a failing instance with an incident."""
    from engine import runtime
    from engine.models import Incident

    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    r = api.as_("dept_gaj").post("/api/files", data={"file": (io.BytesIO(PDF), "方案.pdf"),
                                                     "project_id": str(project["id"])})
    assert r.status_code == 201
    with runtime.unit_of_work():
        runtime.start_instance("failing", data={"divisor": 0})
    incident = db.session.query(Incident).one()
    return {"project": project, "task": task, "file": r.get_json()["id"], "incident": incident.id,
            "version": simple.id}  # not always 1: PostgreSQL's sequences go on after the tables are emptied


def _calls(w):
    p, t, i = w["project"], w["task"]["id"], w["project"]["instance_id"]
    return [
        ("post", "/api/projects", {"json": {"name": "越权项目", "build_year": 2027}}),
        ("get", f"/api/projects/{p['id']}", {}),
        ("get", f"/api/tasks/{t}", {}),
        ("post", f"/api/tasks/{t}/claim", {}),
        ("post", f"/api/tasks/{t}/unclaim", {}),
        ("post", f"/api/tasks/{t}/complete", {"json": {"data": FILL}}),
        ("post", f"/api/tasks/{t}/draft", {"json": {"data": FILL}}),
        ("get", "/api/instances", {}),
        ("get", f"/api/instances/{i}", {}),
        ("post", f"/api/instances/{i}/suspend", {"json": {}}),
        ("post", f"/api/instances/{i}/resume", {"json": {}}),
        ("post", f"/api/instances/{i}/terminate", {"json": {}}),
        ("get", "/api/incidents", {}),
        ("post", f"/api/incidents/{w['incident']}/retry", {}),
        ("get", "/api/models", {}),
        ("get", f"/api/models/{w['version']}", {}),
        ("post", "/api/models", {"json": {"files": {"forms/x.schema.json": "{}"}}}),
        ("post", "/api/files", {"data": {"file": (io.BytesIO(PDF), "x.pdf"), "project_id": str(p["id"])}}),
        ("get", f"/api/files/{w['file']}", {}),
    ]


ROLES = [u[0] for u in DEMO_USERS]  # every role of the demo, one user each (two experts)
DEPT_GAJ_TASK = ["dept_gaj", "admin"]  # the task's department, and the administrator
# who may call each endpoint (by index in _calls); every other role is refused: the full role × endpoint matrix
ALLOWED = {
    0: ["dept_gaj", "dept_jyj"],
    1: ["dept_gaj", "sgj", "admin"],
    2: DEPT_GAJ_TASK,
    3: ["dept_gaj"],  # an administrator reassigns, he does not claim
    4: DEPT_GAJ_TASK,
    5: DEPT_GAJ_TASK,
    6: DEPT_GAJ_TASK,
    **{k: ["admin"] for k in range(7, 14)},
    14: ["analyst", "admin"],
    15: ["analyst", "admin"],
    16: ["analyst", "admin"],
    17: ["dept_gaj", "sgj", "admin"],
    18: ["dept_gaj", "sgj", "admin"],
}
DENIED = {k: [u for u in ROLES if u not in allowed] for k, allowed in ALLOWED.items()}


def test_every_endpoint_refuses_who_may_not(api, world, db):
    calls = _calls(world)
    assert set(ALLOWED) == set(range(len(calls)))
    for index, (method, path, kwargs) in enumerate(calls):
        for user in DENIED[index]:
            before = counts(db)
            fresh = {k: ({**v, "file": (io.BytesIO(PDF), "x.pdf")} if k == "data" else v) for k, v in kwargs.items()}
            r = getattr(api.as_(user), method)(path, **fresh)
            assert r.status_code in (403, 404), (user, method, path, r.status_code, r.get_json())
            body = r.get_json()
            assert set(body) == {"error", "message", "fields"}, body
            assert counts(db) == before, (user, method, path)


def test_every_endpoint_needs_authentication(app, world, db):
    client = app.test_client()
    for method, path, kwargs in _calls(world) + [("get", "/api/me", {}), ("get", "/api/tasks", {}),
                                                  ("get", "/api/projects", {}), ("get", "/api/notifications", {}),
                                                  ("post", "/api/notifications/read", {"json": {}})]:
        before = counts(db)
        r = getattr(client, method)(path, **kwargs)
        assert r.status_code == 401, (method, path)
        assert r.get_json()["error"] == "unauthorized"
        assert counts(db) == before


def test_the_allowed_users_get_through(api, world):
    """The same calls succeed for the right people (so the refusals above are about who, not what)."""
    p, t = world["project"], world["task"]["id"]
    assert api.as_("dept_gaj").get(f"/api/tasks/{t}").status_code == 200
    assert api.as_("admin").get(f"/api/tasks/{t}").status_code == 200
    assert api.as_("sgj").get(f"/api/files/{world['file']}").status_code == 200
    assert api.as_("analyst").get("/api/models").status_code == 200
    assert api.as_("admin").get(f"/api/instances/{p['instance_id']}").status_code == 200
    assert api.as_("admin").get("/api/incidents").get_json()["total"] == 1


def test_every_endpoint_lets_who_may_through(api, world):
    """The other half of the matrix: each allowed role passes authorization (a state conflict or a
    validation error may follow, as earlier calls change the project; a refusal may not)."""
    for index, (method, path, kwargs) in enumerate(_calls(world)):
        for user in ALLOWED[index]:
            fresh = {k: ({**v, "file": (io.BytesIO(PDF), "x.pdf")} if k == "data" else v) for k, v in kwargs.items()}
            r = getattr(api.as_(user), method)(path, **fresh)
            assert r.status_code not in (401, 403, 404), (user, method, path, r.status_code, r.get_json())
