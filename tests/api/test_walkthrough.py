"""One project of the real lifecycle (bpmn/, forms/) walked from creation through 运维 to its end, by API.

Each task is done by the demo user of its group, with its form's `examples[0]`, the values the
workflow already knows (name, year, month, amounts) and the decisions that move it forward. Timers
are fired with the CLI, as an operator would: `flask timers run-due --at …`.
"""
import copy
import io

import pytest

from engine import roles

WORKER = {"dept:gaj": "dept_gaj", "sgj": "sgj", "fgw": "fgw", "czj": "czj", "ggj": "ggj", "sjj": "sjj",
          "szf": "szf", "expert": "expert1"}
# Gateway variables (SPEC §3) set so that the project goes forward at every decision.
DECISIONS = {"internal_review_accepted": True, "precheck_passed": True, "completeness_ok": True,
             "conformity_ok": True, "review_passed": True, "initial_acceptance_passed": True,
             "final_acceptance_passed": True, "construction_complete": True}
# Values the workflow carries that a form must repeat (the rules compare them with the context).
CARRIED = ("project_name", "build_year", "report_month", "contract_amount_wan", "last_progress_percent",
           "last_cumulative_paid_wan")
PDF = b"%PDF-1.4 walkthrough"


@pytest.fixture
def lifecycle(app, users, db):
    result = app.test_cli_runner().invoke(args=["models", "deploy"])
    assert result.exit_code == 0, f"bpmn/ + forms/ must deploy (flask models deploy): {result.output.strip()[:500]}"
    return result


