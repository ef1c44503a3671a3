"""系统下线: while 运维 runs, the project's department retires the system with a reason.

The 运维 stage (bpmn/stage-operation.bpmn) waits between its yearly steps for the message `system_retire`;
catching it ends 运维 and the lifecycle, and the project shows 已结束 / 已下线. The reason and the day go
with the message (workflow variable `retirement`) and into the project's history.
"""
from sqlalchemy import select

from engine import clock, roles, runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid
from engine.models import AuditEvent, Instance

from ..core.identity import actor_of

RETIRE_MESSAGE = "system_retire"
MAX_REASON = 500


def may_retire(project):
    """Whether the lifecycle now waits for 系统下线 (运维 runs and no yearly step is open)."""
    instance = db.session.get(Instance, project.instance_id) if project.instance_id else None
    return bool(instance and instance.status == "running" and RETIRE_MESSAGE in (instance.waiting_messages or []))


def retire(user, project, reason):
    """Send `system_retire` for the project, as its department, with the reason (checked first)."""
    if roles.dept_group(project.department_code) not in user.groups:
        raise Forbidden("只有项目建设主管部门可以申请本部门系统下线")
    reason = reason.strip() if isinstance(reason, str) else reason
    if not isinstance(reason, str) or not reason:
        raise Invalid("请填写下线原因", fields={"reason": "请填写下线原因"})
    if len(reason) > MAX_REASON:
        raise Invalid("下线原因过长", fields={"reason": f"下线原因不能超过 {MAX_REASON} 个字"})
    if not may_retire(project):
        raise Conflict("当前不能申请下线：项目未进入运维阶段，或有运维经费、绩效评估事项正在办理（办结后可申请）")
    payload = {"reason": reason, "retired_on": clock.today().isoformat()}
    with runtime.unit_of_work():
        delivered = runtime.deliver_message(project.id, _message(), payload, actor=actor_of(user),
                                            owner_group=roles.dept_group(project.department_code))
        if not delivered:  # a yearly step opened meanwhile: nothing changes
            raise Conflict("当前不能申请下线：有运维事项正在办理，办结后可申请")
        record("retire", user.username, project.instance_id, project.id, payload=payload)
    return payload


def _message():
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    return MessageEventDefinition(RETIRE_MESSAGE)


def retirement_of(project_id):
    """{reason, retired_on} of the project's 系统下线, or None."""
    payload = db.session.execute(select(AuditEvent.payload).where(
        AuditEvent.project_id == project_id, AuditEvent.kind == "retire").order_by(AuditEvent.id.desc()).limit(1)
    ).scalar()
    return payload or None
