"""The task index: every user task as a row, so lists and reports never deserialize a workflow."""
from SpiffWorkflow.util.task import TaskState

from . import clock, roles, scripting
from .models import TaskIndex
from .db import db

DUE_PROPERTY = "dueDate"
FORM_PROPERTY = "formJsonSchemaFilename"


def properties_of(task_spec):
    return ((task_spec.extensions or {}).get("properties")) or {}


def due_of(spiff_task):
    """The deadline of a user task from its `dueDate` property, as naive UTC, or None."""
    expression = properties_of(spiff_task.task_spec).get(DUE_PROPERTY)
    if not expression:
        return None
    value = scripting.evaluate_expression(expression, dict(spiff_task.data))
    return clock.as_utc(value).replace(tzinfo=None) if value else None


def sync_task_index(row, wf, completed=None, now=None):
    """Insert rows for new ready user tasks; close rows whose task is no longer ready."""
    completed = completed or {}
    ready = {str(t.id): t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
    # One query: the rows still open, and any row a task now ready already has.
    rows = db.session.execute(
        db.select(TaskIndex).where(TaskIndex.instance_id == row.id,
                                   (TaskIndex.state == "ready") | TaskIndex.id.in_(list(ready)))
    ).scalars().all()
    existing = {t.id: t for t in rows if t.state == "ready"}
    closed = {t.id: t for t in rows if t.state != "ready"}
    for task_id, entry in existing.items():
        if task_id in ready:
            if entry.due_at is not None:
                entry.overdue = entry.due_at <= now
            continue
        if task_id in completed:
            entry.state, entry.completed_by = "completed", completed[task_id]
        else:
            entry.state = "cancelled"
        entry.completed_at = now
    for task_id, task in ready.items():
        if task_id in existing:
            continue
        if task_id in closed:  # made ready again (a reset): the same row opens again
            entry = closed[task_id]
            entry.state, entry.completed_at, entry.completed_by = "ready", None, None
            entry.group_code, entry.assignee = assignment_of(task, row.owner_group)
            continue
        spec = task.task_spec
        lane = spec.lane
        due = due_of(task)
        group, assignee = assignment_of(task, row.owner_group)
        db.session.add(TaskIndex(
            id=task_id, instance_id=row.id, project_id=row.project_id, process_id=row.process_id,
            bpmn_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id, lane=lane,
            group_code=group, assignee=assignee,
            state="ready", form=properties_of(spec).get(FORM_PROPERTY), stage=task.data.get("stage"),
            created_at=now, due_at=due, overdue=bool(due and due <= now),
        ))


def assignment_of(task, owner_group):
    """(group, assignee) of a ready user task: its lane's group, or the one person its data designates.

    Each instance of a multi-instance task has its own data, so a panel's experts each get their own task
    (`lane_owners = {"专家": [expert]}` in the task's preScript, `expert` the instance's input item).
    A designation the engine cannot honour (several names) goes to the administrators to assign.
    """
    lane = task.task_spec.lane
    user = roles.designated_user(lane, task.data)
    if user:
        return roles.person_group(user), user
    if user is False:
        return "admin", None
    return roles.lane_group(lane, owner_group) or "admin", None
