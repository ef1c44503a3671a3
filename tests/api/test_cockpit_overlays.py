"""The cockpit's instance page marks a multi-instance step with the number of its open instances, lists
one open task per instance (each expert's own), and offers the stage diagrams a lifecycle runs in."""
import json
import re

from engine import runtime
from engine.runtime import unit_of_work

from tests.api.conftest import PASSWORD, new_project
from tests.engine.test_bpmn_features import DUE, files_of


def _diagram_data(client, instance_id):
    page = client.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw), page


def test_panel_shows_open_instances_and_each_experts_task(api, app, db):
    assert api.as_("analyst").post("/api/models", json={"files": files_of("panel"), "replace": True}).status_code == 201
    with unit_of_work():
        row = runtime.start_instance("panel", data={"experts": ["expert1", "expert2", "expert3"], "expert_due": DUE})
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    data, page = _diagram_data(client, row.id)
    assert data["counts"] == {"panel_score": 3} and "panel_score" in data["active"]
    rows = re.findall(r'<tr data-task="[^"]+"><td>专家评分.*?</tr>', page, re.S)
    # each expert by name, not login id
    assert len(rows) == 3 and all(any(e in r for r in rows) for e in ("评审专家 一", "评审专家 二", "评审专家 三")), rows


def test_lifecycle_offers_its_stage_diagrams(api, app, db, real_model):
    project = new_project(api, name="卫健信息平台", build_year=2027)
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    data, _ = _diagram_data(client, project["instance_id"] if "instance_id" in project else _instance_of(db, project))
    assert any(d["current"] and d["active"] for d in data["diagrams"]), [d["file"] for d in data["diagrams"]]
    assert all("<bpmn:definitions" in d["xml"] for d in data["diagrams"])


def _instance_of(db, project):
    from webapp.core.models import Project

    return db.session.get(Project, project["id"]).instance_id
