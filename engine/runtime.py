"""The runtime: start instances, work their user tasks, route messages, and save every step safely.

Every change is load → step → save in one transaction. The instance row carries a version counter
(SQLAlchemy's version_id_col): of two concurrent steps on one instance the second fails to save, gets a
Conflict and keeps nothing. The task index, submissions, notifications and audit events are written in
that same transaction.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessage
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import clock, forms, registry, roles, scripting
from .audit import record
from .db import db
from .errors import Conflict, EngineError, Forbidden, Invalid, NotFound
from .index import sync_task_index
from .models import Incident, Instance, Notification, Submission, TaskIndex
from .serialization import dump_state, load_state, new_workflow

clock.install_into_spiff()  # SpiffWorkflow's timers read the engine's clock too, for every user of the engine

# Workflow variables stay small (DESIGN decision 2): long texts, lists and tables stay in Submission.
MAX_VARIABLE_TEXT = 200
LIST_VARIABLES = ("project_category", "budget_wan", "requirements_clear", "architecture_simple",
                  "precheck_passed", "review_passed", "initial_acceptance_passed", "final_acceptance_passed",
                  "establishment_route", "build_year", "warranty_months", "construction_complete", "stage")
MAX_MESSAGE_HOPS = 20
TIMER_EVENT_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


@dataclass(frozen=True)
class Actor:
    """Who asks: a user name and the groups they belong to. `system` is the scheduler."""

    username: str
    groups: frozenset = field(default_factory=frozenset)

    @property
    def is_admin(self):
        return "admin" in self.groups

    def may_work(self, group_code):
        return group_code in self.groups


SYSTEM = Actor("system", frozenset({"admin"}))


def _now():
    return clock.now().replace(tzinfo=None)


@contextmanager
def unit_of_work():
    """Commit on success; on any error roll back everything this request wrote."""
    try:
        yield
        db.session.commit()
    except (StaleDataError, OperationalError) as exc:
        db.session.rollback()
        if isinstance(exc, OperationalError) and "locked" not in str(exc) and "could not serialize" not in str(exc):
            raise
        raise Conflict("数据已被他人修改，请刷新后重试") from exc
    except BaseException:
        db.session.rollback()
        raise


# ---------------------------------------------------------------- loading and saving

def _load_row(instance_id, lock=False):
    query = db.select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    if lock and db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    row = db.session.execute(query).scalar()
    if row is None:
        raise NotFound(f"流程实例 {instance_id} 不存在")
    return row


def _workflow(row):
    spec, subs = registry.load_specs(row.version_id, row.process_id)
    wf = load_state(row.state, spec, subs)
    wf.script_engine = scripting.make_script_engine()
    return wf


class _Step:
    """The effects of one step, collected while the engine runs and written when the state is saved."""

    def __init__(self, row, actor):
        self.row = row
        self.actor = actor
        self.outbox = []
        self.incident = None


def _advance(wf, step, before=None):
    """Run engine steps; a failing script becomes an incident instead of an exception."""
    running = []
    try:
        with scripting.collect_outbox() as box:
            try:
                if before is not None:
                    before(wf)
                wf.do_engine_steps(will_complete_task=running.append)
            finally:
                step.outbox.extend(box)
    except EngineError:
        raise
    except Exception as exc:  # a script, expression or DMN failed: keep the state, record the fault
        failed = wf.get_tasks(state=TaskState.ERROR)
        task = failed[0] if failed else (running[-1] if running else None)
        step.incident = {
            "task_id": str(task.id) if task else None,
            "bpmn_id": task.task_spec.bpmn_id if task else None,
            "task_name": (task.task_spec.bpmn_name or task.task_spec.bpmn_id) if task else None,
            "error": _describe(exc),
        }
        if not failed and task is not None and not task.has_state(TaskState.FINISHED_MASK):
            task.error()


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}"
    for note in getattr(exc, "__notes__", []) or []:
        text += f"\n{note}"
    return text[:4000]


def _save(step, wf, completed=None):
    """Write the state and everything derived from it; messages go out after the state is saved."""
    row, now = step.row, _now()
    events = [e for e in wf.get_events() if isinstance(e.event_definition, MessageEventDefinition)]
    sync_task_index(row, wf, completed=completed, now=now)
    for item in step.outbox:
        group = row.owner_group if item["to"] == "owner" else item["to"]
        if group:
            db.session.add(Notification(group_code=group, kind=item["kind"], message=item["message"],
                                        instance_id=row.id, project_id=row.project_id,
                                        task_bpmn_id=item.get("task_bpmn_id"), created_at=now))
    if step.incident:
        db.session.add(Incident(instance_id=row.id, created_at=now, **step.incident))
        record("incident", step.actor.username, row.id, row.project_id, step.incident["task_id"],
               {"error": step.incident["error"], "bpmn_id": step.incident["bpmn_id"]})
        row.status = "incident"
    elif wf.completed and row.status not in ("terminated",):
        row.status = "completed"
        row.ended_at = now
        record("complete_instance", step.actor.username, row.id, row.project_id)
    row.stage = _stage_of(wf, row)
    row.variables = _list_variables(wf)
    timers, messages = _waiting(wf)
    row.next_timer_at = min(timers) if timers and row.status in ("running", "suspended", "incident") else None
    row.waiting_messages = sorted(set(messages))
    state = dump_state(wf)
    row.state = state
    row.state_bytes = len(state.encode("utf-8"))
    row.updated_at = now
    db.session.flush()  # the version check happens here: a concurrent writer makes this fail
    return events


def _stage_of(wf, row):
    if wf.completed:
        return roles.ENDED
    seen = [t.data.get("stage") for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)]
    ranked = [roles.STAGES.index(s) for s in seen if s in roles.STAGES]
    return roles.STAGES[max(ranked)] if ranked else row.stage


def _list_variables(wf):
    task = wf.last_task
    data = task.data if task is not None else {}
    return {k: data[k] for k in LIST_VARIABLES if k in data and _small(data[k])}


def _waiting_events(wf):
    """What the workflow waits for, the events behind an event-based gateway one by one.

    SpiffWorkflow reports a waiting event-based gateway as one MultipleEventDefinition without name or value;
    its timer's due instant lives in the gateway task's data, so each event is asked on that task.
    """
    found = [p for p in wf.waiting_events() if p.event_type != "MultipleEventDefinition"]
    for task in wf.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            found += [d.details(task) for d in definition.event_definitions]
    return found


def _waiting(wf):
    timers, messages = [], []
    for pending in _waiting_events(wf):
        if pending.event_type in TIMER_EVENT_TYPES:
            if isinstance(pending.value, str):
                timers.append(clock.as_utc(pending.value).replace(tzinfo=None))
        elif pending.event_type == "MessageEventDefinition":
            messages.append(pending.name)
    return timers, messages


def _small(value):
    if isinstance(value, (bool, int, float)) or value is None:
        return True
    return isinstance(value, str) and len(value) <= MAX_VARIABLE_TEXT


def workflow_fields(data):
    """The part of a submitted form that goes into the workflow: scalars the gateways may read."""
    return {k: v for k, v in data.items() if _small(v)}


def _step_instance(instance_id, actor, action, *, allowed=("running", "incident"), completed=None):
    return _step_row(_load_row(instance_id, lock=True), actor, action, allowed=allowed, completed=completed)


def _step_row(row, actor, action, *, allowed=("running", "incident"), completed=None):
    """Load the workflow of a row already read (and locked), run `action` and engine steps, save."""
    if row.status not in allowed:
        raise Conflict(_status_refusal(row.status))
    wf = _workflow(row)
    step = _Step(row, actor)
    _advance(wf, step, before=action)
    events = _save(step, wf, completed=completed)
    _route(row, events, actor)
    return row, wf


def _status_refusal(status):
    return {
        "suspended": "流程实例已挂起，暂不能办理；请联系管理员恢复后再试",
        "terminated": "流程实例已终止，不能再办理",
        "completed": "流程实例已结束，不能再办理",
        "incident": "流程实例存在故障，请等待管理员处理",
        "running": "流程实例正在运行",
    }.get(status, f"流程实例状态为 {status}，不能执行此操作")


# ---------------------------------------------------------------- starting and messages

def start_instance(process_id, *, actor=SYSTEM, project_id=None, owner_group=None, data=None,
                   version=None, parent_id=None, start_event=None, hops=0):
    """Start `process_id` for a project; returns the saved Instance row."""
    version = version or registry.require_latest_version()
    spec, subs = registry.load_specs(version.id, process_id)
    wf = new_workflow(spec, subs, scripting.make_script_engine())
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    now = _now()
    row = Instance(version_id=version.id, process_id=process_id, project_id=project_id, owner_group=owner_group,
                   parent_id=parent_id, status="running", state="{}", created_at=now, updated_at=now, variables={})
    db.session.add(row)
    db.session.flush()
    record("start", actor.username, row.id, project_id, payload={"process": process_id, "version": version.id})
    step = _Step(row, actor)
    _advance(wf, step, before=(lambda w: _receive(w, start_event)) if start_event is not None else None)
    events = _save(step, wf)
    _route(row, events, actor, hops)
    return row


def _receive(wf, event):
    """Hand an outside message to a workflow; a message start event must be reached first."""
    wf.do_engine_steps()
    wf.send_event(event)


def _route(row, events, actor, hops=0):
    """Deliver messages a step threw to the project's other instances, or start processes with them."""
    for event in events:
        deliver_message(row.project_id, event.event_definition, event.payload, actor=actor,
                        version_id=row.version_id, owner_group=row.owner_group, source_id=row.id, hops=hops + 1)


