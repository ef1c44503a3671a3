"""Administration endpoints: instances, incidents, notifications."""
from .conftest import FILL, new_project, open_task


def test_instances_list_and_detail(api, simple):
    project = new_project(api)
    admin = api.as_("admin")
    listed = admin.get("/api/instances").get_json()
    assert listed["total"] == 1 and listed["items"][0]["project_id"] == project["id"]
    assert admin.get("/api/instances?status=running").get_json()["total"] == 1
    assert admin.get("/api/instances?status=completed").get_json()["total"] == 0
    assert admin.get("/api/instances?status=bogus").status_code == 422
    detail = admin.get(f"/api/instances/{project['instance_id']}").get_json()
    assert detail["status"] == "running" and [t["name"] for t in detail["tasks"]] == ["填报"]
    assert detail["incidents"] == [] and isinstance(detail["timers"], list)


def test_suspend_resume_terminate(api, simple, db):
    from engine.models import AuditEvent

    project = new_project(api)
    admin, iid = api.as_("admin"), project["instance_id"]
    assert admin.post(f"/api/instances/{iid}/suspend", json={"reason": "核查材料"}).get_json()["status"] == "suspended"
    assert admin.post(f"/api/instances/{iid}/suspend").status_code == 409
    assert admin.post(f"/api/instances/{iid}/resume").get_json()["status"] == "running"
    task = open_task(api, "dept_gaj", project["id"])
    assert admin.post(f"/api/instances/{iid}/terminate", json={"reason": "项目撤销"}).get_json()["status"] == "terminated"
    assert api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": FILL}).status_code == 409
    reasons = [e.payload.get("reason") for e in db.session.query(AuditEvent).filter(
        AuditEvent.kind.in_(("suspend", "terminate"))).order_by(AuditEvent.id)]
    assert reasons == ["核查材料", "项目撤销"]


def test_incident_retry(api, simple, db):
    from engine import runtime
    from engine.models import Incident
    from engine.runtime import SYSTEM

    with runtime.unit_of_work():
        row = runtime.start_instance("failing", data={"divisor": 0})
    admin = api.as_("admin")
    incidents = admin.get("/api/incidents?status=open").get_json()
    assert incidents["total"] == 1 and "ZeroDivisionError" in incidents["items"][0]["error"]
    incident_id = incidents["items"][0]["id"]
    again = admin.post(f"/api/incidents/{incident_id}/retry")
    assert again.status_code == 200 and again.get_json()["status"] == "open"  # same fault: still open
    runtime.edit_task_data(db.session.get(Incident, incident_id).task_id, {"divisor": 4}, SYSTEM, "修正除数")
    fixed = admin.post(f"/api/incidents/{incident_id}/retry").get_json()
    assert fixed["status"] == "resolved" and fixed["resolved_by"] == "admin"
    assert admin.post(f"/api/incidents/{incident_id}/retry").status_code == 409
    assert admin.get(f"/api/instances/{row.id}").get_json()["status"] == "running"


def test_notifications_by_group_and_read_state(api, simple, db):
    from engine.models import Notification
    from webapp.core.timefmt import now_naive

    for group, text in (("dept:gaj", "申报表即将到期"), ("sgj", "督办：某项目逾期"), ("dept:jyj", "教育局提醒")):
        db.session.add(Notification(group_code=group, kind="reminder" if group != "sgj" else "supervise",
                                    message=text, created_at=now_naive()))
    db.session.commit()
    gaj = api.as_("dept_gaj")
    listed = gaj.get("/api/notifications").get_json()
    assert [n["message"] for n in listed["items"]] == ["申报表即将到期"] and listed["unread"] == 1
    assert listed["items"][0]["kind_label"] == "提醒" and listed["items"][0]["read"] is False
    sgj_items = api.as_("sgj").get("/api/notifications").get_json()["items"]
    assert [n["kind_label"] for n in sgj_items] == ["督办"]
    jyj_id = api.as_("dept_jyj").get("/api/notifications").get_json()["items"][0]["id"]
    assert gaj.post("/api/notifications/read", json={"ids": [jyj_id]}).get_json()["unread"] == 1  # not mine: ignored
    assert api.as_("dept_jyj").get("/api/me").get_json()["unread_notifications"] == 1
    assert gaj.post("/api/notifications/read", json={"ids": [listed["items"][0]["id"]]}).get_json()["unread"] == 0
    assert gaj.get("/api/notifications?unread=1").get_json()["total"] == 0
    assert gaj.get("/api/notifications").get_json()["items"][0]["read"] is True
    assert gaj.post("/api/notifications/read", json={"ids": "all"}).status_code == 422
    assert api.as_("sgj").post("/api/notifications/read", json={"all": True}).get_json()["unread"] == 0


def test_timer_reminders_reach_the_owner(api, app, simple, db):
    """A project's reminder from a BPMN notify("owner", …) lands in its department's notifications."""
    from engine import runtime

    with runtime.unit_of_work():
        runtime.start_instance("timed", project_id=None, owner_group="dept:gaj",
                               data={"wake_on": "2030-01-01"})
    result = app.test_cli_runner().invoke(args=["timers", "run-due", "--at", "2035-01-01T00:00:00+08:00"])
    assert result.exit_code == 0, result.output
    messages = [n["message"] for n in api.as_("dept_gaj").get("/api/notifications").get_json()["items"]]
    assert messages and api.as_("dept_jyj").get("/api/notifications").get_json()["total"] == 0
