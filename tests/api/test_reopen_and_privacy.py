"""撤回修改申报 (only the project's department, only while the lifecycle waits for it), and an expert's
submitted scores hidden from everyone but that expert, 市数管局 and administrators."""
from engine import runtime
from engine.runtime import unit_of_work

from tests.api.conftest import PASSWORD, new_project, open_task
from tests.engine.test_bpmn_features import DUE, files_of


def test_reopen_declaration_while_the_lifecycle_waits(api, app, db, monkeypatch):
    assert api.as_("analyst").post("/api/models", json={"files": files_of("reopen"), "replace": True}).status_code == 201
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "reopen")
    project = new_project(api, name="社区网格平台", build_year=2027)
    url = f"/api/projects/{project['id']}/declaration/reopen"
    assert api.as_("dept_gaj").post(url).status_code == 409  # nothing filed yet
    task = open_task(api, "dept_gaj", project["id"])
    assert api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": {"opinion": "已填报"}}).status_code == 200
    assert api.as_("dept_gaj").get(f"/api/projects/{project['id']}").get_json()["may_reopen_declaration"] is True
    assert api.as_("sgj").post(url).status_code == 403
    r = api.as_("dept_gaj").post(url)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["may_reopen_declaration"] is False and [t["bpmn_id"] for t in body["tasks"]] == ["reopen_revise"]


def test_expert_scores_are_read_by_their_author_and_oversight_only(api, app, db, monkeypatch):
    assert api.as_("analyst").post("/api/models", json={"files": files_of("panel"), "replace": True}).status_code == 201
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "panel")
    with unit_of_work():  # the panel of the department's project
        project = new_project(api, name="医保结算平台", build_year=2027)
    from webapp.core.models import Project

    row = db.session.get(Project, project["id"])
    with unit_of_work():
        panel = runtime.start_instance("panel", project_id=row.id, owner_group="dept:gaj",
                                       data={"experts": ["expert1", "expert2"], "expert_due": DUE})
    tasks = {t.assignee: t.id for t in runtime.open_tasks(panel.id)}
    client = app.test_client()
    client.post("/login", data={"username": "expert2", "password": PASSWORD})
    for expert, score in (("expert1", 91), ("expert2", 62)):
        data = {"score": score, "opinion": f"{expert} 的独立意见"}
        assert api.as_(expert).post(f"/api/tasks/{tasks[expert]}/complete", json={"data": data}).status_code == 200
        if expert == "expert1":  # expert2, before scoring, does not see expert1's form on the task page
            page = client.get(f"/tasks/{tasks['expert2']}").get_data(as_text=True)
            assert "专家评分" in page and "expert1 的独立意见" not in page
    def scores(who):
        subs = api.as_(who).get(f"/api/projects/{row.id}").get_json()["submissions"]
        return sorted(s["data"]["score"] for s in subs if "score" in s["data"])
    assert scores("sgj") == [62, 91] and scores("admin") == [62, 91]
    assert scores("dept_gaj") == []