def deliver_message(project_id, event_definition, payload=None, *, actor=SYSTEM, version_id=None,
                    owner_group=None, source_id=None, hops=0):
    """Hand a message to every instance of the project waiting for it, and start those it starts."""
    if hops > MAX_MESSAGE_HOPS:
        raise Conflict("消息传递层数过多，疑似流程循环")
    name = event_definition.name
    delivered = []
    if project_id is not None:
        candidates = db.session.execute(
            db.select(Instance.id, Instance.waiting_messages).where(
                Instance.project_id == project_id, Instance.status == "running", Instance.id != (source_id or 0))
        ).all()
        for instance_id, waiting in candidates:
            if name in (waiting or []):
                event = BpmnEvent(event_definition, payload)
                _step_instance(instance_id, actor, lambda wf, e=event: _receive(wf, e), allowed=("running",))
                delivered.append(instance_id)
    version = db.session.get(registry.ModelVersion, version_id) if version_id else registry.require_latest_version()
    for process_id in registry.processes_started_by(version.id, name):
        started = start_instance(process_id, actor=actor, project_id=project_id, owner_group=owner_group,
                                 version=version, parent_id=source_id,
                                 start_event=BpmnEvent(event_definition, payload), hops=hops)
        delivered.append(started.id)
    record("message", actor.username, source_id, project_id, payload={"name": name, "to": delivered})
    return delivered


