"""A city-level task (年度建设计划, no project) shows in 市数管局's 待办 and opens and submits as a page."""
from engine import runtime
from engine.db import db
from engine.models import TaskIndex
from engine.runtime.messages import deliver_message
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from conftest import deploy_model_dir, ROOT


def test_city_plan_task_in_the_work_queue_and_its_page(web, db):
    deploy_model_dir(ROOT)
    with runtime.unit_of_work():
        deliver_message(7, MessageEventDefinition("plan_entry"),
                        {"build_year": 2027, "project_id": 7, "project_name": "测试项目"})
    task = db.session.execute(db.select(TaskIndex).filter_by(bpmn_id="task_plan_publish", state="ready")).scalar_one()
    assert task.project_id is None and task.group_code == "sgj"
    listing = web.as_("sgj").get("/tasks")
    assert listing.status_code == 200
    assert "审定并发布年度建设计划" in listing.get_data(as_text=True)
    page = web.as_("sgj").get(f"/tasks/{task.id}")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    assert web.as_("dept_gaj").get(f"/tasks/{task.id}").status_code in (403, 404)
