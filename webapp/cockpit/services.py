"""Services of the cockpit (管理监控) for one instance, incidents and the administrators' actions; the list
of instances and its counts are in instance_list. The UI pages, /api/cockpit and /api/instances,
/api/incidents call these.

Every function takes the acting User first and checks the role (core.access): the cockpit is read by
数管局 and administrators and acted on by administrators only. Lists are indexed SQL over Instance /
TaskIndex; only one instance's page deserializes its workflow.
"""
import json
from collections import Counter

from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine import migration, progress, registry, roles, runtime
from engine.db import db
from engine.errors import Conflict, EngineError, Invalid, NotFound
from engine.models import AuditEvent, Incident, Instance

from ..accounts.services import user_named
from ..core import auditwords
from ..core.access import may_act, may_monitor, require_admin, require_monitor  # noqa: F401  (pages ask svc.may_act)
from ..core.identity import actor_of
from ..core.paging import page_of
from ..core.records import db_int, get_or_404
from ..core.timefmt import iso
from ..modeler.services import diagram_of
from ..worklist.services import task_dicts
from .instance_list import checked_int, instance_row


INCIDENT_STATUSES = ("open", "resolved")


ACTIONS = {"suspend": "挂起", "resume": "恢复", "terminate": "终止", "retry": "重试故障", "migrate": "迁移到最新版本"}


BULK_ACTIONS = ("suspend", "resume", "retry", "migrate")


# ---------------------------------------------------------------- one instance

def get_instance(user, instance_id):
    require_monitor(user)
    return get_or_404(Instance, instance_id, "流程实例不存在")


def overlays(row):
    """Diagram markers from the instance's own task tree: completed, active, incident, and run counts."""
    wf = runtime._workflow(row)
    done, active, failed = Counter(), set(), set()
    for task in wf.get_tasks(skip_subprocesses=True):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.has_state(TaskState.COMPLETED):
            done[bpmn_id] += 1
        elif task.has_state(TaskState.ERROR):
            failed.add(bpmn_id)
        elif task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            active.add(bpmn_id)
    for (bpmn_id,) in db.session.execute(select(Incident.bpmn_id).filter_by(instance_id=row.id, status="open")):
        if bpmn_id:
            failed.add(bpmn_id)
    counts = {k: n for k, n in done.items() if n > 1}
    try:  # the stage diagrams the instance runs in, and how many instances of a multi-instance step are open
        states = progress.diagram_states(row)
    except Exception:
        states = {"top": None, "current": None, "files": {}}
    own = states["files"].get(states["top"], {})
    counts.update(own.get("counts", {}))
    diagrams = [{"file": file, "current": file == states["current"], "xml": registry.file_text(row.version_id, file),
                 **marks} for file, marks in sorted(states["files"].items()) if file != states["top"]]
    return {"completed": sorted(done), "active": sorted(active - failed), "incident": sorted(failed),
            "counts": counts, "diagrams": diagrams}


def instance_work(row):
    """An instance with its open tasks, waiting timers and incidents (GET /api/instances/<id>)."""
    out = instance_row(row)
    out["tasks"] = task_dicts(runtime.open_tasks(row.id))
    out["timers"] = [{**t, "due": iso(t["due"])} for t in runtime.waiting_timers(row.id)]
    incidents = db.session.execute(select(Incident).filter_by(instance_id=row.id).order_by(Incident.id)).scalars()
    out["incidents"] = [incident_dict(i) for i in incidents]
    return out


def instance_detail(user, instance_id):
    """Everything the instance page shows: its work, each task's data, the audit trail, the diagram."""
    from uuid import UUID

    row = get_instance(user, instance_id)
    out = instance_work(row)
    out["incidents"].reverse()  # newest first on the page
    wf = runtime._workflow(row)
    for item in out["tasks"]:
        spiff = wf.get_task_from_id(UUID(item["id"]))
        item["data"] = _small_data(spiff.data) if spiff is not None else {}
    events = db.session.execute(select(AuditEvent).filter_by(instance_id=row.id).order_by(AuditEvent.id.desc())
                                .limit(200)).scalars()
    events = list(events)
    steps = auditwords.task_names(e.task_id for e in events)
    out["audit"] = [{"id": e.id, "at": iso(e.at), "actor": e.actor, "kind": e.kind, "task_id": e.task_id,
                     "task_name": steps.get(e.task_id), "payload": e.payload} for e in events]
    try:
        out["diagram_file"], out["diagram"] = diagram_of(row.version_id, row.process_id)
    except NotFound:
        out["diagram_file"], out["diagram"] = None, None
    out["overlays"] = overlays(row)
    latest = registry.latest_version()
    out["latest_version"] = latest.id if latest else None
    if latest is not None and latest.id != row.version_id:
        plan = migration.plan(row.id, latest.id)
        out["migration"] = {"ok": plan.ok, "reasons": plan.reasons, "notes": plan.notes, "to_version": latest.id}
    else:
        out["migration"] = None
    return out


def _small_data(data):
    out = {}
    for key, value in sorted(data.items()):
        text = json.dumps(value, ensure_ascii=False, default=str)
        out[key] = value if len(text) <= 300 else text[:300] + "…"
    return out


