"""Version migration of a running instance (DESIGN decision 9), on SpiffWorkflow's own diff.

`SpiffWorkflow.bpmn.util.diff.diff_workflow` aligns the instance's task specs with the target version's
(by BPMN id first, then by structure); `migrate_workflow` points every task at its new spec and resets the
ready and waiting branches so they are predicted again under the new diagram.

Rules (each refusal is a Chinese sentence naming the step):
- the instance is running, suspended or in incident, and the target is another version holding its process;
- no step the instance has run or is at was removed (a completed, ready, waiting or running task whose
  BPMN id has no counterpart in the new version); predicted tasks below a ready or waiting step are fine,
  they are predicted again;
- a step that is in progress (STARTED: a running call activity or sub-process, or the parent of boundary
  events) or failed (ERROR) must be unchanged;
- a ready or waiting step must keep its boundary events (adding or removing e.g. a reminder timer on a
  step that is already open cannot be applied to it);
- every running sub-process (call activity) must still exist, under the same process id, with the same rules.
Changes to completed steps are history and allowed; changed ready/waiting steps are reset and take the new
definition (a waiting timer keeps its due time).
"""
from copy import deepcopy

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import registry, runtime
from .audit import record
from .db import db, fits_integer
from .errors import Conflict, NotFound
from .index import FORM_PROPERTY, assignment_of, properties_of
from . import roles
from .models import ModelVersion, TaskIndex
from .serialization import serializer

MIGRATABLE = ("running", "suspended", "incident")
LIVE = TaskState.READY | TaskState.WAITING
IN_PROGRESS = TaskState.STARTED | TaskState.ERROR
PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE
STATUS_NAMES = {"completed": "已完成", "terminated": "已终止", "running": "运行中", "suspended": "已挂起",
                "incident": "故障"}
STATE_NAMES = {TaskState.COMPLETED: "已完成", TaskState.READY: "待办", TaskState.WAITING: "等待中",
               TaskState.STARTED: "进行中", TaskState.ERROR: "出错", TaskState.CANCELLED: "已取消"}


def _label(spec):
    name = getattr(spec, "bpmn_name", None)
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    return f"“{name}”（{bpmn_id}）" if name else f"{bpmn_id}"


def _state_name(task):
    for state, name in STATE_NAMES.items():
        if task.has_state(state):
            return name
    return TaskState.get_name(task.state)


def _is_internal(spec):
    """Specs SpiffWorkflow adds itself (Start, End, <process>.EndJoin, boundary parents)."""
    return getattr(spec, "bpmn_id", None) is None


def _has_live_ancestor(task):
    parent = task.parent
    while parent is not None:
        if parent.has_state(LIVE):
            return True
        parent = parent.parent
    return False


def _boundary_names(spec):
    """The boundary events attached to a task: SpiffWorkflow 3.2 puts a `<task>.BoundaryEventSplit` before it."""
    for split in spec.inputs:
        if split.name.endswith(".BoundaryEventSplit"):
            return sorted(s.name for s in split.outputs if s is not spec)
    return []


class Plan:
    """What migrating one instance to a version would do, or why it cannot."""

    def __init__(self, row, target):
        self.row, self.target = row, target
        self.reasons = []  # refusals, Chinese
        self.notes = []  # what will happen, Chinese
        self.workflow = None
        self.top = None
        self.subs = {}
        self.new_spec = self.new_subs = None

    @property
    def ok(self):
        return not self.reasons

    def as_dict(self):
        return {"instance_id": self.row.id, "from_version": self.row.version_id,
                "to_version": self.target.id if self.target else None, "ok": self.ok,
                "reasons": self.reasons, "notes": self.notes}


def _check_diff(plan, diff, label=""):
    where = f"子流程{label}中" if label else ""
    for task in diff.removed:
        spec = task.task_spec
        if _is_internal(spec):
            continue
        if task.has_state(PREDICTED) and _has_live_ancestor(task):
            continue  # a prediction below an open step: predicted again under the new diagram
        if task.has_state(PREDICTED):
            plan.reasons.append(f"{where}步骤{_label(spec)}在新版本中已删除，而实例已预先生成了该步骤")
        else:
            plan.reasons.append(f"{where}步骤{_label(spec)}在新版本中已删除，而实例中该步骤{_state_name(task)}")
    for task in diff.changed:
        spec = task.task_spec
        if task.has_state(IN_PROGRESS) and not _is_internal(spec):
            new = diff.alignment.get(task)
            attrs = _changed_attrs(task, new)
            plan.reasons.append(f"{where}步骤{_label(spec)}正在{_state_name(task)}，而新版本修改了它（{attrs}），"
                                "须待该步骤结束后再迁移")
    for task, new in diff.alignment.items():
        if new is None or not task.has_state(LIVE) or _is_internal(task.task_spec):
            continue
        if _boundary_names(task.task_spec) != _boundary_names(new):
            plan.reasons.append(f"{where}步骤{_label(task.task_spec)}当前{_state_name(task)}，新版本为它增删了边界事件"
                                "（如定时提醒、逾期督办），已开始的步骤不能改用新定义；请待该步骤办结后再迁移")
        elif task in diff.changed:
            plan.notes.append(f"{where}当前{_state_name(task)}的步骤{_label(task.task_spec)}将按新版本定义重新生成")


