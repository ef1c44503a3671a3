"""Projects through the API: creation, shapes, visibility, filters, paging."""
from .conftest import FILL, counts, new_project, open_task

PROJECT_KEYS = {"id", "name", "department", "stage", "status", "budget_wan", "build_year"}


def test_create_starts_the_lifecycle(api, simple, db):
    project = new_project(api)
    assert PROJECT_KEYS <= set(project)
    assert project["department"] == "gaj" and project["department_name"] == "市公安局"
    assert project["status"] == "进行中" and project["stage"] == "谋划"
    assert project["budget_wan"] == 300 and project["build_year"] == 2027
    from engine.models import Instance

    instance = db.session.get(Instance, project["instance_id"])
    assert instance.owner_group == "dept:gaj" and instance.project_id == project["id"]
    task = open_task(api, "dept_gaj", project["id"])
    assert task["name"] == "填报" and task["groups"] == ["dept:gaj"]
    assert task["due"].startswith("2026-07-01T00:00:00+08:00")  # 6月30日 24:00 of the year before


def test_detail_has_tasks_history_submissions(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    assert api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": FILL}).status_code == 200
    detail = api.as_("sgj").get(f"/api/projects/{project['id']}").get_json()
    assert [t["name"] for t in detail["tasks"]] == ["审核"]
    kinds = [h["kind"] for h in detail["history"]]
    assert "start" in kinds and "complete" in kinds
    assert all(h["label"] for h in detail["history"])
    assert detail["submissions"][0]["data"] == FILL and detail["submissions"][0]["task_name"] == "填报"


def test_validation_errors_are_422_with_fields_and_change_nothing(api, simple, db):
    new_project(api, name="已有项目")
    before = counts(db)
    r = api.as_("dept_gaj").post("/api/projects", json={"name": "已有项目", "build_year": 2027})
    assert r.status_code == 422 and set(r.get_json()["fields"]) == {"name"}
    r = api.as_("dept_gaj").post("/api/projects", json={"name": "", "build_year": "明年", "budget_wan": -1})
    assert r.status_code == 422 and set(r.get_json()["fields"]) == {"name", "build_year", "budget_wan"}
    r = api.as_("dept_gaj").post("/api/projects", data="not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"
    r = api.as_("dept_gaj").post("/api/projects", json=[1, 2])
    assert r.status_code == 400
    assert counts(db) == before


def test_only_department_users_create_projects(api, simple, db):
    before = counts(db)
    for user in ("sgj", "fgw", "expert1", "analyst", "admin"):
        r = api.as_(user).post("/api/projects", json={"name": f"{user} 的项目", "build_year": 2027})
        assert r.status_code == 403, user
        assert r.get_json()["error"] == "forbidden"
    assert counts(db) == before


def test_visibility(api, simple):
    gaj = new_project(api, "dept_gaj", "公安项目")
    jyj = new_project(api, "dept_jyj", "教育项目")

    def names(user):
        return sorted(p["name"] for p in api.as_(user).get("/api/projects").get_json()["items"])

    assert names("dept_gaj") == ["公安项目"]
    assert names("dept_jyj") == ["教育项目"]
    assert names("sgj") == names("admin") == ["公安项目", "教育项目"]
    assert names("fgw") == names("expert1") == names("analyst") == []
    assert api.as_("dept_jyj").get(f"/api/projects/{gaj['id']}").status_code == 404
    assert api.as_("fgw").get(f"/api/projects/{jyj['id']}").status_code == 404
    assert api.as_("sgj").get(f"/api/projects/{gaj['id']}").status_code == 200
    assert api.as_("dept_gaj").get("/api/projects/999999").status_code == 404


def test_a_bureau_sees_projects_it_worked_on(api, simple):
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": FILL})
    # the review step is in lane 市数管局: sgj sees it anyway; fgw never took part
    assert api.as_("fgw").get(f"/api/projects/{project['id']}").status_code == 404


def test_filters_and_paging(api, simple):
    for i in range(5):
        new_project(api, name=f"项目{i}", build_year=2027 + i % 2)
    new_project(api, "dept_jyj", name="教育", build_year=2027)
    sgj = api.as_("sgj")
    assert sgj.get("/api/projects?year=2027").get_json()["total"] == 4
    assert sgj.get("/api/projects?department=jyj").get_json()["total"] == 1
    assert sgj.get("/api/projects?stage=谋划").get_json()["total"] == 6
    assert sgj.get("/api/projects?stage=已结束").get_json()["total"] == 0
    assert sgj.get("/api/projects?status=进行中").get_json()["total"] == 6
    assert sgj.get("/api/projects?q=教育").get_json()["total"] == 1
    page = sgj.get("/api/projects?page=2&per_page=4").get_json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert len(sgj.get("/api/projects?per_page=1000").get_json()["items"]) == 6  # capped at 100, not refused
    assert sgj.get("/api/projects?page=0").status_code == 400
    assert sgj.get("/api/projects?page=x").status_code == 400
    assert sgj.get("/api/projects?stage=火星").status_code == 422


def test_overdue_filter(api, simple, db):
    project = new_project(api, build_year=2020)  # its 申报 deadline (2019-06-30) has long passed
    new_project(api, name="按期", build_year=2035)
    items = api.as_("sgj").get("/api/projects?overdue=1").get_json()["items"]
    assert [p["id"] for p in items] == [project["id"]]


def test_terminated_and_suspended_status(api, simple):
    project = new_project(api)
    admin = api.as_("admin")
    assert admin.post(f"/api/instances/{project['instance_id']}/suspend", json={"reason": "核查"}).status_code == 200
    assert api.as_("sgj").get(f"/api/projects/{project['id']}").get_json()["status"] == "已挂起"
    assert admin.post(f"/api/instances/{project['instance_id']}/terminate", json={}).status_code == 200
    got = api.as_("sgj").get(f"/api/projects/{project['id']}").get_json()
    assert got["status"] == "已终止" and got["stage"] == "已结束" and got["tasks"] == []


def test_concurrent_creation_of_one_name(app, api, simple, db):
    import threading

    from webapp.core.models import Project

    token, barrier, results = api.token("dept_gaj"), threading.Barrier(2), []

    def create():
        client = app.test_client()
        barrier.wait()
        r = client.post("/api/projects", json={"name": "同名项目", "build_year": 2027},
                        headers={"Authorization": f"Bearer {token}"})
        results.append(r.status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 422]
    db.session.expire_all()
    assert db.session.query(Project).filter_by(name="同名项目").count() == 1
