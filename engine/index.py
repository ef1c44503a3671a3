"""The task index: every user task as a row, so lists and reports never deserialize a workflow."""
from sqlalchemy.orm.util import identity_key
from SpiffWorkflow.util.task import TaskState

from . import clock, roles, scripting
from .models import TaskIndex
from .db import db

DUE_PROPERTY = "dueDate"
FORM_PROPERTY = "formJsonSchemaFilename"


def properties_of(task_spec):
    return ((getattr(task_spec, "extensions", None) or {}).get("properties")) or {}


def due_of(spiff_task):
    """The deadline of a user task from its `dueDate` property, as naive UTC, or None."""
    expression = properties_of(spiff_task.task_spec).get(DUE_PROPERTY)
    if not expression:
        return None
    value = scripting.evaluate_expression(expression, dict(spiff_task.data))
    return clock.as_utc(value).replace(tzinfo=None) if value else None


def ready_ids(wf):
    """The ids of the workflow's ready user tasks: exactly the open rows of its index, between steps."""
    return {str(t.id) for t in wf.get_tasks(state=TaskState.READY, manual=True)}


def sync_task_index(row, wf, completed=None, now=None, ready_before=None):
    """Insert rows for new ready user tasks; close rows whose task is no longer ready.

    With `ready_before` (the ready ids when the state was loaded, taken by a user's completion) the
    change is the difference of the engine's own two states and nothing is read back: rows closed,
    rows added. Without it (timers, messages, administration) the open rows are read and compared,
    which also refreshes their overdue flags.
    """
    completed = completed or {}
    ready = {str(t.id): t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
    if ready_before is not None:
        _close(row, [i for i in ready_before if i not in ready], completed, now)
        for task_id in ready.keys() - ready_before:
            db.session.add(_new_row(row, ready[task_id], now))
        return
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
        db.session.add(_new_row(row, task, now))


def _new_row(row, task, now):
    spec = task.task_spec
    lane = spec.lane
    due = due_of(task)
    group, assignee = assignment_of(task, row.owner_group)
    return TaskIndex(
        id=str(task.id), instance_id=row.id, project_id=row.project_id, process_id=row.process_id,
        bpmn_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id, lane=lane,
        group_code=group, assignee=assignee,
        state="ready", form=properties_of(spec).get(FORM_PROPERTY), stage=task.data.get("stage"),
        created_at=now, due_at=due, overdue=bool(due and due <= now),
    )


def assignment_of(task, owner_group):
    """(group, assignee) of a ready user task: its lane's group, or the people its data designates.

    Each instance of a multi-instance task has its own data, so a panel's experts each get their own task
    (`lane_owners = {"专家": [expert]}` in the task's preScript, `expert` the instance's input item): one
    name is assigned at once; several names each see the task and the first to claim it works it.
    A designation the engine cannot honour (not user names, too many) goes to the administrators to assign.
    """
    lane = task.task_spec.lane
    users = roles.designated_users(lane, task.data)
    if users:
        return roles.person_group(*users), users[0] if len(users) == 1 else None
    if users is False:
        return "admin", None
    return roles.lane_group(lane, owner_group) or "admin", None


def _close(row, task_ids, completed, now):
    """Close the rows of tasks no longer ready: those in the session are changed there (the caller may
    still read them), the others by one UPDATE per outcome without loading them."""
    by_outcome = {}
    for task_id in task_ids:
        state, by = ("completed", completed[task_id]) if task_id in completed else ("cancelled", None)
        entry = db.session.identity_map.get(identity_key(TaskIndex, task_id))
        if entry is not None:
            entry.state, entry.completed_at = state, now
            if by is not None:
                entry.completed_by = by
        else:
            by_outcome.setdefault((state, by), []).append(task_id)
    for (state, by), ids in by_outcome.items():
        values = {"state": state, "completed_at": now, **({"completed_by": by} if by is not None else {})}
        db.session.execute(db.update(TaskIndex).where(TaskIndex.id.in_(ids), TaskIndex.state == "ready")
                           .values(**values).execution_options(synchronize_session=False))
