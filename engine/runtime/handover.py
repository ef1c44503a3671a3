"""Handing work on: 转办 (a claimed task to a colleague, with a note) and 退回 (back to an earlier user task of
the same instance and stage, with a reason; SpiffWorkflow's reset to that task)."""
from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from .. import roles
from ..audit import record
from ..db import db
from ..errors import Conflict, Invalid
from ..models import AuditEvent, Notification, TaskIndex
from .messages import _route
from .state import Actor, _advance, _load_row, _now, _save, _Step, _workflow, unit_of_work
from .tasks import behalf, check_may_work, get_task

MAX_NOTE = 1000


def _text(value, what):
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Invalid(f"请填写{what}", fields={"note": "必填"})
    if len(text) > MAX_NOTE:
        raise Invalid(f"{what}不能超过 {MAX_NOTE} 个字", fields={"note": "过长"})
    return text


def _notify(group, kind, message, task, now):
    db.session.add(Notification(group_code=group, kind=kind, message=message[:2000], instance_id=task.instance_id,
                                project_id=task.project_id, task_bpmn_id=task.bpmn_id, created_at=now))


def transfer_task(task_id, to_username, to_groups, note, actor):
    """转办: the one holding a task (or their stand-in) hands it to a colleague who may work it."""
    note = _text(note, "转办说明")
    with unit_of_work():
        task = get_task(task_id)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消，不能转办")
        if not task.assignee:
            raise Conflict("请先签收任务，再转办给同事")
        check_may_work(task, actor)
        if not to_username or to_username == task.assignee:
            raise Invalid("请选择另一位同事", fields={"to": "须为他人"})
        designated = task.group_code.startswith(roles.PERSON_PREFIX)
        if not designated and not Actor(to_username, frozenset(to_groups)).may_work(task.group_code):
            raise Invalid("该同事不在办理此任务的岗位，不能转办给他", fields={"to": "无权办理"})
        payload = behalf(task, actor, {"from": task.assignee, "to": to_username, "note": note})
        task.assignee = to_username
        if designated:
            task.group_code = roles.person_group(to_username)
        record("transfer", actor.username, task.instance_id, task.project_id, task_id, payload)
        _notify(roles.person_group(to_username), "transfer", f"转办：“{task.name}”已转给您办理。说明：{note}", task, _now())
    return task


def _eligible(wf, current):
    """Completed user tasks before `current` in its own (sub)process: the nearest of each step, newest first."""
    seen, out = set(), []
    node = current.parent
    while node is not None:
        spec = node.task_spec
        if (node.workflow is current.workflow and getattr(spec, "manual", False)
                and node.has_state(TaskState.COMPLETED) and spec.bpmn_id not in seen):
            seen.add(spec.bpmn_id)
            out.append(node)
        node = node.parent
    return out


def send_back_targets(task_id):
    """[{task_id, bpmn_id, name}]: where a ready task may be sent back to."""
    task = get_task(task_id)
    if task.state != "ready":
        return []
    row = _load_row(task.instance_id)
    wf = _workflow(row)
    current = wf.get_task_from_id(UUID(task_id))
    if current is None:
        return []
    return [{"task_id": str(t.id), "bpmn_id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name or t.task_spec.bpmn_id}
            for t in _eligible(wf, current)]


def send_back(task_id, target_task_id, reason, actor):
    """退回: reopen an earlier user task of the same instance and stage; the department is told why."""
    reason = _text(reason, "退回原因")
    with unit_of_work():
        task = get_task(task_id)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消，不能退回")
        check_may_work(task, actor)
        row = _load_row(task.instance_id, lock=True, project_id=task.project_id)
        if row.status != "running":
            raise Conflict("流程未在运行（已挂起、出错或已结束），不能退回")
        wf = _workflow(row)
        current = wf.get_task_from_id(UUID(task_id))
        if current is None or not current.has_state(TaskState.READY):
            raise Conflict("任务已不在待办状态，请刷新")
        try:
            target_id = UUID(str(target_task_id))
        except ValueError:
            raise Invalid("请选择退回到哪一步", fields={"target": "无效"}) from None
        target = next((t for t in _eligible(wf, current) if t.id == target_id), None)
        if target is None:
            raise Invalid("只能退回到本流程本阶段中已办理过的步骤", fields={"target": "不可退回到该步骤"})
        data = deepcopy(target.data)  # the form opens with what was entered last time
        step = _Step(row, actor)
        _advance(wf, step, before=lambda wf_: wf_.reset_from_task_id(target.id, data=data))
        events = _save(step, wf)
        to_name = target.task_spec.bpmn_name or target.task_spec.bpmn_id
        record("send_back", actor.username, row.id, row.project_id, task_id, behalf(task, actor, {
            "from_bpmn_id": task.bpmn_id, "from_name": task.name, "to_bpmn_id": target.task_spec.bpmn_id,
            "to_name": to_name, "to_task_id": str(target.id), "reason": reason}))
        reopened = db.session.get(TaskIndex, str(target.id))
        group = reopened.group_code if reopened is not None and reopened.state == "ready" else row.owner_group
        _notify(group, "returned", f"退回：“{task.name}”退回至“{to_name}”。原因：{reason}", task, _now())
        if row.owner_group and row.owner_group != group:
            _notify(row.owner_group, "returned", f"退回：“{task.name}”退回至“{to_name}”。原因：{reason}", task, _now())
        _route(row, events, actor)
    return db.session.get(TaskIndex, str(target.id))


def last_send_back(task_id):
    """The send-back that reopened this ready task ({actor, at, reason, from_name, on_behalf_of}), or None."""
    task = db.session.get(TaskIndex, task_id)
    if task is None or task.state != "ready":
        return None
    events = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.instance_id == task.instance_id, AuditEvent.kind == "send_back")
        .order_by(AuditEvent.id.desc()).limit(20)).scalars().all()
    for event in events:
        if (event.payload or {}).get("to_task_id") == task_id:
            return {"actor": event.actor, "at": event.at, **event.payload}
    return None


