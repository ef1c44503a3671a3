"""Runtime: start, task index, lanes, claim, complete with validation, incidents, suspend, messages."""
import pytest

from engine import runtime
from engine.db import db as database
from engine.errors import Conflict, Forbidden, Invalid
from engine.models import AuditEvent, Incident, Instance, Submission, TaskIndex


def ready(instance_id):
    return runtime.open_tasks(instance_id)


def start(process, **kw):
    with runtime.unit_of_work():
        return runtime.start_instance(process, **kw)


def test_start_indexes_first_task_with_owner_lane_and_due(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    assert (task.name, task.lane, task.group_code, task.form) == ("填报", "项目建设主管部门", "dept:gaj", "fill.schema.json")
    # 申报 due 2026-06-30 24:00 Beijing = 16:00 UTC
    assert task.due_at.isoformat() == "2026-06-30T16:00:00"
    assert row.state_bytes > 0 and '"spec"' not in row.state  # the spec is stored once per version


def test_complete_validates_per_field_and_changes_nothing(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    gaj = actor("u1", "dept:gaj")
    before = database.session.get(Instance, row.id).lock_version
    with pytest.raises(Invalid) as err:
        runtime.complete_task(task.id, {"amount_wan": -1, "own_funds_wan": 0, "other_funds_wan": 0}, gaj)
    assert "amount_wan" in err.value.fields and "大于" in err.value.fields["amount_wan"]
    with pytest.raises(Invalid) as err:
        runtime.complete_task(task.id, {"amount_wan": 100, "own_funds_wan": 50, "other_funds_wan": 40}, gaj)
    assert err.value.fields == {"own_funds_wan": "资金来源合计须等于申报金额"}
    assert database.session.get(Instance, row.id).lock_version == before
    assert database.session.query(Submission).count() == 0


def test_lanes_decide_who_may_work(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    with pytest.raises(Forbidden):
        runtime.complete_task(task.id, {"amount_wan": 1, "own_funds_wan": 1, "other_funds_wan": 0}, actor("x", "dept:jyj"))
    result = runtime.complete_task(task.id, {"amount_wan": 1, "own_funds_wan": 1, "other_funds_wan": 0},
                                   actor("u1", "dept:gaj"))
    assert [(n["name"], n["group"]) for n in result["next"]] == [("审核", "sgj")]
    done = database.session.get(TaskIndex, task.id)
    assert (done.state, done.completed_by) == ("completed", "u1")


def test_loop_back_then_finish(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    gaj, sgj = actor("u1", "dept:gaj"), actor("s1", "sgj")
    fill = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}
    runtime.complete_task(ready(row.id)[0].id, fill, gaj)
    runtime.complete_task(ready(row.id)[0].id, {"approved": False}, sgj)
    assert ready(row.id)[0].bpmn_id == "fill"  # 退回 → the department fills again
    runtime.complete_task(ready(row.id)[0].id, fill, gaj)
    runtime.complete_task(ready(row.id)[0].id, {"approved": True, "opinion": "同意"}, sgj)
    row = database.session.get(Instance, row.id)
    assert row.status == "completed" and ready(row.id) == []
    kinds = [e.kind for e in database.session.query(AuditEvent).filter_by(instance_id=row.id).order_by(AuditEvent.id)]
    assert kinds.count("complete") == 4 and kinds[0] == "start" and kinds[-1] == "complete"


def test_claim_blocks_colleague(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    runtime.claim_task(task.id, actor("u1", "dept:gaj"))
    with pytest.raises(Conflict):
        runtime.claim_task(task.id, actor("u2", "dept:gaj"))
    with pytest.raises(Forbidden):
        runtime.complete_task(task.id, {"amount_wan": 1, "own_funds_wan": 1, "other_funds_wan": 0}, actor("u2", "dept:gaj"))
    runtime.unclaim_task(task.id, actor("u1", "dept:gaj"))
    assert runtime.claim_task(task.id, actor("u2", "dept:gaj")).assignee == "u2"


def test_failing_script_becomes_incident_then_retry_after_fix(deployed, actor):
    row = start("failing", data={"divisor": 0})
    assert row.status == "incident"
    incident = database.session.query(Incident).one()
    assert incident.bpmn_id == "compute" and "ZeroDivisionError" in incident.error
    admin = actor("admin", "admin")
    runtime.edit_task_data(incident.task_id, {"divisor": 4}, admin, reason="修正除数")
    runtime.retry_incident(incident.id, admin)
    row = database.session.get(Instance, row.id)
    assert row.status == "running"
    assert database.session.get(Incident, incident.id).status == "resolved"
    assert ready(row.id)[0].bpmn_id == "check"


def test_retry_without_fix_keeps_incident_open(deployed, actor):
    row = start("failing", data={"divisor": 0})
    incident = database.session.query(Incident).one()
    runtime.retry_incident(incident.id, actor("admin", "admin"))
    assert database.session.get(Instance, row.id).status == "incident"
    assert database.session.query(Incident).filter_by(status="open").count() == 1


def test_suspend_refuses_work_until_resumed(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    admin, gaj = actor("admin", "admin"), actor("u1", "dept:gaj")
    with pytest.raises(Forbidden):
        runtime.suspend(row.id, gaj)
    runtime.suspend(row.id, admin, reason="核查")
    data = {"amount_wan": 1, "own_funds_wan": 1, "other_funds_wan": 0}
    with pytest.raises(Conflict) as err:
        runtime.complete_task(task.id, data, gaj)
    assert "挂起" in err.value.message
    runtime.resume(row.id, admin)
    runtime.complete_task(task.id, data, gaj)


def test_terminate_cancels_open_tasks(deployed, actor):
    row = start("simple", project_id=7, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    runtime.terminate(row.id, actor("admin", "admin"), reason="项目撤销")
    assert database.session.get(Instance, row.id).status == "terminated"
    assert database.session.get(TaskIndex, task.id).state == "cancelled"


def test_messages_start_child_and_wake_parent(deployed, actor):
    parent = start("parent", project_id=9, owner_group="dept:gaj", data={"month": "2026-03"})
    assert parent.waiting_messages == ["child_done"]
    child = database.session.query(Instance).filter_by(process_id="child").one()
    assert (child.project_id, child.owner_group, child.parent_id) == (9, "dept:gaj", parent.id)
    [task] = ready(child.id)
    assert task.group_code == "dept:gaj"
    runtime.complete_task(task.id, {"approved": True}, actor("u1", "dept:gaj"))
    assert database.session.get(Instance, parent.id).status == "completed"
    assert database.session.get(Instance, child.id).status == "completed"


def test_message_for_nobody_is_refused(deployed, actor):
    with pytest.raises(Conflict):
        runtime.send_message(123, "nobody_listens", {}, actor=actor("u", "sgj"))
