"""Where an instance stands, per diagram file: what the project page and the cockpit mark on each diagram.

With the stages as call activities, a project's current step lies in a stage's own diagram; this walks
the instance and its sub-processes and files each step under the diagram that draws it.
"""
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from .runtime import _workflow

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _depth(workflow):
    depth = 0
    while getattr(workflow, "parent_workflow", None) is not None:
        workflow, depth = workflow.parent_workflow, depth + 1
    return depth


def diagram_states(row):
    """{"current": file, "files": {file: {completed, active, incident: [bpmn ids], counts: {id: n}}}}.

    `active` holds ready user tasks, running call activities and (multi-instance) activities and waiting
    catch events; boundary events waiting beside a task are not a position. `counts` gives the number of
    open instances of an activity where there are several (a panel's experts). `current` is the diagram
    of the deepest open user task, else of a failed step, else the instance's own diagram.
    """
    wf = _workflow(row)
    files, best = {}, None
    for task in wf.get_tasks():
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        file = getattr(task.workflow.spec, "file", None)
        if bpmn_id is None or file is None:
            continue
        entry = files.setdefault(file, {"completed": set(), "active": set(), "incident": set(), "counts": {}})
        if task.has_state(TaskState.ERROR):
            entry["incident"].add(bpmn_id)
            best = best or (-1, file)
        elif task.has_state(OPEN) and not isinstance(spec, BoundaryEvent):
            entry["active"].add(bpmn_id)
            if task.has_state(TaskState.READY) and getattr(spec, "manual", False):
                entry["counts"][bpmn_id] = entry["counts"].get(bpmn_id, 0) + 1
                depth = _depth(task.workflow)
                if best is None or depth > best[0]:
                    best = (depth, file)
        elif task.has_state(TaskState.COMPLETED):
            entry["completed"].add(bpmn_id)
    out = {}
    for file, entry in files.items():
        out[file] = {"completed": sorted(entry["completed"] - entry["active"] - entry["incident"]),
                     "active": sorted(entry["active"]), "incident": sorted(entry["incident"]),
                     "counts": {k: n for k, n in entry["counts"].items() if n > 1}}
    top = getattr(wf.spec, "file", None)
    return {"current": best[1] if best else top, "top": top, "files": out}