def _changed_attrs(task, new):
    if new is None:
        return "已删除"
    try:
        a, b = serializer.registry.convert(task.task_spec), serializer.registry.convert(new)
    except Exception:
        return "定义"
    keys = [k for k, v in a.items() if b.get(k) != v]
    return "、".join(keys) or "定义"


def plan(instance_id, target_version_id, lock=False):
    """A Plan for migrating the instance; plan.reasons is empty when it may go ahead."""
    row = runtime._load_row(instance_id, lock=lock)
    target = db.session.get(ModelVersion, target_version_id) if fits_integer(target_version_id) else None
    result = Plan(row, target)
    if target is None:
        result.reasons.append(f"目标版本 {target_version_id} 不存在")
        return result
    if row.status not in MIGRATABLE:
        result.reasons.append(f"实例状态为“{STATUS_NAMES.get(row.status, row.status)}”，已结束的实例不能迁移")
        return result
    if row.version_id == target.id:
        result.reasons.append(f"实例已在版本 {target.id} 上，无需迁移")
        return result
    try:
        new_spec, new_subs = registry.load_specs(target.id, row.process_id)
    except NotFound:
        result.reasons.append(f"版本 {target.id} 中没有流程 {row.process_id}（该流程已被删除或改名）")
        return result
    wf = runtime._workflow(row)
    top, sub_diffs = diff_workflow(serializer.registry, wf, new_spec, new_subs)
    result.workflow, result.top, result.subs = wf, top, sub_diffs
    result.new_spec, result.new_subs = new_spec, new_subs
    _check_diff(result, top)
    for sp_id, sp_diff in sub_diffs.items():
        sub = wf.subprocesses[sp_id]
        if sp_diff is None:
            result.reasons.append(f"正在运行的子流程 {sub.spec.name} 在新版本中已不存在")
            continue
        _check_diff(result, sp_diff, f" {sub.spec.name} ")
    if result.ok:
        added = [s for s in new_spec.task_specs.values() if s.name not in wf.spec.task_specs and not _is_internal(s)]
        if added:
            result.notes.append("新版本新增步骤：" + "、".join(_label(s) for s in added[:20]))
    return result


def can_migrate(instance_id, target_version_id):
    """(ok, reasons): whether SpiffWorkflow's diff allows migrating the instance, and why not."""
    result = plan(instance_id, target_version_id)
    return result.ok, list(result.reasons)


def migrate(instance_id, target_version_id, actor):
    """Move the instance to the target version in one transaction with its version counter."""
    runtime._admin_only(actor)
    with runtime.unit_of_work():
        result = plan(instance_id, target_version_id, lock=True)
        if not result.ok:
            raise Conflict("不能迁移：" + "；".join(result.reasons), fields={"reasons": "；".join(result.reasons)})
        row, wf = result.row, result.workflow
        timers = {t.id: dict(t.internal_data) for t in wf.get_tasks(state=TaskState.WAITING)
                  if "event_value" in t.internal_data}
        from_version = row.version_id
        for sp_id, sp_diff in result.subs.items():
            sub = wf.subprocesses[sp_id]
            _migrate_workflow(sp_diff, sub, result.new_subs[sub.spec.name])
        _migrate_workflow(result.top, wf, result.new_spec)
        wf.subprocess_specs = result.new_subs
        for task in wf.get_tasks(state=TaskState.WAITING):
            saved = timers.get(task.id)
            if saved and "event_value" in saved:  # a waiting timer keeps its due time
                task.internal_data["event_value"] = saved["event_value"]
        row.version_id = result.target.id
        step = runtime._Step(row, actor)
        runtime._advance(wf, step)
        events = runtime._save(step, wf)
        _reindex(row, wf)
        record("migrate", actor.username, row.id, row.project_id,
               payload={"from": from_version, "to": result.target.id, "notes": result.notes})
        runtime._route(row, events, actor)
    return row


def _migrate_workflow(diff, workflow, spec):
    """SpiffWorkflow's migrate_workflow, except that an open instance of a multi-instance activity keeps its data.

    Its default reset gives every ready task its parent's data; an instance of a multi-instance activity
    would lose its own item (the expert it is for) and the key its result is stored under.
    """
    migrate_workflow(diff, workflow, spec, reset_mask=TaskState.WAITING)
    for task in list(workflow.get_tasks(state=TaskState.READY, skip_subprocesses=True)):
        if task.id not in workflow.tasks:
            continue
        if task.parent is not None and isinstance(task.parent.task_spec, LoopTask):
            own, internal = deepcopy(task.data), dict(task.internal_data)
            task.reset_branch(own)
            task.internal_data.update(internal)
        else:
            task.reset_branch(None)
    if workflow.last_task not in workflow.tasks:
        workflow.last_task = None


def _reindex(row, wf):
    """Open task rows take the names, lanes, groups and forms of the new version."""
    ready = {str(t.id): t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
    for entry in db.session.execute(db.select(TaskIndex).filter_by(instance_id=row.id, state="ready")).scalars():
        task = ready.get(entry.id)
        if task is None:
            continue
        spec = task.task_spec
        entry.bpmn_id = spec.bpmn_id
        entry.name = spec.bpmn_name or spec.bpmn_id
        entry.lane = spec.lane
        group, designated = assignment_of(task, row.owner_group)
        if designated or not entry.group_code.startswith(roles.PERSON_PREFIX):
            entry.group_code = group
        if designated:
            entry.assignee = designated
        entry.form = properties_of(spec).get(FORM_PROPERTY)
    db.session.flush()


__all__ = ["plan", "can_migrate", "migrate", "Plan"]
