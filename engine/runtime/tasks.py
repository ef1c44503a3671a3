"""User tasks: claim, draft, complete (with server-side form validation), reassign."""
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from .. import clock, examples, forms, options, registry, roles, scripting
from ..audit import record
from ..db import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..index import ready_ids
from ..models import Instance, Submission, TaskIndex
from .messages import _route
from .state import (TIMER_EVENT_TYPES, _advance, _load_row, _now, _save, _status_refusal, _Step, _waiting_events,
                    _workflow, unit_of_work, workflow_fields)


def get_task(task_id):
    row = db.session.get(TaskIndex, task_id)
    if row is None:
        raise NotFound("任务不存在")
    return row


def _awaited(wf):
    """What the instance waits for when no task is open: its timers, by name and due instant (e.g. the round's
    预审 opening on 7月1日), so that the person who just submitted sees why nothing follows yet (no id: not a task)."""
    found = []
    for pending in _waiting_events(wf):
        if pending.event_type in TIMER_EVENT_TYPES and isinstance(pending.value, str) and pending.name:
            at = clock.as_utc(pending.value)
            found.append((at, {"id": None, "group": None, "due": None,
                               "name": f"等待 {at.astimezone(clock.BEIJING):%Y-%m-%d %H:%M}：{pending.name}"}))
    return [n for _, n in sorted(found, key=lambda item: item[0])]


def check_may_work(task, actor):
    if not (actor.may_work(task.group_code) or actor.is_admin):
        raise Forbidden("您无权办理此任务")
    if task.assignee and task.assignee != actor.username and not actor.stands_in_for(task.assignee):
        raise Forbidden(f"该任务已由 {task.assignee} 签收，只有签收人（或其代理人）可以办理")


def behalf(task, actor, payload=None):
    """The audit payload of an action on `task`, naming the principal when a stand-in acts ("X 代 Y")."""
    payload = dict(payload or {})
    principal = actor.on_behalf_of(task.group_code, task.assignee)
    if principal:
        payload["on_behalf_of"] = principal
    return payload


def claim_task(task_id, actor):
    with unit_of_work():
        task = get_task(task_id)
        if not actor.may_work(task.group_code):
            raise Forbidden("您无权签收此任务")
        if task.state != "ready":
            raise Conflict("任务已办结或已取消，不能签收")
        done = db.session.execute(
            db.update(TaskIndex)
            .where(TaskIndex.id == task_id, TaskIndex.state == "ready",
                   (TaskIndex.assignee.is_(None)) | (TaskIndex.assignee == actor.username))
            .values(assignee=actor.username)
        ).rowcount
        if not done:
            raise Conflict(f"任务已被 {task.assignee} 签收")
        record("claim", actor.username, task.instance_id, task.project_id, task_id, behalf(task, actor))
    return get_task(task_id)


def unclaim_task(task_id, actor):
    with unit_of_work():
        task = get_task(task_id)
        if task.assignee != actor.username and not actor.is_admin and not actor.stands_in_for(task.assignee):
            raise Forbidden("只有签收人（或其代理人）或管理员可以退回签收")
        if task.state != "ready":
            raise Conflict("任务已办结或已取消")
        if len(roles.named_in(task.group_code)) == 1:  # several named people: back to them all
            raise Conflict("该任务由流程指定给本人办理，不能退回签收；如需换人请管理员改派")
        payload = behalf(task, actor)
        task.assignee = None
        record("unclaim", actor.username, task.instance_id, task.project_id, task_id, payload)
    return task


def reassign_task(task_id, username, actor, reason=""):
    if not actor.is_admin:
        raise Forbidden("只有管理员可以改派任务")
    with unit_of_work():
        task = get_task(task_id)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消")
        previous, task.assignee = task.assignee, username or None
        if task.group_code.startswith(roles.PERSON_PREFIX):  # a designated task moves to the new person
            if not task.assignee:
                raise Invalid("该任务由流程指定给个人办理，改派时须指定新的办理人")
            task.group_code = roles.person_group(task.assignee)
        record("reassign", actor.username, task.instance_id, task.project_id, task_id,
               {"from": previous, "to": task.assignee, "reason": reason})
    return task


def task_data(task_id):
    """The data a task's form starts from: its latest draft, else the workflow variables it sees."""
    task = get_task(task_id)
    draft = db.session.execute(
        db.select(Submission).filter_by(task_id=task_id, draft=True).order_by(Submission.id.desc()).limit(1)
    ).scalar()
    row = db.session.get(Instance, task.instance_id)
    wf = _workflow(row)
    spiff_task = wf.get_task_from_id(UUID(task_id))
    data = dict(draft.data if draft is not None else (spiff_task.data if spiff_task is not None else {}))
    if task.form and spiff_task is not None:  # figures the records compute (x-value-from) as they stand now
        data.update(options.computed_values(registry.load_form(row.version_id, task.form), spiff_task.data))
    return data


