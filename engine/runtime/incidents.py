"""Administration of instances: suspend, resume, terminate, retry incidents, correct task data, timers."""
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .. import clock
from ..audit import record
from ..db import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Incident, TaskIndex
from .messages import _route
from .state import _advance, _load_row, _now, _save, _small, _status_refusal, _Step, _workflow, unit_of_work


def _admin_only(actor):
    if not actor.is_admin:
        raise Forbidden("只有管理员可以执行此操作")


def suspend(instance_id, actor, reason=""):
    _admin_only(actor)
    with unit_of_work():
        row = _load_row(instance_id, lock=True)
        if row.status not in ("running", "incident"):
            raise Conflict(f"实例当前状态为 {row.status}，不能挂起")
        if not isinstance(reason, str) or not reason.strip():
            raise Invalid("请填写挂起原因（办理人将在待办中看到）", fields={"reason": "必填"})
        row.status = "suspended"
        record("suspend", actor.username, row.id, row.project_id, payload={"reason": reason})
        db.session.flush()
    return row


def resume(instance_id, actor, reason=""):
    _admin_only(actor)
    with unit_of_work():
        row = _load_row(instance_id, lock=True)
        if row.status != "suspended":
            raise Conflict("实例未挂起，无需恢复")
        open_incident = db.session.execute(
            db.select(Incident.id).filter_by(instance_id=row.id, status="open").limit(1)).scalar()
        row.status = "incident" if open_incident else "running"
        record("resume", actor.username, row.id, row.project_id, payload={"reason": reason})
        db.session.flush()
    return row


def terminate(instance_id, actor, reason=""):
    _admin_only(actor)
    with unit_of_work():
        row = _load_row(instance_id, lock=True)
        if row.status in ("completed", "terminated"):
            raise Conflict("实例已结束，不能终止")
        wf = _workflow(row)
        wf.cancel()
        row.status = "terminated"
        row.ended_at = _now()
        _save(_Step(row, actor), wf)  # a terminated row keeps no due timer
        record("terminate", actor.username, row.id, row.project_id, payload={"reason": reason})
        db.session.flush()
    return row


def retry_incident(incident_id, actor):
    """Run the failed step again (after a data edit or a migration fixed its cause)."""
    _admin_only(actor)
    with unit_of_work():
        incident = db.session.get(Incident, incident_id)
        if incident is None:
            raise NotFound("故障记录不存在")
        if incident.status != "open":
            raise Conflict("该故障已处理")
        row = _load_row(incident.instance_id, lock=True)
        if row.status == "suspended":
            raise Conflict(_status_refusal("suspended"))
        wf = _workflow(row)
        for failed in wf.get_tasks(state=TaskState.ERROR):
            failed._set_state(TaskState.READY)  # SpiffWorkflow has no public "retry": READY re-runs it
        row.status = "running"
        step = _Step(row, actor)
        _advance(wf, step)
        events = _save(step, wf)
        incident.status = "resolved" if step.incident is None else "open"
        if step.incident is None:
            incident.resolved_at, incident.resolved_by = _now(), actor.username
        else:  # the same fault again: keep one open incident, with the newest error
            incident.error = step.incident["error"]
            db.session.execute(db.delete(Incident).where(Incident.instance_id == row.id, Incident.status == "open",
                                                         Incident.id != incident.id))
        record("retry", actor.username, row.id, row.project_id, payload={"incident": incident.id,
                                                                          "resolved": step.incident is None})
        _route(row, events, actor)
    return incident


def edit_task_data(task_id, changes, actor, reason=""):
    """An administrator corrects variables of an open (or failed) task."""
    _admin_only(actor)
    if not isinstance(changes, dict) or not changes:
        raise Invalid("请提供要修改的数据")
    bad = [k for k in changes if not isinstance(k, str) or k.startswith("_") or not _small(changes[k])]
    if bad:
        raise Invalid("只能修改简单变量（数字、布尔值、短文本）", fields={k: "不允许的变量" for k in bad})
    with unit_of_work():
        row_task = db.session.get(TaskIndex, task_id)
        instance_id = row_task.instance_id if row_task else None
        if instance_id is None:
            incident = db.session.execute(db.select(Incident).filter_by(task_id=task_id)).scalar()
            if incident is None:
                raise NotFound("任务不存在")
            instance_id = incident.instance_id
        row = _load_row(instance_id, lock=True)
        wf = _workflow(row)
        spiff_task = wf.get_task_from_id(UUID(task_id))
        if spiff_task is None or spiff_task.has_state(TaskState.FINISHED_MASK) and not spiff_task.has_state(TaskState.ERROR):
            raise Conflict("只能修改未完成任务的数据")
        before = {k: spiff_task.data.get(k) for k in changes}
        spiff_task.data.update(changes)
        _save(_Step(row, actor), wf)
        record("edit_data", actor.username, row.id, row.project_id, task_id,
               {"before": before, "after": changes, "reason": reason})


def waiting_timers(instance_id):
    """{bpmn_id, name, due} of every timer the instance waits on, soonest first."""
    row = _load_row(instance_id)
    wf = _workflow(row)
    found = []
    for task in wf.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):  # an event-based gateway: name its timer
            timers = [i for i, d in enumerate(definition.event_definitions) if isinstance(d, TimerEventDefinition)]
            if not timers:
                continue
            # the gateway's children follow its event definitions (SpiffWorkflow's EventBasedGateway)
            spec = task.children[timers[0]].task_spec if timers[0] < len(task.children) else task.task_spec
        elif isinstance(definition, TimerEventDefinition):
            spec = task.task_spec
        else:
            continue
        value = task.internal_data.get("event_value")
        due = clock.as_utc(value) if isinstance(value, str) else None
        found.append({"bpmn_id": spec.bpmn_id, "name": spec.bpmn_name, "due": due})
    return sorted(found, key=lambda t: (t["due"] is None, t["due"] or 0))
