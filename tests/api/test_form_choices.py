"""Form fields choosing from records, through the API: the expert pool (users of group `expert` with their
specialty, five after seed-demo) and the units 市数管局 selected for the project's build year."""
from engine import clock, runtime
from engine.models import Instance, Submission
from engine.runtime import unit_of_work

from tests.engine.test_bpmn_features import files_of


def _now():
    return clock.now().replace(tzinfo=None)


def _select_units(db, version_id, year, kind, units):
    """市数管局's yearly selection as its city-level process submits it (an instance without a project)."""
    with unit_of_work():
        city = Instance(version_id=version_id, process_id="pick", status="completed", state="{}",
                        created_at=_now(), updated_at=_now(), variables={})
        db.session.add(city)
        db.session.flush()
        db.session.add(Submission(instance_id=city.id, project_id=None, form="unit-selection.schema.json",
                                  data={"build_year": year, "service_kind": kind, "units": units},
                                  draft=False, submitted_by="sgj", submitted_at=_now()))


def test_expert_pool_and_yearly_units_are_offered_and_enforced(api, db):
    r = api.as_("analyst").post("/api/models", json={"files": files_of("pick"), "replace": True})
    assert r.status_code == 201, r.get_json()
    _select_units(db, r.get_json()["id"], 2027, "监理", [{"name": "安徽某监理公司", "qualification": "甲级"}])
    _select_units(db, r.get_json()["id"], 2028, "监理", [{"name": "下一年度的公司"}])
    with unit_of_work():
        runtime.start_instance("pick", data={"build_year": 2027})
    [task] = api.as_("sgj").get("/api/tasks").get_json()["items"]
    assert task["project_id"] is None and task["context_label"] == "市级流程 · 2027 年度 选定专家与监理单位"
    detail = api.as_("sgj").get(f"/api/tasks/{task['id']}").get_json()
    experts = detail["form_schema"]["properties"]["panel_experts"]["items"]
    assert experts["enum"] == ["expert1", "expert2", "expert3", "expert4", "expert5"]
    assert experts["x-enum-labels"]["expert3"] == "评审专家 三（数据治理）"
    unit = detail["form_schema"]["properties"]["supervisor"]
    assert unit["enum"] == ["安徽某监理公司"] and unit["x-enum-labels"] == {"安徽某监理公司": "安徽某监理公司（甲级）"}
    bad = api.as_("sgj").post(f"/api/tasks/{task['id']}/complete",
                              json={"data": {"panel_experts": ["expert1", "expert2", "sgj"], "supervisor": "别家公司"}})
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"panel_experts.2", "supervisor"}
    example = detail["form_schema"]["examples"][0]  # fitted: the first three experts, the year's unit
    assert example["supervisor"] == "安徽某监理公司"
    ok = api.as_("sgj").post(f"/api/tasks/{task['id']}/complete", json={"data": example})
    assert ok.status_code == 200, ok.get_json()