def _with_files(schema, value, file_id):
    """The example with every `format: file-id` value replaced by a real upload."""
    if not isinstance(schema, dict):
        return value
    if schema.get("format") == "file-id" and isinstance(value, str):
        return file_id
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return {k: _with_files(props.get(k, {}), v, file_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_files(schema.get("items", {}), v, file_id) for v in value]
    return value


def _form_data(api, user, task, project_id):
    got = api.as_(user).get(f"/api/tasks/{task['id']}")
    assert got.status_code == 200, (user, task, got.get_json())
    detail = got.get_json()
    schema = detail["form_schema"] or {}
    data = copy.deepcopy((schema.get("examples") or [{}])[0])
    props = schema.get("properties") or {}
    data.update({k: detail["data"][k] for k in CARRIED if k in props and k in detail["data"]})
    data.update({k: v for k, v in DECISIONS.items() if k in props})
    if task["bpmn_id"] == "task_progress_report":
        month = data["report_month"]
        data.update(progress_percent=100, meeting_count=1, meeting_dates=[f"{month}-10"], regress_reason="",
                    paid_this_month_wan=100, cumulative_paid_wan=data.get("last_cumulative_paid_wan", 0) + 100)
    if any(p.get("format") == "file-id" or (p.get("items") or {}).get("format") == "file-id" for p in props.values()):
        form = {"file": (io.BytesIO(PDF), "材料.pdf")}
        if project_id is not None:  # a city-level task's attachment belongs to no project
            form["project_id"] = str(project_id)
        upload = api.as_(user).post("/api/files", data=form)
        assert upload.status_code == 201, upload.get_json()
        data = _with_files(schema, data, upload.get_json()["id"])
    return data


def _walk(api, app, project_id, overrides=None):
    """Complete the project's tasks until its lifecycle ends; returns (stages seen, bpmn ids done, detail)."""
    stages, done = [], []
    for _ in range(120):
        detail = api.as_("sgj").get(f"/api/projects/{project_id}").get_json()
        if not stages or detail["stage"] != stages[-1]:
            stages.append(detail["stage"])
        if detail["stage"] == roles.ENDED:
            return stages, done, detail
        if not detail["tasks"] and _publish_plans(api, app):
            continue  # 市数管局 published the build year's plan (a city-level task, no project)
        if not detail["tasks"] and detail["may_retire"] and "task_performance_evaluation" in done:
            # a year of 运维 evaluated and the next one funded: the department retires the system
            r = api.as_("dept_gaj").post(f"/api/projects/{project_id}/retire", json={"reason": "业务并入省级平台"})
            assert r.status_code == 200, r.get_json()
            continue
        if not detail["tasks"]:
            # only a timer can move it on (the free-warranty period ending): fire it as an operator would
            fired = app.test_cli_runner().invoke(args=["timers", "run-due", "--at", "2040-01-01T00:00:00+08:00"])
            assert fired.exit_code == 0, fired.output
            assert api.as_("sgj").get(f"/api/projects/{project_id}").get_json()["tasks"], \
                f"stuck at {detail['stage']} after {done[-3:]}"
            continue
        task = detail["tasks"][0]
        group = task["groups"][0]
        user = group.split(":", 1)[1] if group.startswith("user:") else WORKER[group]  # a designated expert
        mine = api.as_(user).get(f"/api/tasks?project_id={project_id}").get_json()["items"]
        assert task["id"] in [t["id"] for t in mine], f"{user} does not see {task['name']}"
        data = {**_form_data(api, user, task, project_id), **(overrides or {}).get(task["bpmn_id"], {})}
        r = api.as_(user).post(f"/api/tasks/{task['id']}/complete", json={"data": data})
        assert r.status_code == 200, (task["bpmn_id"], user, r.get_json())
        assert r.get_json()["incident"] is None, (task["bpmn_id"], r.get_json()["incident"])
        done.append(task["bpmn_id"])
    pytest.fail(f"the walk did not reach the end: {stages}, last steps {done[-5:]}")


CITY_STEPS = {"task_plan_publish", "task_units_supervision", "task_units_mlps", "task_units_third_party"}


def _publish_plans(api, app):
    """Complete 市数管局's pending city-level tasks (their project is none): 审定并发布年度建设计划 and the year's
    监理 / 等保测评 / 第三方测评 单位招标选定."""
    pending = [t for t in api.as_("sgj").get("/api/tasks?per_page=100").get_json()["items"]
               if t["bpmn_id"] in CITY_STEPS]
    for task in pending:
        assert task["project_id"] is None, task
        data = _form_data(api, "sgj", task, None)
        r = api.as_("sgj").post(f"/api/tasks/{task['id']}/complete", json={"data": data})
        assert r.status_code == 200, r.get_json()
    return bool(pending)


def _create(api):
    r = api.as_("dept_gaj").post("/api/projects", json={"name": "六安市警务数据共享平台", "build_year": 2028,
                                                         "budget_wan": 800})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_one_project_from_creation_to_operations(api, app, lifecycle):
    project = _create(api)
    stages, done, detail = _walk(api, app, project["id"])
    assert stages == ["谋划", "申报", "实施", "验收", "运维", "已结束"], stages
    assert detail["status"] == "已下线"
    assert detail["retirement"]["reason"] == "业务并入省级平台"
    for step in ("task_declaration", "task_expert_review", "task_establishment_approval", "task_contract",
                 "task_progress_report", "task_initial_acceptance", "task_final_acceptance", "task_audit",
                 "task_ops_management", "task_ops_funding", "task_ops_funding_finance", "task_ops_funding_review",
                 "task_performance_evaluation"):
        assert step in done, step
    assert done.count("task_ops_funding") == 2
    # the other department never saw any of it
    assert api.as_("dept_jyj").get(f"/api/projects/{project['id']}").status_code == 404
    history = api.as_("dept_gaj").get(f"/api/projects/{project['id']}").get_json()["history"]
    assert sum(1 for h in history if h["kind"] == "complete") >= len(done)


def test_a_failed_review_ends_as_not_established(api, app, lifecycle):
    project = _create(api)
    rejected = {"task_expert_review": {"review_passed": False, "rejection_reason": "必要性不足，与既有平台重复"}}
    stages, done, detail = _walk(api, app, project["id"], rejected)
    assert done[-1] == "task_expert_review" and stages[-1] == "已结束"
    assert detail["status"] == "不予立项"
    listed = api.as_("sgj").get("/api/projects?status=不予立项").get_json()
    assert [p["id"] for p in listed["items"]] == [project["id"]]
    assert api.as_("sgj").get("/api/projects?status=已完成").get_json()["total"] == 0