def send_message(project_id, name, payload, *, actor, owner_group=None):
    """A message from the application (e.g. a 资金拨付 request) to the project's processes."""
    with unit_of_work():
        delivered = deliver_message(project_id, SpiffMessage(name), payload, actor=actor, owner_group=owner_group)
        if not delivered:
            raise Conflict(f"当前没有流程在等待“{name}”")
    return delivered


# ---------------------------------------------------------------- user tasks

def get_task(task_id):
    row = db.session.get(TaskIndex, task_id)
    if row is None:
        raise NotFound("任务不存在")
    return row


def check_may_work(task, actor):
    if not (actor.may_work(task.group_code) or actor.is_admin):
        raise Forbidden("您无权办理此任务")
    if task.assignee and task.assignee != actor.username:
        raise Forbidden(f"该任务已由 {task.assignee} 签收，只有签收人可以办理")


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
        record("claim", actor.username, task.instance_id, task.project_id, task_id)
    return get_task(task_id)


def unclaim_task(task_id, actor):
    with unit_of_work():
        task = get_task(task_id)
        if task.assignee != actor.username and not actor.is_admin:
            raise Forbidden("只有签收人或管理员可以退回签收")
        if task.state != "ready":
            raise Conflict("任务已办结或已取消")
        task.assignee = None
        record("unclaim", actor.username, task.instance_id, task.project_id, task_id)
    return task


