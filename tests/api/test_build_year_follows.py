"""A late declaration moves the project to the next round: its 建设年度 follows the workflow's build_year in
the project record, the API, the 项目库 list and its year filter, the Excel export and the project history."""
import io

from openpyxl import load_workbook

from tests.api.conftest import new_project, open_task
from tests.engine.test_bpmn_features import files_of


def test_build_year_follows_a_late_declaration_everywhere(api, app, db, monkeypatch):
    r = api.as_("analyst").post("/api/models", json={"files": files_of("late"), "replace": True})
    assert r.status_code == 201, r.get_json()
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "late")
    project = new_project(api, name="教育城域网扩容", build_year=2027)
    assert project["build_year"] == 2027
    task = open_task(api, "dept_gaj", project["id"])
    r = api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": {"opinion": "逾期补报"}})
    assert r.status_code == 200, r.get_json()
    detail = api.as_("dept_gaj").get(f"/api/projects/{project['id']}").get_json()
    assert detail["build_year"] == 2028
    for who in ("dept_gaj", "sgj"):
        listed = api.as_(who).get("/api/projects?year=2028").get_json()
        assert [p["id"] for p in listed["items"]] == [project["id"]]
        assert api.as_(who).get("/api/projects?year=2027").get_json()["items"] == []
    client = app.test_client()
    client.post("/login", data={"username": "sgj", "password": "demo-pass-2026"})
    sheet = load_workbook(io.BytesIO(client.get("/projects.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("教育城域网扩容" in r and 2028 in r for r in rows), rows
    assert not any("教育城域网扩容" in r and 2027 in r for r in rows)
