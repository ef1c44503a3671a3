"""The project page's diagram opens on the stage diagram of the current step (the stages are call
activities), lists the instance's other diagrams, and marks the running stage on the top level."""
from tests.api.conftest import PASSWORD, new_project


def test_diagram_of_the_current_step_and_the_top_level(api, app, db, real_model):
    project = new_project(api, name="公安数据中台", build_year=2027)
    client = app.test_client()
    client.post("/login", data={"username": "dept_gaj", "password": PASSWORD})
    data = client.get(f"/projects/{project['id']}/diagram.json").get_json()
    [current] = [f for f in data["files"] if f["current"]]
    assert data["file"] == current["file"] != "bpmn/lifecycle.bpmn"
    assert data["active"] and "<bpmn:definitions" in data["xml"]
    top = client.get(f"/projects/{project['id']}/diagram.json?file=bpmn/lifecycle.bpmn").get_json()
    assert top["file"] == "bpmn/lifecycle.bpmn" and any(a.startswith("call_") for a in top["active"])
    other = client.get(f"/projects/{project['id']}/diagram.json?file=../../etc/passwd").get_json()
    assert other["file"] == data["file"]  # only the instance's own diagrams can be asked for
