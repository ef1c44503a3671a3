"""联合督查 (notice 三(三)): a 督查 opened jointly with 市财政局 and/or 市审计局 gives each chosen unit a step of
its own beside the department's 整改措施; each step is reached by its unit and refused to everyone else, and
市数管局's 整改验收 waits for all of them."""
import pytest

from tests.api.conftest import new_project


@pytest.fixture
def lifecycle(real_model, users):
    return real_model


def _open(api, project_id, joint):
    r = api.as_("sgj").post("/api/inspections", json={
        "project_id": project_id, "reason": "形象进度落后计划3个月", "requirements": "报送整改措施",
        "opened_date": "2026-06-01", "deadline": "2026-06-30", "joint_units": joint})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _steps(api, who, project_id):
    return {t["bpmn_id"]: t["id"] for t in api.as_(who).get(f"/api/tasks?project_id={project_id}").get_json()["items"]
            if t["process_id"] == "inspection"}


def _complete(api, who, task_id, data):
    return api.as_(who).post(f"/api/tasks/{task_id}/complete", json={"data": data})


OPINION = {"joint_opinion": "预算执行率低于30%", "rectification_needed": True, "inspected_date": "2026-06-10"}
MEASURES = {"measures": "增派开发人员，调整进度计划", "completed_items": "数据交换模块联调", "responsible_person": "李四",
            "submitted_date": "2026-06-20", "expected_completion": "2026-09-30"}


def test_each_joint_unit_has_its_own_step_refused_to_the_others(api, lifecycle):
    project = new_project(api, name="智慧教育平台", build_year=2027)
    _open(api, project["id"], ["市财政局", "市审计局"])
    czj, sjj = _steps(api, "czj", project["id"]), _steps(api, "sjj", project["id"])
    assert list(czj) == ["task_joint_inspection_czj"] and list(sjj) == ["task_joint_inspection_sjj"]
    assert list(_steps(api, "dept_gaj", project["id"])) == ["task_rectification_measures"]
    czj_step, sjj_step = czj["task_joint_inspection_czj"], sjj["task_joint_inspection_sjj"]
    for who, step in (("sjj", czj_step), ("czj", sjj_step), ("dept_gaj", czj_step), ("fgw", sjj_step)):
        assert api.as_(who).get(f"/api/tasks/{step}").status_code == 404, who
        assert _complete(api, who, step, OPINION).status_code in (403, 404), who
    measures = _steps(api, "dept_gaj", project["id"])["task_rectification_measures"]
    assert _complete(api, "dept_gaj", measures, MEASURES).status_code == 200
    assert _complete(api, "czj", czj_step, {**OPINION, "joint_opinion": ""}).status_code == 422
    assert _complete(api, "czj", czj_step, OPINION).status_code == 200
    assert "task_rectification_review" not in _steps(api, "sgj", project["id"])  # 审计局 has not given its view
    assert _complete(api, "sjj", sjj_step, {**OPINION, "rectification_needed": False}).status_code == 200
    review = _steps(api, "sgj", project["id"])["task_rectification_review"]
    data = api.as_("sgj").get(f"/api/tasks/{review}").get_json()["data"]
    assert data["czj_inspection_opinion"] == data["sjj_inspection_opinion"] == "预算执行率低于30%"


def test_a_joint_step_only_for_the_units_chosen_and_none_alone(api, lifecycle):
    project = new_project(api, name="智慧教育平台", build_year=2027)
    _open(api, project["id"], ["市审计局"])
    assert _steps(api, "czj", project["id"]) == {}
    assert list(_steps(api, "sjj", project["id"])) == ["task_joint_inspection_sjj"]
    other = new_project(api, name="社区网格平台", build_year=2027)
    _open(api, other["id"], [])
    assert _steps(api, "czj", other["id"]) == {} and _steps(api, "sjj", other["id"]) == {}
    measures = _steps(api, "dept_gaj", other["id"])["task_rectification_measures"]
    assert _complete(api, "dept_gaj", measures, MEASURES).status_code == 200
    assert list(_steps(api, "sgj", other["id"])) == ["task_rectification_review"]
