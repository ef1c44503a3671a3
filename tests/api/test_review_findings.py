"""Regression tests for the outside security review's findings (issue 12, item 1)."""
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from .conftest import FILL, counts, new_project, open_task


def test_completion_refuses_undeclared_fields_by_name(api, simple, db):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    before = counts(db)
    r = api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete",
                                 json={"data": {**FILL, "stage": "运维", "review_passed": True}})
    assert r.status_code == 422
    body = r.get_json()
    assert set(body["fields"]) == {"stage", "review_passed"} and "stage" in body["fields"]["stage"]
    assert counts(db) == before


def test_read_only_values_come_from_the_process_only(db):
    from engine import forms

    schema = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number", "readOnly": True}}}
    assert forms.with_read_only(schema, {"a": 1, "b": 999}, {}) == {"a": 1}
    assert forms.with_read_only(schema, {"a": 1, "b": 999}, {"b": 5}) == {"a": 1, "b": 5}


@pytest.mark.parametrize("path", ["/api/tasks?project_id=²", "/api/tasks?project_id=١٢", "/api/projects?page=²",
                                  "/api/cockpit/instances?page=²"])
def test_non_ascii_digits_are_not_numbers(api, simple, path):
    r = api.as_("admin").get(path)
    assert r.status_code in (200, 400, 404, 422), (path, r.status_code)


def _plan_world(db, deployed):
    """Two departments' approved projects for 2027, with just the rows the plan reads."""
    from engine.models import Instance, Submission
    from webapp.core.models import Project

    now = datetime(2026, 6, 1)
    for pid, dept, name in ((1, "gaj", "=HYPERLINK(\"http://evil\",\"点我\")"), (2, "jyj", "教育平台")):
        inst = Instance(version_id=deployed.id, process_id="simple", project_id=pid, owner_group=f"dept:{dept}",
                        status="running", stage="实施", variables={}, state="{}", created_at=now, updated_at=now)
        db.session.add(inst)
        db.session.flush()
        db.session.add(Project(id=pid, name=name, department_code=dept, build_year=2027, created_at=now,
                               instance_id=inst.id))
        db.session.add(Submission(instance_id=inst.id, project_id=pid, form="establishment-approval.schema.json",
                                  data={"approved_amount_wan": 100, "approval_no": "+1"}, submitted_at=now))
    db.session.commit()


def test_plan_shows_departments_only_their_own_projects(api, simple, db):
    _plan_world(db, simple)
    seen = {u: sorted(i["department"] for i in api.as_(u).get("/api/reports/plan?year=2027").get_json()["items"])
            for u in ("dept_gaj", "dept_jyj", "sgj", "fgw", "czj")}
    assert seen == {"dept_gaj": ["gaj"], "dept_jyj": ["jyj"], "sgj": ["gaj", "jyj"], "fgw": ["gaj", "jyj"],
                    "czj": ["gaj", "jyj"]}
    book = load_workbook(io.BytesIO(api.as_("dept_jyj").get("/api/reports/plan.xlsx?year=2027").data))
    text = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    assert "教育平台" in text and "HYPERLINK" not in text


def test_excel_exports_write_user_text_as_text(api, simple, db):
    _plan_world(db, simple)
    book = load_workbook(io.BytesIO(api.as_("sgj").get("/api/reports/plan.xlsx?year=2027").data))
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    evil = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert evil and all(c.data_type == "s" for c in evil)
    assert not any(c.data_type == "f" for c in cells)


def test_pages_carry_a_strict_content_security_policy(app, users):
    client = app.test_client()
    r = client.get("/login")
    policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = r.get_data(as_text=True)
    assert all(f'nonce="{nonce}"' in tag for tag in html.split("<script")[1:] if "src=" not in tag.split(">")[0])


def test_form_rendering_escapes_names_titles_and_limits(app):
    from webapp.core.formrender import render_form, render_view

    evil = '"><script>alert(1)</script>'
    schema = {"type": "object", "title": evil, "required": [evil], "properties": {
        evil: {"type": "string", "title": evil, "description": evil, "maxLength": 10},
        "n": {"type": "number", "title": evil, "minimum": 0},
        "rows": {"type": "array", "title": evil, "items": {"type": "object", "properties": {
            evil: {"type": "string", "title": evil}}}},
        "ok": {"type": "boolean", "title": evil}}}
    with app.test_request_context():
        html = str(render_form(schema, {evil: evil, "rows": [{evil: evil}]})) + str(
            render_view(schema, {evil: evil, "rows": [{evil: evil}]}))
    assert "<script>" not in html and "&lt;script&gt;" in html
    from engine import forms

    assert any("字段名只能由" in p for p in forms.check_schema(schema))  # and refused at deploy