def form_schema(task):
    """The task's form as it shows for this task: fields whose choices come from records (x-options) list
    them now, and examples[0] is fitted to the task (engine.examples: its department, period, choices)."""
    if not task.form:
        return None
    row = db.session.get(Instance, task.instance_id)
    context = dict(row.variables or {})
    if task.state == "ready":
        spiff_task = _workflow(row).get_task_from_id(UUID(task.id))
        if spiff_task is not None:
            context = dict(spiff_task.data)
    schema = options.resolve(registry.load_form(row.version_id, task.form), context)
    return examples.adapt(schema, context)


def save_draft(task_id, data, actor):
    with unit_of_work():
        task = get_task(task_id)
        check_may_work(task, actor)
        if task.state != "ready":
            raise Conflict("任务已办结，不能保存草稿")
        if not isinstance(data, dict):
            raise Invalid("表单数据必须是对象")
        db.session.add(Submission(task_id=task_id, instance_id=task.instance_id, project_id=task.project_id,
                                  form=task.form or "", data=data, draft=True, submitted_by=actor.username,
                                  submitted_at=_now()))
        record("draft", actor.username, task.instance_id, task.project_id, task_id, behalf(task, actor))


def complete_task(task_id, data, actor, file_exists=None, within=None):
    """Validate `data` against the task's form and complete it. Returns the tasks that come next.

    `within`, if given, runs inside the same transaction after the step (e.g. to attach the form's
    files to the project); its return value comes back under "within". A form rule past a script
    limit leaves the task open, puts an incident on the instance and answers with a Conflict.
    """
    stopped = None
    with unit_of_work():
        task = get_task(task_id)
        check_may_work(task, actor)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消，不能重复提交")
        row = _load_row(task.instance_id, lock=True, project_id=task.project_id)
        if row.status not in ("running", "incident"):
            raise Conflict(_status_refusal(row.status))
        if not isinstance(data, dict):
            raise Invalid("表单数据必须是对象")
        wf = _workflow(row)
        spiff_task = wf.get_task_from_id(UUID(task_id))
        if spiff_task is None or not spiff_task.has_state(TaskState.READY):
            raise Conflict("任务已不在待办状态，请刷新")
        schema = registry.load_form(row.version_id, task.form) if task.form else None
        if schema is not None:
            schema = options.resolve(schema, spiff_task.data)
            known = {**spiff_task.data, **options.computed_values(schema, spiff_task.data)}
            data = forms.with_read_only(schema, data, known)  # the workflow's and records' figures, not the browser's
            try:
                errors = forms.validate(schema, data, context=spiff_task.data, file_exists=file_exists,
                                        raise_limits=True)
            except scripting.ScriptLimitExceeded as exc:
                stopped = _rule_incident(row, wf, spiff_task, actor, exc)
                errors = {}
            if errors:
                raise Invalid("表单填写有误，请按提示修改", fields=errors)
        if stopped is None:
            def run(wf_):
                spiff_task.set_data(**workflow_fields(data))
                spiff_task.run()

            ready_before = ready_ids(wf)  # the open rows of the index, known without reading them
            step = _Step(row, actor)
            _advance(wf, step, before=run)
            events = _save(step, wf, completed={task_id: actor.username}, ready_before=ready_before)
            db.session.add(Submission(task_id=task_id, instance_id=row.id, project_id=row.project_id,
                                      form=task.form or "", data=data, draft=False, submitted_by=actor.username,
                                      submitted_at=_now()))
            record("complete", actor.username, row.id, row.project_id, task_id,
                   behalf(task, actor, {"bpmn_id": task.bpmn_id, "form": task.form}))
            _route(row, events, actor)
            # Built before the commit: afterwards every attribute read would go back to the database.
            result = {"instance_id": row.id, "status": row.status, "stage": row.stage, "incident": step.incident,
                      "within": within() if within is not None else None}
            project_id, awaited = row.project_id, (_awaited(wf) if not wf.completed else [])
    if stopped is not None:  # raised after the commit, so the incident stays
        raise Conflict(stopped)
    # After the commit the messages it threw have been delivered: what comes next includes their tasks.
    following = db.session.execute(
        db.select(TaskIndex).where(TaskIndex.project_id == project_id, TaskIndex.state == "ready")
        if project_id is not None else
        db.select(TaskIndex).where(TaskIndex.instance_id == result["instance_id"], TaskIndex.state == "ready")
    ).scalars().all()
    result["next"] = [{"id": t.id, "name": t.name, "group": t.group_code, "due": t.due_at} for t in following] \
        or awaited
    return result


def _rule_incident(row, wf, spiff_task, actor, exc):
    """Record a form rule past a limit as an incident of the instance; the Chinese text for the user."""
    spec = spiff_task.task_spec
    name = spec.bpmn_name or spec.bpmn_id
    field = getattr(exc, "rule_field", "")
    error = f"元素“{name}”（{spec.bpmn_id}）的表单规则（字段 {field}）运行超出{exc.limit}，已中止"
    step = _Step(row, actor)
    step.incident = {"task_id": str(spiff_task.id), "bpmn_id": spec.bpmn_id, "task_name": name, "error": error}
    _save(step, wf)
    return f"{error}。已记录为流程故障并通知管理员，请稍后再试"


def open_tasks(instance_id):
    return db.session.execute(
        db.select(TaskIndex).filter_by(instance_id=instance_id, state="ready").order_by(TaskIndex.created_at)
    ).scalars().all()
