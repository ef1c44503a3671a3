"""The engine's and the scheduler's guards: each refusal or keep-going branch, broken, fails a test here."""
import logging

import pytest
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from engine import roles, runtime
from engine.db import db as database
from engine.errors import Conflict, Forbidden, Invalid
from engine.models import AuditEvent, Incident, Instance
from engine.runtime.messages import MAX_MESSAGE_HOPS, deliver_message

FILL = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}


def start(process, **data):
    with runtime.unit_of_work():
        return runtime.start_instance(process, project_id=31, owner_group="dept:gaj", data=data)


def audit_count(kind):
    return database.session.query(AuditEvent).filter_by(kind=kind).count()


def test_message_loop_is_cut_after_the_hop_limit(deployed):
    with runtime.unit_of_work():  # at the limit a message still goes out (nobody waits: nothing delivered)
        assert deliver_message(31, MessageEventDefinition("无人等待"), {}, hops=MAX_MESSAGE_HOPS) == []
    with pytest.raises(Conflict, match="消息传递层数过多，疑似流程循环"):
        with runtime.unit_of_work():
            deliver_message(31, MessageEventDefinition("无人等待"), {}, hops=MAX_MESSAGE_HOPS + 1)


def test_retry_on_a_suspended_instance_is_refused_and_changes_nothing(deployed, actor):
    row = start("failing", divisor=0)
    incident = database.session.query(Incident).one()
    admin = actor("admin", "admin")
    runtime.edit_task_data(incident.task_id, {"divisor": 4}, admin, reason="修正除数")
    runtime.suspend(row.id, admin, "核查")
    version = database.session.get(Instance, row.id).lock_version
    with pytest.raises(Conflict, match="挂起"):
        runtime.retry_incident(incident.id, admin)
    database.session.expire_all()
    assert database.session.get(Instance, row.id).status == "suspended"
    assert database.session.get(Instance, row.id).lock_version == version
    assert database.session.get(Incident, incident.id).status == "open"
    runtime.resume(row.id, admin)  # once resumed the same retry goes through
    runtime.retry_incident(incident.id, admin)
    assert database.session.get(Incident, incident.id).status == "resolved"


def test_reassign_refusals(deployed, actor):
    row = start("simple", build_year=2027)
    [task] = runtime.open_tasks(row.id)
    before = audit_count("reassign")
    with pytest.raises(Forbidden, match="只有管理员可以改派任务"):
        runtime.reassign_task(task.id, "dept_other", actor("lead", "dept:gaj"))
    assert runtime.get_task(task.id).assignee is None
    admin = actor("admin", "admin")
    runtime.reassign_task(task.id, "dept_other", admin, reason="休假")
    assert runtime.get_task(task.id).assignee == "dept_other" and audit_count("reassign") == before + 1
    runtime.complete_task(task.id, FILL, actor("dept_other", "dept:gaj"))
    with pytest.raises(Conflict, match="任务已办结或已取消"):
        runtime.reassign_task(task.id, "dept_third", admin)
    assert runtime.get_task(task.id).assignee == "dept_other" and audit_count("reassign") == before + 1


def test_reassigning_a_designated_task_needs_a_person(deployed, actor, monkeypatch):
    row = start("simple", build_year=2027)
    [task] = runtime.open_tasks(row.id)
    with runtime.unit_of_work():  # a step the process gave to one person (as a lane owner does)
        runtime.get_task(task.id).group_code = roles.person_group("expert3")
    with pytest.raises(Invalid, match="改派时须指定新的办理人"):
        runtime.reassign_task(task.id, "", actor("admin", "admin"))
    database.session.expire_all()
    assert runtime.get_task(task.id).group_code == roles.person_group("expert3")


def test_scheduler_sweep_keeps_going_after_failures(app, monkeypatch, caplog):
    from webapp.core import scheduler
    from webapp.notify import delivery

    calls = []

    def broken_sweep(*a, **kw):
        calls.append("timers")
        raise RuntimeError("数据库暂时不可用")

    def broken_mail(*a, **kw):
        calls.append("mail")
        raise OSError("邮件服务器无响应")

    monkeypatch.setattr(scheduler.timers, "run_due", broken_sweep)
    monkeypatch.setattr(delivery, "run", broken_mail)
    with caplog.at_level(logging.ERROR, logger="egov.scheduler"):
        scheduler.sweep(app)  # neither failure escapes: the next poll tries again
    assert calls == ["timers", "mail"]  # a failed timer sweep does not skip the mail
    messages = [r.getMessage() for r in caplog.records if r.name == "egov.scheduler"]
    assert messages == ["timer sweep failed", "delivering notifications failed"]
