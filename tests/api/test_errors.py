"""The error format: JSON everywhere under /api, never a 500 with a stack trace."""
from .conftest import new_project


def _is_error(r, status, code=None):
    body = r.get_json()
    assert r.status_code == status, (r.status_code, body)
    assert set(body) >= {"error", "message", "fields"} and isinstance(body["fields"], dict)
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["error"] == code
    return body


def test_unknown_route_and_wrong_method(api):
    _is_error(api.as_("sgj").get("/api/nothing-here"), 404)
    _is_error(api.as_("sgj").put("/api/projects"), 405)
    _is_error(api.as_("sgj").get("/api/projects/abc"), 404)


def test_malformed_json_is_400(api, simple):
    for path in ("/api/projects", "/api/auth/token", "/api/notifications/read", "/api/models"):
        _is_error(api.as_("analyst").post(path, data="{not json", content_type="application/json"), 400, "bad_request")


def test_unexpected_errors_are_a_bare_500(api, simple, monkeypatch):
    from webapp.services import projects

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/app.py line 42")

    monkeypatch.setattr(projects, "list_projects", boom)
    r = api.as_("sgj").get("/api/projects")
    body = _is_error(r, 500, "internal_error")
    text = r.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["fields"] == {}


def test_unknown_ids_are_404(api, simple):
    sgj = api.as_("admin")
    _is_error(sgj.get("/api/tasks/not-a-task"), 404, "not_found")
    _is_error(sgj.get("/api/tasks/" + "x" * 300), 404)
    _is_error(sgj.post("/api/instances/424242/suspend"), 404)
    _is_error(sgj.post("/api/incidents/424242/retry"), 404)
    _is_error(sgj.get("/api/files/00000000-0000-0000-0000-000000000000"), 404)


def test_state_conflicts_are_409(api, simple):
    project = new_project(api)
    admin = api.as_("admin")
    _is_error(admin.post(f"/api/instances/{project['instance_id']}/resume"), 409, "conflict")
    assert admin.post(f"/api/instances/{project['instance_id']}/terminate").status_code == 200
    _is_error(admin.post(f"/api/instances/{project['instance_id']}/terminate"), 409, "conflict")


def test_reason_must_be_text(api, simple):
    project = new_project(api)
    _is_error(api.as_("admin").post(f"/api/instances/{project['instance_id']}/suspend", json={"reason": [1]}), 422)


def test_responses_are_utf8_chinese(api):
    r = api.client.post("/api/auth/token", json={"username": "x", "password": "y"})
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("application/json")
