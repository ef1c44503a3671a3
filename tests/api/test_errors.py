"""The error format: JSON everywhere under /api, never a 500 with a stack trace."""
import io

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
    from webapp.projects import services as projects

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


BIG = "99999999999999999999999"  # beyond 64 bits: SQLite cannot bind it; beyond int4: PostgreSQL refuses it


def test_numbers_beyond_the_databases_integers_are_4xx_not_500(api, real_model, db):
    """Found by tests/api/test_fuzz.py: an id or number too large for an INTEGER column was a 500 nearly
    everywhere (path ids, ?page=, filters, ids in bodies). Now: no such row (404) or a bad value (400/422)."""
    from .conftest import counts, open_task

    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    before = counts(db)
    for n in (BIG, str(2**31)):
        for who, method, url, kwargs, statuses in [
            ("admin", "get", f"/api/projects/{n}", {}, {404}),
            ("admin", "get", f"/api/instances/{n}", {}, {404}),
            ("admin", "post", f"/api/instances/{n}/suspend", {}, {404}),
            ("admin", "post", f"/api/incidents/{n}/retry", {}, {404}),
            ("analyst", "get", f"/api/models/{n}/file?name=x", {}, {404}),
            ("analyst", "delete", f"/api/drafts/{n}", {}, {404}),  # not 405: the router refuses the number itself
            ("sgj", "get", f"/api/inspections/{n}", {}, {404}),
            ("admin", "get", f"/api/projects?page={n}", {}, {400}),
            ("admin", "get", f"/api/projects?year={n}", {}, {422}),
            ("admin", "get", f"/api/tasks?project_id={n}", {}, {422}),
            ("admin", "get", f"/api/cockpit/instances?project_id={n}", {}, {422}),
            ("admin", "get", f"/api/cockpit/counts?version={n}", {}, {422}),
            ("admin", "get", f"/api/reports/plan?year={n}", {}, {400}),
            ("admin", "get", f"/api/reports/funds?year={n}", {}, {400}),
            ("admin", "get", f"/api/instances/{project['instance_id']}/migration?version_id={n}", {}, {400}),
            ("admin", "post", f"/api/instances/{project['instance_id']}/migrate", {"json": {"version_id": int(n)}},
             {409}),
            ("admin", "post", "/api/instances/bulk", {"json": {"action": "suspend", "ids": [int(n)]}}, {200}),
            ("analyst", "post", "/api/drafts", {"json": {"name": "forms/x.schema.json", "content": "{}",
                                                         "base_version_id": int(n)}}, {404}),
            ("analyst", "post", "/api/drafts", {"json": {"name": "forms/x.schema.json", "content": "{}",
                                                         "draft_id": int(n)}}, {404}),
            ("analyst", "post", "/api/drafts/deploy", {"json": {"drafts": [int(n)]}}, {404}),
            ("sgj", "post", "/api/inspections", {"json": {"project_id": int(n), "reason": "x", "requirements": "y",
                                                          "deadline": "2027-01-01"}}, {404, 422}),
            ("dept_gaj", "post", "/api/files", {"data": {"file": (io.BytesIO(b"hello"), "a.txt"), "project_id": n}},
             {404}),
            ("dept_gaj", "post", "/api/notifications/read", {"json": {"ids": [int(n)]}}, {200}),
        ]:
            r = getattr(api.as_(who), method)(url, **kwargs)
            assert r.status_code in statuses, (method, url, r.status_code, r.get_json())
            if r.status_code >= 400:
                _is_error(r, r.status_code)
    assert api.as_("admin").get(f"/api/projects/{project['id']}").status_code == 200
    draft = api.as_("analyst").post("/api/drafts", json={"name": "forms/x.schema.json", "content": "{}",
                                                         "base_version_id": -1})
    _is_error(draft, 404)
    assert counts(db) == before and task


def test_model_file_names_must_be_text(api, real_model):
    """Found by the fuzzer: a number as the file name of a draft was a 500."""
    for path in ("/api/drafts/validate", "/api/drafts"):
        body = _is_error(api.as_("analyst").post(path, json={"name": 1986408729196438.0, "content": "{}"}), 422)
        assert "name" in body["fields"]
    body = _is_error(api.as_("analyst").post("/api/drafts", json={"name": "forms/x.schema.json", "content": "{}",
                                                                  "note": {"a": 1}}), 422)
    assert "note" in body["fields"]


def test_nul_characters_are_refused_before_they_reach_the_database(api, real_model, db):
    """Found by tests/api/test_fuzz.py on PostgreSQL: a NUL (U+0000) in a login name, a filter or a path id was
    a 500 there ("A string literal cannot contain NUL") and was kept silently by SQLite."""
    from .conftest import counts

    project = new_project(api)
    before = counts(db)
    r = api.client.post("/api/auth/token", json={"username": "\x00sgj", "password": "x"})
    _is_error(r, 400, "bad_request")
    assert _is_error(api.as_("admin").get("/api/cockpit/instances?department=%00gaj"), 400)["fields"] == {
        "department": "含有空字符"}
    _is_error(api.as_("dept_gaj").get("/api/tasks?stage=%0C%00"), 400)
    _is_error(api.as_("dept_gaj").get("/api/tasks/abc%00"), 404)
    _is_error(api.as_("dept_gaj").post("/api/projects", json={"name": "视频\x00云", "build_year": 2027}), 400)
    _is_error(api.as_("dept_gaj").post("/api/files", data={"file": (io.BytesIO(b"hello"), "a\x00.txt")}), 400)
    _is_error(api.client.get("/api/tasks?q=%00"), 401)  # authentication first
    assert counts(db) == before and project


def test_a_multipart_part_without_a_name_is_not_a_500(api):
    """Found by the fuzzer: the NUL check met a form part whose Content-Disposition has no name."""
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
            b"--b\r\nContent-Disposition: form-data; filename=\"a.txt\"\r\n\r\nhello\r\n--b--\r\n")
    for path in ("/api/files", "/api/models"):
        r = api.as_("analyst").post(path, data=body, content_type="multipart/form-data; boundary=b")
        assert r.status_code in (400, 422), (path, r.status_code, r.get_json())
        _is_error(r, r.status_code)
