"""Loading and saving an instance: every change is load → step → save in one transaction.

The instance row carries a version counter (SQLAlchemy's version_id_col): of two concurrent steps on one
instance the second fails to save, gets a Conflict and keeps nothing. The task index, submissions,
notifications and audit events are written in that same transaction.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.util.task import TaskState

from .. import clock, decisions, registry, reminders, roles, scripting
from ..audit import record
from ..db import db
from ..errors import Conflict, EngineError, NotFound
from ..index import sync_task_index
from ..models import Incident, Instance, Notification
from ..serialization import dump_state, load_state
from .locks import project_of, project_turn

clock.install_into_spiff()  # SpiffWorkflow's timers read the engine's clock too, for every user of the engine

# Workflow variables stay small (DESIGN decision 2): long texts, lists and tables stay in Submission.
MAX_VARIABLE_TEXT = 200
LIST_VARIABLES = ("project_category", "budget_wan", "requirements_clear", "architecture_simple",
                  "precheck_passed", "review_passed", "initial_acceptance_passed", "final_acceptance_passed",
                  "establishment_route", "build_year", "warranty_months", "construction_complete", "stage",
                  "contract_amount_wan")
TIMER_EVENT_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}


@dataclass(frozen=True)
class Actor:
    """Who asks: a user name and the groups they belong to. `system` is the scheduler.

    `principals`: the people this user stands in for now (委托/代理), as (username, groups) pairs: their
    tasks and their groups' tasks may be worked too, and every such action records whom it was done for.
    """

    username: str
    groups: frozenset = field(default_factory=frozenset)
    principals: tuple = ()

    @property
    def is_admin(self):
        return "admin" in self.groups

    def _own_right(self, group_code):
        return group_code in self.groups or roles.reaches(group_code, self.username)

    def may_work(self, group_code):
        return self._own_right(group_code) or any(
            group_code in groups or roles.reaches(group_code, name) for name, groups in self.principals)

    def stands_in_for(self, username):
        return any(name == username for name, _ in self.principals)

    def on_behalf_of(self, group_code, assignee=None):
        """The principal whose right an action on a task uses, or None when the user's own right suffices."""
        if assignee and assignee != self.username and self.stands_in_for(assignee):
            return assignee
        if self._own_right(group_code) or self.is_admin:
            return None
        for name, groups in self.principals:
            if group_code in groups or roles.reaches(group_code, name):
                return name
        return None


SYSTEM = Actor("system", frozenset({"admin"}))


def _now():
    return clock.now().replace(tzinfo=None)


@contextmanager
def unit_of_work():
    """Commit on success; on any error roll back everything this request wrote.

    After the outermost one commits, the messages its steps threw are delivered (outbox.py), each receiver
    in a transaction of its own.
    """
    info = db.session.info
    if not info.get("units"):
        info["outbox_mine"] = []  # the messages this transaction writes (outbox.overtaken)
    info["units"] = info.get("units", 0) + 1
    try:
        yield
        db.session.commit()
    except (StaleDataError, OperationalError) as exc:
        db.session.rollback()
        if isinstance(exc, OperationalError) and not any(
                word in str(exc) for word in ("locked", "could not serialize", "deadlock detected")):
            raise
        raise Conflict("数据已被他人修改，请刷新后重试") from exc
    except BaseException:
        db.session.rollback()
        raise
    finally:
        info["units"] -= 1
    if info["units"] == 0 and info.get("outbox_queues"):
        from .outbox import drain_posted

        drain_posted()


# ---------------------------------------------------------------- loading and saving

def _load_row(instance_id, lock=False, project_id=None):
    """The instance's row, fresh; with `lock`, its project's turn first (`project_id` if known), then the row."""
    query = db.select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    if lock and db.engine.dialect.name == "postgresql":
        if project_id is None:
            project_id = project_of(instance_id)
        turn = project_turn(project_id)  # in the same round trip when it is not yet held
        if turn is not None:
            query = query.add_columns(turn)
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
        self.decisions = []  # which rule decided each business-rule task run in this step


def _watch(running, step):
    """The engine's will-complete hook: note each task that runs, and which rule decides a business rule."""
    def will_complete(task):
        running.append(task)
        if getattr(task.task_spec, "dmnEngine", None) is not None:
            found = decisions.explain(task)
            if found is not None:
                step.decisions.append((str(task.id), found))
    return will_complete


def _advance(wf, step, before=None):
    """Run engine steps; a failing script becomes an incident instead of an exception."""
    running = []
    try:
        with scripting.collect_outbox() as box:
            try:
                if before is not None:
                    before(wf)
                wf.do_engine_steps(will_complete_task=_watch(running, step))
            finally:
                step.outbox.extend(box)
    except EngineError:
        raise
    except Exception as exc:  # a script, expression or DMN failed: keep the state, record the fault
        failed = wf.get_tasks(state=TaskState.ERROR)
        task = failed[0] if failed else (running[-1] if running else None)
        if isinstance(exc, scripting.ScriptLimitExceeded) and exc.task is not None and not failed:
            task = exc.task  # e.g. a timer expression, evaluated while its event starts waiting
        step.incident = {
            "task_id": str(task.id) if task else None,
            "bpmn_id": task.task_spec.bpmn_id if task else None,
            "task_name": (task.task_spec.bpmn_name or task.task_spec.bpmn_id) if task else None,
            "error": _describe(exc),
        }
        if not failed and task is not None and not task.has_state(TaskState.FINISHED_MASK):
            task.error()


