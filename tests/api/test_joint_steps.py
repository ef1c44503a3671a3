"""Joint duties of 采购与合同 through the API (notice 三、(一)): 政府采购 by 市数管局 with 市财政局 on its own step, the
department's 招标需求 before 市公管局 tenders, the contract registered by 市数管局 and confirmed by the department and
市公管局. Each step is offered to its named group and refused to every other; the year's units come as a list."""
import time_machine

from engine.db import db
from engine.runtime import unit_of_work
from engine.models import Submission, TaskIndex
from scenarios import driver
from webapp.core.models import Project
from webapp.files.services import seed_demo_files

YEAR = 2028
# (bpmn id, who may do it, overrides that keep the figures consistent with the project)
# The amounts come from the served example, fitted to the project (x-example-from): it submits as it stands.
JOINT = [("task_procurement", "sgj", {"procurement_date": "2028-01-20"}),
         ("task_procurement_review", "czj", {}),
         ("task_tender_requirements", "dept_gaj", {}),
         ("task_tender", "ggj", {}),
         ("task_contract", "sgj", {"contract_date": "2028-03-10"}),
         ("task_contract_dept", "dept_gaj", {}),
         ("task_contract_ggj", "ggj", {})]
OTHERS = ["dept_gaj", "dept_jyj", "sgj", "fgw", "czj", "ggj", "sjj", "szf", "expert1"]


class Attached(driver.Project):
    """The driver bound to a project the API created (its lifecycle instance already runs)."""

    def __init__(self, project_id, instance_id, at):
        self.id, self.instance_id, self.name = project_id, instance_id, "六安市警务数据共享平台"
        self.now = driver.instant(at)
        self.trail = []


def _ready(project_id, bpmn_id):
    db.session.expire_all()
    return db.session.execute(db.select(TaskIndex).filter_by(project_id=project_id, bpmn_id=bpmn_id,
                                                             state="ready")).scalar_one()


def test_joint_steps_reach_their_group_only_and_units_come_from_the_selection(api, real_model):
    created = api.as_("dept_gaj").post("/api/projects", json={"name": "六安市警务数据共享平台", "build_year": YEAR,
                                                              "budget_wan": 500})
    assert created.status_code == 201, created.get_json()
    project_id = created.get_json()["id"]
    with unit_of_work():
        seed_demo_files()  # the examples' attachments exist, as in a demo system
    p = Attached(project_id, db.session.get(Project, project_id).instance_id, f"{YEAR - 1}-03-01")
    driver.plan(p, YEAR)
    driver.declare(p, YEAR)
    driver.precheck(p, YEAR)
    driver.review(p, YEAR)
    driver.establish(p, YEAR)
    driver.kickoff(p, YEAR, approved=480, at=f"{YEAR}-01-05")
    for bpmn_id, owner, overrides in JOINT:
        task = _ready(project_id, bpmn_id)
        with time_machine.travel(p.now, tick=False):
            api.tokens.clear()  # signed in at the moment the step is done (a token does not live for years)
            for other in (u for u in OTHERS if u != owner):
                assert api.as_(other).get(f"/api/tasks/{task.id}").status_code in (403, 404), (bpmn_id, other)
                listed = api.as_(other).get(f"/api/tasks?project_id={project_id}").get_json().get("items") or []
                assert task.id not in [t["id"] for t in listed], (bpmn_id, other)
                refused = api.as_(other).post(f"/api/tasks/{task.id}/complete", json={"data": {}})
                assert refused.status_code in (403, 404), (bpmn_id, other, refused.get_json())
                assert "error" in refused.get_json()
            assert _ready(project_id, bpmn_id).state == "ready"  # nothing changed
            mine = api.as_(owner).get(f"/api/tasks?project_id={project_id}").get_json()["items"]
            assert task.id in [t["id"] for t in mine], (bpmn_id, owner)
            detail = api.as_(owner).get(f"/api/tasks/{task.id}").get_json()
            data = {**detail["form_schema"]["examples"][0], **overrides}
            done = api.as_(owner).post(f"/api/tasks/{task.id}/complete", json={"data": data})
            assert done.status_code == 200, (bpmn_id, done.get_json())
        p.at(p.now.replace(day=min(p.now.day + 3, 28)))
    assert db.session.execute(db.select(Submission.data).filter_by(project_id=project_id, draft=False,
                                                                   form="contract.schema.json")).scalar_one()[
        "contract_amount_wan"] == 480  # 批复 480 → 采购预算 → 最高限价 → 中标 → 合同, each as the example offered
    # the contract is confirmed; the year's units: 市数管局 selects them, the 项目监理 form lists exactly those
    driver.select_units(YEAR, f"{YEAR}-03-15")
    task = _ready(project_id, "task_supervision")
    with time_machine.travel(driver.instant(f"{YEAR}-03-16"), tick=False):
        api.tokens.clear()
        served = api.as_("sgj").get(f"/api/tasks/{task.id}").get_json()["form_schema"]
        unit = served["properties"]["supervision_unit"]
        assert unit["enum"] == driver.UNITS["监理"]
        assert unit["x-enum-labels"][driver.UNITS["监理"][0]] == f"{driver.UNITS['监理'][0]}（监理资质甲级）"
        wrong = api.as_("sgj").post(f"/api/tasks/{task.id}/complete",
                                    json={"data": {**served["examples"][0], "supervision_unit": "某工程监理公司"}})
        assert wrong.status_code == 422 and "supervision_unit" in wrong.get_json()["fields"]
        example = served["examples"][0]  # fitted to the year's list: submits as it stands
        assert example["supervision_unit"] == driver.UNITS["监理"][0]
        ok = api.as_("sgj").post(f"/api/tasks/{task.id}/complete", json={"data": example})
        assert ok.status_code == 200, ok.get_json()
