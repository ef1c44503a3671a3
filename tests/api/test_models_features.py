"""POST /api/models with diagrams of every BPMN feature the tests cover: a version or a 422 naming the
element, never a 500; a panel's experts each see and work only their own task through the API."""
import pytest

from engine import runtime
from engine.models import ModelVersion

from tests.engine.test_bpmn_features import DUE, FEATURES, files_of

RUNS = ["panel", "sequential", "mi_call", "data", "correlation", "event_sub", "escalation"]
REFUSED = {"compensation": {"cmp_boundary", "cmp_release", "cmp_undo"}, "datastore": {"ds_registry", "ds_ref"}}


@pytest.mark.parametrize("diagram", RUNS + sorted(REFUSED))
def test_upload_deploys_or_names_the_element(api, db, diagram):
    before = db.session.query(ModelVersion).count()
    r = api.as_("analyst").post("/api/models", json={"files": files_of(diagram), "replace": True})
    body = r.get_json()
    if diagram in REFUSED:
        assert r.status_code == 422 and body["error"] == "model_invalid", body
        assert {p["element_id"] for p in body["problems"]} == REFUSED[diagram]
        assert all(p["line"] and p["file"] == f"bpmn/{diagram}.bpmn" for p in body["problems"])
        assert db.session.query(ModelVersion).count() == before
    else:
        assert r.status_code == 201, body
        assert body["processes"]


def test_garbage_inside_a_multi_instance_is_a_422(api, db):
    text = (FEATURES / "bpmn" / "panel.bpmn").read_text(encoding="utf-8")
    broken = text.replace("<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef>",
                          "<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef><bpmn:loopCardinality>x</bpmn:loopCardinality>")
    r = api.as_("analyst").post("/api/models", json={"files": {**files_of(), "bpmn/panel.bpmn": broken},
                                                     "replace": True})
    assert r.status_code == 422 and r.get_json()["problems"][0]["element_id"] == "panel_score", r.get_json()


def test_each_expert_sees_and_completes_only_their_own_task(api, db):
    r = api.as_("analyst").post("/api/models", json={"files": files_of("panel"), "replace": True})
    assert r.status_code == 201
    with runtime.unit_of_work():
        row = runtime.start_instance("panel", data={"experts": ["expert1", "expert2"], "expert_due": DUE})
    own = {}
    for expert in ("expert1", "expert2"):
        items = api.as_(expert).get("/api/tasks").get_json()["items"]
        assert [(t["assignee"], t["instance_id"]) for t in items] == [(expert, row.id)]
        own[expert] = items[0]["id"]
    mine = api.as_("expert1").get(f"/api/tasks/{own['expert1']}")
    assert mine.status_code == 200 and mine.get_json()["form_schema"]["title"] == "专家评分"
    # the other expert's task (and so its scores) cannot be read, drafted or completed
    assert api.as_("expert1").get(f"/api/tasks/{own['expert2']}").status_code == 404
    r = api.as_("expert1").post(f"/api/tasks/{own['expert2']}/complete", json={"data": {"score": 1}})
    assert r.status_code in (403, 404), r.get_json()
    assert api.as_("expert1").post(f"/api/tasks/{own['expert2']}/claim").status_code in (403, 404)
    r = api.as_("expert1").post(f"/api/tasks/{own['expert1']}/complete", json={"data": {"score": 88}})
    assert r.status_code == 200, r.get_json()
    assert api.as_("expert1").get("/api/tasks").get_json()["items"] == []
    assert api.as_("sgj").get("/api/tasks").get_json()["items"] == []  # the lane's group sees no expert's task