def reassign_task(task_id, username, actor, reason=""):
    if not actor.is_admin:
        raise Forbidden("只有管理员可以改派任务")
    with unit_of_work():
        task = get_task(task_id)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消")
        previous, task.assignee = task.assignee, username or None
        record("reassign", actor.username, task.instance_id, task.project_id, task_id,
               {"from": previous, "to": task.assignee, "reason": reason})
    return task


def task_data(task_id):
    """The data a task's form starts from: its latest draft, else the workflow variables it sees."""
    task = get_task(task_id)
    draft = db.session.execute(
        db.select(Submission).filter_by(task_id=task_id, draft=True).order_by(Submission.id.desc()).limit(1)
    ).scalar()
    if draft is not None:
        return draft.data
    row = db.session.get(Instance, task.instance_id)
    wf = _workflow(row)
    spiff_task = wf.get_task_from_id(UUID(task_id))
    return dict(spiff_task.data) if spiff_task is not None else {}


def form_schema(task):
    if not task.form:
        return None
    row = db.session.get(Instance, task.instance_id)
    return registry.load_form(row.version_id, task.form)


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
        record("draft", actor.username, task.instance_id, task.project_id, task_id)


def complete_task(task_id, data, actor, file_exists=None, within=None):
    """Validate `data` against the task's form and complete it. Returns the tasks that come next.

    `within`, if given, runs inside the same transaction after the step (e.g. to attach the form's
    files to the project); its return value comes back under "within".
    """
    with unit_of_work():
        task = get_task(task_id)
        check_may_work(task, actor)
        if task.state != "ready":
            raise Conflict("任务已办结或已取消，不能重复提交")
        row = _load_row(task.instance_id, lock=True)
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
            data = forms.with_read_only(schema, data, spiff_task.data)  # the workflow's figures, not the browser's
            errors = forms.validate(schema, data, context=spiff_task.data, file_exists=file_exists)
            if errors:
                raise Invalid("表单填写有误，请按提示修改", fields=errors)

        def run(wf_):
            spiff_task.set_data(**workflow_fields(data))
            spiff_task.run()

        step = _Step(row, actor)
        _advance(wf, step, before=run)
        events = _save(step, wf, completed={task_id: actor.username})
        db.session.add(Submission(task_id=task_id, instance_id=row.id, project_id=row.project_id,
                                  form=task.form or "", data=data, draft=False, submitted_by=actor.username,
                                  submitted_at=_now()))
        record("complete", actor.username, row.id, row.project_id, task_id, {"bpmn_id": task.bpmn_id, "form": task.form})
        _route(row, events, actor)
        following = db.session.execute(
            db.select(TaskIndex).where(TaskIndex.project_id == row.project_id, TaskIndex.state == "ready")
            if row.project_id is not None else
            db.select(TaskIndex).where(TaskIndex.instance_id == row.id, TaskIndex.state == "ready")
        ).scalars().all()
        # Built before the commit: afterwards every attribute read would go back to the database.
        result = {"instance_id": row.id, "status": row.status, "stage": row.stage, "incident": step.incident,
                  "next": [{"id": t.id, "name": t.name, "group": t.group_code, "due": t.due_at} for t in following],
                  "within": within() if within is not None else None}
    return result


# ---------------------------------------------------------------- administration

def _admin_only(actor):
    if not actor.is_admin:
        raise Forbidden("只有管理员可以执行此操作")


def suspend(instance_id, actor, reason=""):
    _admin_only(actor)
    with unit_of_work():
        row = _load_row(instance_id, lock=True)
        if row.status not in ("running", "incident"):
            raise Conflict(f"实例当前状态为 {row.status}，不能挂起")
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


def open_tasks(instance_id):
    return db.session.execute(
        db.select(TaskIndex).filter_by(instance_id=instance_id, state="ready").order_by(TaskIndex.created_at)
    ).scalars().all()


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
