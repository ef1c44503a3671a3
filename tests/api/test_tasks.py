"""The work queue and task actions: shapes, claim rules, validation, conflicts."""
import threading

from .conftest import FILL, counts, new_project, open_task

TASK_KEYS = {"id", "name", "bpmn_id", "project_id", "instance_id", "lane", "groups", "assignee", "state", "form",
             "created", "due", "overdue"}


def test_task_shape_and_detail(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    assert TASK_KEYS <= set(task)
    assert task["bpmn_id"] == "fill" and task["lane"] == "项目建设主管部门" and task["state"] == "ready"
    assert task["form"] == "fill.schema.json" and task["assignee"] is None
    assert task["project_name"] == project["name"] and task["due_level"] in ("normal", "soon", "overdue")
    detail = api.as_("dept_gaj").get(f"/api/tasks/{task['id']}").get_json()
    assert detail["form_schema"]["title"] == "填报"
    assert detail["data"] == {}  # no form field is prefilled yet
    assert "申报金额" in detail["instructions"]


def test_draft_prefills_the_form(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    gaj = api.as_("dept_gaj")
    assert gaj.post(f"/api/tasks/{task['id']}/draft", json={"data": {"amount_wan": 5}}).status_code == 200
    assert gaj.get(f"/api/tasks/{task['id']}").get_json()["data"] == {"amount_wan": 5}


def test_complete_moves_to_the_next_lane(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    r = api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": FILL})
    assert r.status_code == 200
    body = r.get_json()
    assert body["task"]["state"] == "completed" and [n["name"] for n in body["next"]] == ["审核"]
    assert api.as_("dept_gaj").get("/api/tasks").get_json()["total"] == 0
    done = api.as_("dept_gaj").get("/api/tasks?done=1").get_json()
    assert done["total"] == 1 and done["items"][0]["completed_by"] == "dept_gaj"
    review = open_task(api, "sgj", project["id"])
    assert api.as_("sgj").post(f"/api/tasks/{review['id']}/complete", json={"data": {"approved": True}}).status_code == 200
    got = api.as_("sgj").get(f"/api/projects/{project['id']}").get_json()
    assert got["status"] == "已完成" and got["stage"] == "已结束"


def test_invalid_form_is_422_with_field_messages_and_changes_nothing(api, simple, db):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    before = counts(db)
    gaj = api.as_("dept_gaj")
    r = gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": {"amount_wan": 100, "own_funds_wan": 1,
                                                                       "other_funds_wan": 1}})
    assert r.status_code == 422
    assert r.get_json()["fields"] == {"own_funds_wan": "资金来源合计须等于申报金额"}
    r = gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
    assert r.status_code == 422 and "amount_wan" in r.get_json()["fields"]
    assert gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": "x"}).status_code == 422
    assert gaj.post(f"/api/tasks/{task['id']}/complete", json={}).status_code == 422
    assert gaj.post(f"/api/tasks/{task['id']}/complete", data="{", content_type="application/json").status_code == 400
    assert counts(db) == before


def test_claim_rules(api, simple, db):
    from webapp.accounts.models import User

    second = User(username="dept_gaj2", display_name="公安 二", department_code="gaj",
                  password_hash=User.query.filter_by(username="dept_gaj").one().password_hash)
    db.session.add(second)
    db.session.flush()
    second.set_groups(["dept:gaj"])
    db.session.commit()
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    one, two = api.as_("dept_gaj"), api.as_("dept_gaj2")
    r = one.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 200 and r.get_json()["assignee"] == "dept_gaj"
    assert two.post(f"/api/tasks/{task['id']}/claim").status_code == 409
    before = counts(db)
    assert two.post(f"/api/tasks/{task['id']}/complete", json={"data": FILL}).status_code == 403
    assert two.post(f"/api/tasks/{task['id']}/unclaim").status_code == 403
    assert counts(db) == before
    assert one.get("/api/tasks?mine=1").get_json()["total"] == 1
    assert two.get("/api/tasks?mine=1").get_json()["total"] == 0
    assert one.post(f"/api/tasks/{task['id']}/unclaim").get_json()["assignee"] is None
    assert two.post(f"/api/tasks/{task['id']}/complete", json={"data": FILL}).status_code == 200


def test_second_completion_is_409(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    gaj = api.as_("dept_gaj")
    assert gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": FILL}).status_code == 200
    r = gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": FILL})
    assert r.status_code == 409 and r.get_json()["error"] == "conflict"
    assert gaj.post(f"/api/tasks/{task['id']}/claim").status_code in (404, 409)


def test_concurrent_completions_one_wins(app, api, simple, db):
    from engine.models import Submission, TaskIndex

    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    token = api.token("dept_gaj")
    barrier, results = threading.Barrier(2), []

    def complete():
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/tasks/{task['id']}/complete", json={"data": FILL},
                        headers={"Authorization": f"Bearer {token}"})
        results.append(r.status_code)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    db.session.expire_all()
    assert db.session.query(Submission).filter_by(task_id=task["id"], draft=False).count() == 1
    assert db.session.query(TaskIndex).filter_by(instance_id=project["instance_id"], state="ready").count() == 1


def test_suspended_instance_refuses_work(api, simple, db):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    api.as_("admin").post(f"/api/instances/{project['instance_id']}/suspend", json={"reason": "核查材料"})
    before = counts(db)
    r = api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": FILL})
    assert r.status_code == 409 and "挂起" in r.get_json()["message"]
    assert counts(db) == before


def test_counts_and_due_levels(api, simple):
    new_project(api, name="逾期", build_year=2020)
    new_project(api, name="不急", build_year=2040)
    me = api.as_("dept_gaj").get("/api/me").get_json()
    assert me["counts"]["todo"] == 2 and me["counts"]["overdue"] == 1
    items = api.as_("dept_gaj").get("/api/tasks").get_json()["items"]
    assert [t["due_level"] for t in items] == ["overdue", "normal"]  # sorted by deadline
    assert items[0]["overdue"] is True
    assert api.as_("dept_gaj").get("/api/tasks?overdue=1").get_json()["total"] == 1


def test_soon_is_within_five_working_days(api, simple, db):
    from datetime import timedelta

    from engine.models import TaskIndex
    from webapp.core.timefmt import now_naive

    project = new_project(api, build_year=2040)
    row = db.session.query(TaskIndex).filter_by(project_id=project["id"]).one()
    row.due_at = now_naive() + timedelta(days=2)
    db.session.commit()
    assert open_task(api, "dept_gaj", project["id"])["due_level"] == "soon"
    assert api.as_("dept_gaj").get("/api/me").get_json()["counts"]["soon"] == 1
