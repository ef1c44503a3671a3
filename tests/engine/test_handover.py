"""委托/代理, 转办 and 退回 in the engine: who may act, what the audit records, where a task may go back to."""
import pytest

from engine import runtime
from engine.db import db as database
from engine.errors import Conflict, Forbidden, Invalid
from engine.models import AuditEvent, Notification, Submission

FILL = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}


def start(n=7):
    with runtime.unit_of_work():
        return runtime.start_instance("simple", project_id=n, owner_group="dept:gaj", data={"build_year": 2027})


def ready(instance_id):
    return runtime.open_tasks(instance_id)


def audit(kind):
    return database.session.query(AuditEvent).filter_by(kind=kind).order_by(AuditEvent.id).all()


def test_stand_in_works_the_principals_group_and_claimed_tasks_recording_for_whom(deployed, actor):
    row = start()
    runtime.claim_task(ready(row.id)[0].id, actor("wang", "dept:gaj"))
    outsider = actor("li", "dept:czj")
    with pytest.raises(Forbidden):
        runtime.complete_task(ready(row.id)[0].id, FILL, outsider)
    stand_in = runtime.Actor("li", frozenset({"dept:czj"}), principals=(("wang", frozenset({"dept:gaj"})),))
    runtime.complete_task(ready(row.id)[0].id, FILL, stand_in)
    [done] = audit("complete")
    assert done.actor == "li" and done.payload["on_behalf_of"] == "wang"
    # a group task of the principal's reaches the stand-in too: claimed and worked "li 代 wang"
    row2 = start(8)
    runtime.claim_task(ready(row2.id)[0].id, stand_in)
    assert audit("claim")[-1].payload["on_behalf_of"] == "wang"
    # acting in one's own right records nobody
    own = runtime.Actor("li", frozenset({"dept:gaj"}), principals=(("wang", frozenset({"dept:gaj"})),))
    runtime.save_draft(ready(row2.id)[0].id, FILL, own)
    assert "on_behalf_of" not in audit("draft")[-1].payload


def test_transfer_hands_a_claimed_task_on_with_a_note(deployed, actor):
    row = start()
    wang = actor("wang", "dept:gaj")
    task = ready(row.id)[0]
    with pytest.raises(Conflict):
        runtime.transfer_task(task.id, "zhao", {"dept:gaj"}, "请代为填报", wang)  # not claimed yet
    runtime.claim_task(task.id, wang)
    with pytest.raises(Invalid):
        runtime.transfer_task(task.id, "zhao", {"dept:gaj"}, "  ", wang)  # a note is required
    with pytest.raises(Invalid):
        runtime.transfer_task(task.id, "qian", {"dept:czj"}, "请代为填报", wang)  # not in the task's lane
    with pytest.raises(Forbidden):
        runtime.transfer_task(task.id, "zhao", {"dept:gaj"}, "请代为填报", actor("sun", "dept:gaj"))
    runtime.transfer_task(task.id, "zhao", {"dept:gaj"}, "我休假，请代为填报", wang)
    assert ready(row.id)[0].assignee == "zhao"
    [event] = audit("transfer")
    assert event.payload == {"from": "wang", "to": "zhao", "note": "我休假，请代为填报"}
    note = database.session.query(Notification).filter_by(kind="transfer").one()
    assert note.group_code == "user:zhao" and "我休假" in note.message
    with pytest.raises(Forbidden):
        runtime.complete_task(task.id, FILL, wang)
    runtime.complete_task(task.id, FILL, actor("zhao", "dept:gaj"))


def test_send_back_reopens_an_earlier_step_with_the_reason(deployed, actor):
    row = start()
    gaj, sgj = actor("wang", "dept:gaj"), actor("s1", "sgj")
    runtime.complete_task(ready(row.id)[0].id, FILL, gaj)
    review = ready(row.id)[0]
    targets = runtime.send_back_targets(review.id)
    assert [t["bpmn_id"] for t in targets] == ["fill"]
    with pytest.raises(Invalid):
        runtime.send_back(review.id, targets[0]["task_id"], "", sgj)
    with pytest.raises(Forbidden):
        runtime.send_back(review.id, targets[0]["task_id"], "材料不全", gaj)  # not the lane holding the work
    reopened = runtime.send_back(review.id, targets[0]["task_id"], "资金来源说明不全，请补充", sgj)
    assert reopened.bpmn_id == "fill" and reopened.state == "ready" and reopened.group_code == "dept:gaj"
    assert [t.bpmn_id for t in ready(row.id)] == ["fill"]
    assert runtime.task_data(reopened.id)["amount_wan"] == 10  # the form opens with what was entered
    why = runtime.last_send_back(reopened.id)
    assert why["reason"] == "资金来源说明不全，请补充" and why["actor"] == "s1" and why["from_name"] == "审核"
    assert database.session.query(Notification).filter_by(kind="returned", group_code="dept:gaj").count() == 1
    # and the work goes on from there
    runtime.complete_task(reopened.id, FILL, gaj)
    runtime.complete_task(ready(row.id)[0].id, {"approved": True, "opinion": "同意"}, sgj)
    assert ready(row.id) == [] and database.session.query(Submission).filter_by(draft=False).count() == 3


def test_send_back_refuses_other_instances_and_later_steps(deployed, actor):
    one, two = start(7), start(8)
    gaj, sgj = actor("wang", "dept:gaj"), actor("s1", "sgj")
    runtime.complete_task(ready(one.id)[0].id, FILL, gaj)
    fill_two = ready(two.id)[0]
    runtime.complete_task(fill_two.id, FILL, gaj)
    review_one = ready(one.id)[0]
    with pytest.raises(Invalid):
        runtime.send_back(review_one.id, fill_two.id, "退回到别的项目", sgj)
    with pytest.raises(Invalid):
        runtime.send_back(review_one.id, review_one.id, "退回到自己", sgj)
    with pytest.raises(Invalid):
        runtime.send_back(review_one.id, "not-a-uuid", "无效", sgj)
    assert runtime.send_back_targets(ready(two.id)[0].id)[0]["bpmn_id"] == "fill"
