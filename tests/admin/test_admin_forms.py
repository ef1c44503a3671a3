"""The administrator's and analyst's page forms (not the JSON API): edit a task's data, reassign, retry an
incident, the cockpit's overdue filter, creating a form and discarding a draft in the modeler."""
import json
from datetime import datetime, timedelta

import pytest

from engine import runtime
from engine.models import AuditEvent, Incident, Instance, TaskIndex
from webapp.modeler.models import ModelDraft

PASSWORD = "demo-pass-2026"


@pytest.fixture
def login(app, users):
    def as_(username):
        client = app.test_client()
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code in (302, 303), r.data[:300]
        return client
    return as_


def start(process, project_id=3, **data):
    with runtime.unit_of_work():
        return runtime.start_instance(process, project_id=project_id, owner_group="dept:gaj", data=data)


def page(r):
    return r.get_data(as_text=True)


def test_edit_data_then_retry_from_the_pages(login, deployed, db):
    row = start("failing", divisor=0)
    incident = db.session.query(Incident).one()
    admin = login("admin")
    r = admin.post(f"/admin/tasks/{incident.task_id}/data", data={"instance_id": row.id, "data": "{divisor: 4",
                                                                  "reason": "修正"}, follow_redirects=True)
    assert "数据不是有效的 JSON" in page(r)
    assert db.session.query(AuditEvent).filter_by(kind="edit_data").count() == 0
    r = admin.post(f"/admin/tasks/{incident.task_id}/data", follow_redirects=True,
                   data={"instance_id": row.id, "data": json.dumps({"divisor": 4}), "reason": "修正除数"})
    assert "任务数据已修改并记入审计日志" in page(r)
    [edit] = db.session.query(AuditEvent).filter_by(kind="edit_data").all()
    assert edit.actor == "admin" and edit.instance_id == row.id
    r = admin.post(f"/admin/incidents/{incident.id}/retry", follow_redirects=True)
    assert f"故障 {incident.id} 已重试成功" in page(r)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "resolved"
    assert db.session.get(Instance, row.id).status == "running"
    r = admin.post(f"/admin/incidents/{incident.id}/retry", follow_redirects=True)  # a second time: refused
    assert "重试失败：该故障已处理" in page(r)
    assert login("sgj").post(f"/admin/incidents/{incident.id}/retry").status_code == 403


def test_retry_that_fails_again_says_so(login, deployed, db):
    start("failing", divisor=0)
    incident = db.session.query(Incident).one()
    r = login("admin").post(f"/admin/incidents/{incident.id}/retry", follow_redirects=True)
    assert "重试后仍然出错" in page(r) and "ZeroDivisionError" in page(r)
    assert db.session.get(Incident, incident.id).status == "open"


def test_reassign_from_the_page(login, deployed, db):
    row = start("simple", build_year=2027)
    [task] = runtime.open_tasks(row.id)
    admin = login("admin")
    r = admin.post(f"/admin/tasks/{task.id}/reassign", follow_redirects=True,
                   data={"instance_id": row.id, "username": " dept_gaj ", "reason": "指定经办人"})
    assert "任务已改派" in page(r)
    db.session.expire_all()
    assert db.session.get(TaskIndex, task.id).assignee == "dept_gaj"
    runtime.complete_task(task.id, {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0},
                          runtime.Actor("dept_gaj", frozenset({"dept:gaj"})))
    r = admin.post(f"/admin/tasks/{task.id}/reassign", data={"instance_id": row.id, "username": "dept_jyj"},
                   follow_redirects=True)
    assert "改派失败" in page(r)
    assert login("sgj").post(f"/admin/tasks/{task.id}/reassign", data={"username": "sgj"}).status_code == 403


def test_cockpit_overdue_filter(login, deployed, db):
    late = start("simple", project_id=4, build_year=2027)
    on_time = start("simple", project_id=5, build_year=2027)
    with runtime.unit_of_work():
        past = datetime.utcnow() - timedelta(days=3)
        db.session.query(TaskIndex).filter_by(instance_id=late.id).update({"due_at": past})
        db.session.query(TaskIndex).filter_by(instance_id=on_time.id).update({"due_at": past + timedelta(days=30)})
    admin = login("admin")
    overdue = page(admin.get("/admin/?overdue=1"))
    everything = page(admin.get("/admin/"))
    assert f"#{late.id}" in overdue and f"#{on_time.id}" not in overdue
    assert f"#{late.id}" in everything and f"#{on_time.id}" in everything


def test_new_form_then_discard_the_draft(login, api, deployed, db):
    analyst = login("analyst")
    new = page(analyst.get("/modeler/forms/new"))
    assert "forms/new-form.schema.json" in new and "意见" in new
    content = json.dumps({"type": "object", "title": "核查意见", "required": ["opinion"],
                          "properties": {"opinion": {"type": "string", "title": "意见", "maxLength": 200}},
                          "examples": [{"opinion": "同意"}]}, ensure_ascii=False)
    r = api.as_("analyst").post("/api/drafts", json={"name": "forms/check-opinion.schema.json", "content": content})
    assert r.status_code == 201 and r.get_json()["problems"] == [], r.get_json()
    draft_id = r.get_json()["id"]
    assert "check-opinion.schema.json" in page(analyst.get("/modeler/"))
    r = analyst.post(f"/modeler/drafts/{draft_id}/discard", follow_redirects=True)
    assert "草稿已删除" in page(r)
    db.session.expire_all()
    assert db.session.get(ModelDraft, draft_id).status == "discarded"
    assert "check-opinion.schema.json" not in page(analyst.get("/modeler/"))
    r = analyst.post(f"/modeler/drafts/{draft_id}/discard", follow_redirects=True)  # a second time: said so
    assert "草稿已部署或已删除" in page(r) and "草稿已删除</div>" not in page(r)
    assert db.session.query(AuditEvent).filter_by(kind="discard_draft").count() == 1
    # (the test client shares one app context, so the signed-in user is checked last, by a fresh sign-in)
    assert login("dept_gaj").post(f"/modeler/drafts/{draft_id}/discard").status_code == 403