def _notification(item, group, row, now):
    """A notice from the outbox; a reminder whose day has passed says so (engine/reminders.py)."""
    due_at, message = item.get("due_at"), item["message"]
    if due_at is not None and reminders.is_late(due_at, now):
        message = (reminders.late_note(due_at) + message)[:4000]
    return Notification(group_code=group, kind=item["kind"], message=message, instance_id=row.id,
                        project_id=row.project_id, task_bpmn_id=item.get("task_bpmn_id"), created_at=now,
                        due_at=due_at.replace(tzinfo=None) if due_at is not None else None)


def _describe(exc):
    if isinstance(exc, scripting.ScriptLimitExceeded):
        return str(exc)[:4000]  # already names the element and the limit, in Chinese
    text = f"{type(exc).__name__}: {exc}"
    for note in getattr(exc, "__notes__", []) or []:
        text += f"\n{note}"
    return text[:4000]


def _save(step, wf, completed=None, ready_before=None):
    """Write the state and everything derived from it; messages go out after the state is saved."""
    row, now = step.row, _now()
    events = [e for e in wf.get_events() if isinstance(e.event_definition, MessageEventDefinition)]
    sync_task_index(row, wf, completed=completed, now=now, ready_before=ready_before)
    for item in step.outbox:
        group = row.owner_group if item["to"] == "owner" else item["to"]
        if group:
            db.session.add(_notification(item, group, row, now))
    for task_id, found in step.decisions:
        record("decision", step.actor.username, row.id, row.project_id, task_id, {**found, "version_id": row.version_id})
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
    before, row.variables = row.variables or {}, _list_variables(wf)
    changed = {k for k in set(before) | set(row.variables) if before.get(k) != row.variables.get(k)}
    timers, messages = _waiting(wf)
    row.next_timer_at = min(timers) if timers and row.status in ("running", "suspended", "incident") else None
    row.waiting_messages = sorted(set(messages))
    state = dump_state(wf)
    row.state = state
    row.state_bytes = len(state.encode("utf-8"))
    row.updated_at = now
    db.session.flush()  # the version check happens here: a concurrent writer makes this fail
    if changed:
        for listener in _VARIABLE_LISTENERS:
            listener(row, changed)
    return events


_VARIABLE_LISTENERS = []


def on_variables_changed(listener):
    """Call `listener(row, names)` in the step's transaction whenever a step changes listed variables.

    The web app keeps records that mirror a variable (a project's 建设年度 follows `build_year` when a late
    declaration moves it to the next round) without the engine knowing those records.
    """
    if listener not in _VARIABLE_LISTENERS:
        _VARIABLE_LISTENERS.append(listener)
    return listener


def _stage_of(wf, row):
    if wf.completed:
        return roles.ENDED
    seen = [t.data.get("stage") for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)]
    ranked = [roles.STAGES.index(s) for s in seen if s in roles.STAGES]
    return roles.STAGES[max(ranked)] if ranked else row.stage


def latest_task(wf):
    """The task finished last in any (sub)process, or a ready task that follows it; else wf.last_task.

    wf.last_task stays at the top level while a stage's call activity runs, so it misses what the stage's
    steps decided (e.g. establishment_route). Ties on the clock go to the later one in tree order. A ready
    task after it counts: its preScript has run, so what it set (a fund request's contract amount) is the
    instance's before anyone submits; a ready task of another branch may lack what was finished last.
    """
    done = list(enumerate(wf.get_tasks(state=TaskState.COMPLETED)))
    if not done:
        return wf.last_task
    last = max(done, key=lambda it: (it[1].last_state_change, it[0]))[1]
    after = [t for t in wf.get_tasks(state=TaskState.READY) if _descends_from(t, last)]
    return after[-1] if after else last


def _descends_from(task, ancestor):
    parent = task.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


def _list_variables(wf):
    task = latest_task(wf)
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
    if not wf.completed:
        messages += _event_subprocess_messages(wf)
    return timers, messages


def _event_subprocess_messages(wf):
    """Messages that start an event sub-process of the running process.

    SpiffWorkflow creates such a sub-process only when its message arrives, so waiting_events() does not
    list it; the instance must still be found by the message router.
    """
    names = []
    for spec_name in getattr(wf.spec.start, "trigger_specs", None) or []:
        sub_spec = wf.subprocess_specs.get(spec_name)
        for start in getattr(sub_spec, "bpmn_start_events", None) or []:
            if isinstance(start.event_definition, MessageEventDefinition):
                names.append(start.event_definition.name)
    return names


def _small(value):
    if isinstance(value, (bool, int, float)) or value is None:
        return True
    return isinstance(value, str) and len(value) <= MAX_VARIABLE_TEXT


MAX_LIST_ITEMS = 50


def _choice_list(value):
    """A short list of scalars (the experts picked for a panel, project ids left out of a plan): what a
    multi-instance activity iterates over or a gateway counts; tables and long lists stay in Submission."""
    return isinstance(value, list) and len(value) <= MAX_LIST_ITEMS and all(
        _small(v) and v is not None for v in value)


def workflow_fields(data):
    """The part of a submitted form that goes into the workflow: scalars the gateways may read, and short
    lists of scalars a multi-instance activity may iterate over."""
    return {k: v for k, v in data.items() if _small(v) or _choice_list(v)}


def _status_refusal(status):
    return {
        "suspended": "流程实例已挂起，暂不能办理；请联系管理员恢复后再试",
        "terminated": "流程实例已终止，不能再办理",
        "completed": "流程实例已结束，不能再办理",
        "incident": "流程实例存在故障，请等待管理员处理",
        "running": "流程实例正在运行",
    }.get(status, f"流程实例状态为 {status}，不能执行此操作")
