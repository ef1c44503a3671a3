"""Migrating instances that are inside a multi-instance activity: each open instance keeps its person."""
import pytest

from engine import migration, registry, runtime
from engine.db import db as database
from engine.errors import Conflict
from engine.models import Instance, TaskIndex

from tests.engine.test_bpmn_features import DUE, EXPERTS, files_of, ready, start


def deploy(files):
    with runtime.unit_of_work():
        return registry.deploy(files, actor="test")[0]


def renamed(files, old, new):
    return {**files, "bpmn/panel.bpmn": files["bpmn/panel.bpmn"].replace(old, new)}


def test_panel_in_progress_migrates_with_each_expert_keeping_their_task(db, actor):
    files = files_of("panel")
    v1 = deploy(files)
    row = start("panel", project_id=3, owner_group="dept:gaj", data={"experts": EXPERTS, "expert_due": DUE})
    first = next(t for t in ready(row.id) if t.assignee == "expert1")
    runtime.complete_task(first.id, {"score": 75}, actor("expert1", "expert"))
    v2 = deploy(renamed(files, 'name="专家评分"', 'name="专家打分"'))
    assert v2.id != v1.id
    plan = migration.plan(row.id, v2.id)
    assert plan.ok, plan.reasons
    migration.migrate(row.id, v2.id, actor("admin", "admin"))
    assert database.session.get(Instance, row.id).version_id == v2.id
    open_ = ready(row.id)
    assert sorted((t.assignee, t.group_code, t.name) for t in open_) == [
        ("expert2", "user:expert2", "专家打分"), ("expert3", "user:expert3", "专家打分")]
    for task in open_:
        runtime.complete_task(task.id, {"score": 85}, actor(task.assignee, "expert"))
    row = database.session.get(Instance, row.id)
    assert row.status == "completed" and '"scores":[75,85,85]' in row.state


def test_removing_a_running_multi_instance_activity_is_refused(db, actor):
    files = files_of("panel")
    deploy(files)
    row = start("panel", project_id=3, owner_group="dept:gaj", data={"experts": EXPERTS, "expert_due": DUE})
    text = files["bpmn/panel.bpmn"]
    body = text[text.index('<bpmn:userTask id="panel_score"'):text.index("</bpmn:userTask>") + len("</bpmn:userTask>")]
    plain = text.replace(body, '<bpmn:manualTask id="panel_other" name="线下评审"><bpmn:incoming>panel_f1</bpmn:incoming>'
                               '<bpmn:outgoing>panel_f2</bpmn:outgoing></bpmn:manualTask>')
    plain = plain.replace('targetRef="panel_score"', 'targetRef="panel_other"').replace(
        'sourceRef="panel_score"', 'sourceRef="panel_other"').replace(
        "<bpmn:flowNodeRef>panel_score</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>panel_other</bpmn:flowNodeRef>")
    v2 = deploy({**files, "bpmn/panel.bpmn": plain})
    plan = migration.plan(row.id, v2.id)
    assert not plan.ok and any("panel_score" in r for r in plan.reasons), plan.reasons
    with pytest.raises(Conflict):
        migration.migrate(row.id, v2.id, actor("admin", "admin"))
    assert database.session.query(TaskIndex).filter_by(instance_id=row.id, state="ready").count() == 3