def list_incidents(user, status=None, page=1, per_page=20):
    require_monitor(user)
    query = select(Incident)
    if status:
        if status not in INCIDENT_STATUSES:
            raise Invalid("状态筛选条件无效", fields={"status": "可选：" + "、".join(INCIDENT_STATUSES)})
        query = query.where(Incident.status == status)
    return page_of(query.order_by(Incident.id.desc()), page, per_page, db.session)


def incident_dict(incident):
    return {"id": incident.id, "instance_id": incident.instance_id, "task_id": incident.task_id,
            "bpmn_id": incident.bpmn_id, "task_name": incident.task_name, "error": incident.error,
            "status": incident.status, "created_at": iso(incident.created_at),
            "resolved_at": iso(incident.resolved_at), "resolved_by": incident.resolved_by}


# ---------------------------------------------------------------- actions

def _reason(reason):
    if reason is not None and not isinstance(reason, str):
        raise Invalid("原因须为文字", fields={"reason": "须为文字"})
    return (reason or "").strip()


def act(user, instance_id, action, reason="", version_id=None):
    """suspend / resume / terminate / retry / migrate one instance; returns the instance row."""
    require_admin(user)
    get_or_404(Instance, instance_id, f"流程实例 {instance_id} 不存在")
    reason, actor = _reason(reason), actor_of(user)
    if action in ("suspend", "resume", "terminate"):
        return getattr(runtime, action)(instance_id, actor, reason)
    if action == "retry":
        incident = db.session.execute(select(Incident).filter_by(instance_id=instance_id, status="open")
                                      .order_by(Incident.id.desc()).limit(1)).scalar()
        if incident is None:
            raise Conflict("该实例没有待处理的故障")
        runtime.retry_incident(incident.id, actor)
        return db.session.get(Instance, instance_id)
    if action == "migrate":
        target = version_id or getattr(registry.latest_version(), "id", None)
        if target is None:
            raise NotFound("尚未部署任何流程模型")
        if isinstance(target, str):
            target = checked_int(target, "version_id", "目标版本")
        return migration.migrate(instance_id, target, actor)
    raise Invalid("不支持的操作", fields={"action": "可选：" + "、".join(ACTIONS)})


def retry_incident(user, incident_id):
    """Run an incident's failed step again; returns the incident (resolved, or open with the new error)."""
    require_admin(user)
    return runtime.retry_incident(incident_id, actor_of(user))


def bulk(user, ids, action, reason="", version_id=None):
    """The same action on several instances, each in its own transaction, with a result per instance."""
    require_admin(user)
    if action not in BULK_ACTIONS:
        raise Invalid("不支持的批量操作", fields={"action": "可选：" + "、".join(BULK_ACTIONS)})
    if not isinstance(ids, list) or not ids or len(ids) > 200:
        raise Invalid("请选择 1–200 个实例", fields={"ids": "请选择实例"})
    results = []
    for raw in ids:
        instance_id = db_int(raw)
        if instance_id is None:
            results.append({"id": raw, "ok": False, "message": "实例编号无效"})
            continue
        try:
            row = act(user, instance_id, action, reason, version_id)
            results.append({"id": instance_id, "ok": True, "message": f"已{ACTIONS[action]}",
                            "status": row.status, "version_id": row.version_id})
        except EngineError as exc:
            db.session.rollback()
            results.append({"id": instance_id, "ok": False, "message": exc.message})
    return {"action": action, "results": results, "ok": sum(r["ok"] for r in results),
            "failed": sum(not r["ok"] for r in results)}


def edit_task_data(user, task_id, data, reason=""):
    require_admin(user)
    if not isinstance(data, dict):
        raise Invalid("数据须为 JSON 对象", fields={"data": "须为对象"})
    runtime.edit_task_data(task_id, data, actor_of(user), _reason(reason))


def reassign_task(user, task_id, username, reason=""):
    require_admin(user)
    if username:
        target = user_named(username)
        if target is None:
            raise Invalid(f"用户 {username} 不存在", fields={"username": "用户不存在"})
        task = runtime.get_task(task_id)
        if not _may_take(task, target):
            raise Invalid(f"用户 {username} 不属于该任务的办理角色", fields={"username": "不属于办理角色"})
    return runtime.reassign_task(task_id, username or None, actor_of(user), _reason(reason))


def _may_take(task, target):
    """Whether `target` may be given the task: one of its group, or, for a task designated to named people,
    one of them or of the lane's group (another expert of the pool for an expert's task)."""
    if "admin" in target.groups or task.group_code in target.groups:
        return True
    if not task.group_code.startswith(roles.PERSON_PREFIX):
        return False
    owner = db.session.get(Instance, task.instance_id).owner_group
    return roles.reaches(task.group_code, target.username) or roles.lane_group(task.lane, owner) in target.groups


def migration_plan(user, instance_id, version_id=None):
    require_monitor(user)
    get_instance(user, instance_id)
    target = version_id or getattr(registry.latest_version(), "id", None)
    plan = migration.plan(instance_id, target)
    return plan.as_dict()
