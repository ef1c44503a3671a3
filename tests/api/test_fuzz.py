"""Property-based fuzzing of the whole /api against its own OpenAPI document (schemathesis, in-process WSGI).

For every operation of /api/openapi.json, schemathesis generates valid and invalid requests (positive and
negative modes); each is sent as one of the demo users or with no token at all, sometimes with the path
parameters replaced by ids that exist (a seeded project, its instance and task, a file, a model version, a
draft), so that the happy paths are reached too. Every response must be: no 5xx; a status code the
document lists for the operation; the declared content type; a body that matches the declared schema; and,
for 4xx, the error shape of SPEC §5 ({"error", "message" in Chinese, "fields"}) and no change to the
projects, instances, tasks, submissions, files or audit trail. Calls without a token get 401 unless the
operation is public.

Bounded on purpose (20 examples per operation, derandomized, no deadline): the whole file runs in well under
two minutes on SQLite. EGOV_FUZZ_EXAMPLES=300 digs deeper by hand.
"""
import io
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api, counts, new_project, open_task
from tests.conftest import ROOT

WHO = (None, "dept_gaj", "sgj", "admin", "analyst")
CJK = re.compile(r"[\u4e00-\u9fff]")
PUBLIC = {("POST", "/api/auth/token"), ("GET", "/api/openapi.json"), ("GET", "/api/docs")}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def fuzz_world(app, api, real_model, db):
    """A small world to aim at: one lifecycle project of 市公安局 with its open task, a file; a second project
    whose instance the administrator's POST /api/instances/{id}/… (suspend, terminate, migrate…) aim at, so
    that terminating it does not leave the task operations nothing to work on."""
    project = new_project(api)
    victim = new_project(api, name="教育城域网改造")
    task = open_task(api, "dept_gaj", project["id"])
    upload = api.as_("dept_gaj").post("/api/files", data={"file": (io.BytesIO(PNG), "a.png"),
                                                            "project_id": str(project["id"])})
    assert upload.status_code == 201, upload.get_json()
    versions = api.as_("analyst").get("/api/models").get_json()["items"]
    form = sorted((ROOT / "forms").glob("*.schema.json"))[0]
    draft = api.as_("analyst").post("/api/drafts", json={"name": f"forms/{form.name}",
                                                         "content": form.read_text(encoding="utf-8")})
    assert draft.status_code == 201, draft.get_json()
    tokens = {who: api.token(who) for who in WHO if who}
    return {"tokens": tokens, "ids": {
        "project_id": project["id"], "instance_id": project["instance_id"], "task_id": task["id"],
        "file_id": upload.get_json()["id"], "version_id": versions[0]["id"],
        "draft_id": draft.get_json()["id"],
        "incident_id": 1, "inspection_id": 1}, "victim_instance_id": victim["instance_id"]}


@pytest.fixture
def fuzz_schema(app, fuzz_world):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


def error_shape(ctx, response, case):
    """4xx answers are SPEC §5's JSON error: {"error": code, "message": 中文, "fields": {...}}."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), "4xx 不是 JSON"
    body = response.json()
    assert isinstance(body, dict) and {"error", "message", "fields"} <= set(body), f"4xx 缺少错误字段：{body}"
    assert isinstance(body["error"], str) and isinstance(body["fields"], dict), body
    assert CJK.search(body["message"]), f"错误说明不是中文：{body['message']!r}"
    return True


@schema.parametrize()
@schema.given(who=st.sampled_from(WHO), aim=st.booleans())
@settings(max_examples=int(os.environ.get("EGOV_FUZZ_EXAMPLES", 20)), derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, who, aim, fuzz_world, app, db):
    if aim and case.path_parameters:
        ids = dict(fuzz_world["ids"])
        if case.method.upper() == "POST" and case.path.startswith("/api/instances/{instance_id}/"):
            ids["instance_id"] = fuzz_world["victim_instance_id"]
        case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
    token = fuzz_world["tokens"].get(who)
    if who and case.method.upper() == "DELETE" and case.path == "/api/auth/token":
        token = Api(app).token(who)  # revoke a token of its own, not the one the other cases use
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    before = counts(db)
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                              response_schema_conformance, error_shape], headers=headers)
    if response.status_code >= 400:
        assert counts(db) == before, f"{case.method} {case.path} 被拒绝（{response.status_code}）却改动了数据"
    if who is None and (case.method.upper(), case.path) not in PUBLIC and routed(app, case):
        assert response.status_code == 401, f"{case.method} {case.path} 未带令牌却得到 {response.status_code}"


def routed(app, case):
    """Whether the URL as sent reaches a route (a path parameter of the wrong type is a plain 404 first)."""
    from werkzeug.exceptions import HTTPException

    try:
        app.url_map.bind("localhost").match(case.formatted_path, case.method.upper())
    except HTTPException:
        return False
    return True
