"""Administration: instances, incidents. Administrators only (SPEC §1 monitoring)."""
from sqlalchemy import select

from engine import runtime
from engine.db import db
from engine.errors import Forbidden, Invalid, NotFound
from engine.models import Incident, Instance

from ..models import Project
from . import iso, page_of

INSTANCE_STATES = ("running", "suspended", "incident", "completed", "terminated")


def require_admin(user):
    if "admin" not in user.groups:
        raise Forbidden("只有管理员可以执行此操作")


def list_instances(user, filters=None, page=1, per_page=20):
    require_admin(user)
    filters = filters or {}
    query = select(Instance)
    if filters.get("status"):
        if filters["status"] not in INSTANCE_STATES:
            raise Invalid("状态筛选条件无效", fields={"status": f"可选：{'、'.join(INSTANCE_STATES)}"})
        query = query.where(Instance.status == filters["status"])
    if filters.get("process"):
        query = query.where(Instance.process_id == filters["process"])
    if filters.get("project_id") not in (None, ""):
        try:
            query = query.where(Instance.project_id == int(filters["project_id"]))
        except (TypeError, ValueError):
            raise Invalid("项目筛选条件无效", fields={"project_id": "须为项目编号"})
    return page_of(query.order_by(Instance.id.desc()), page, per_page, db.session)


def get_instance(user, instance_id):
    require_admin(user)
    row = db.session.get(Instance, instance_id)
    if row is None:
        raise NotFound("流程实例不存在")
    return row


def instance_dict(row, detail=False):
    project = db.session.get(Project, row.project_id) if row.project_id else None
    out = {"id": row.id, "process_id": row.process_id, "version_id": row.version_id, "project_id": row.project_id,
           "project_name": project.name if project else None, "owner_group": row.owner_group,
           "parent_id": row.parent_id, "status": row.status, "stage": row.stage, "variables": row.variables,
           "state_bytes": row.state_bytes, "next_timer_at": iso(row.next_timer_at),
           "waiting_messages": row.waiting_messages, "created_at": iso(row.created_at),
           "updated_at": iso(row.updated_at), "ended_at": iso(row.ended_at)}
    if detail:
        from .tasks import task_dicts

        out["tasks"] = task_dicts(runtime.open_tasks(row.id))
        out["timers"] = [{**t, "due": iso(t["due"])} for t in runtime.waiting_timers(row.id)]
        incidents = db.session.execute(select(Incident).filter_by(instance_id=row.id).order_by(Incident.id)).scalars()
        out["incidents"] = [incident_dict(i) for i in incidents]
    return out


def act_on_instance(user, instance_id, action, reason=""):
    """suspend / resume / terminate, with an optional reason recorded in the audit trail."""
    from ..auth import actor_of

    get_instance(user, instance_id)
    if reason is not None and not isinstance(reason, str):
        raise Invalid("原因须为文字", fields={"reason": "须为文字"})
    handler = {"suspend": runtime.suspend, "resume": runtime.resume, "terminate": runtime.terminate}[action]
    return handler(instance_id, actor_of(user), reason or "")


def list_incidents(user, status=None, page=1, per_page=20):
    require_admin(user)
    query = select(Incident)
    if status:
        if status not in ("open", "resolved"):
            raise Invalid("状态筛选条件无效", fields={"status": "可选：open、resolved"})
        query = query.where(Incident.status == status)
    return page_of(query.order_by(Incident.id.desc()), page, per_page, db.session)


def incident_dict(incident):
    return {"id": incident.id, "instance_id": incident.instance_id, "task_id": incident.task_id,
            "bpmn_id": incident.bpmn_id, "task_name": incident.task_name, "error": incident.error,
            "status": incident.status, "created_at": iso(incident.created_at),
            "resolved_at": iso(incident.resolved_at), "resolved_by": incident.resolved_by}


def retry_incident(user, incident_id):
    from ..auth import actor_of

    require_admin(user)
    return runtime.retry_incident(incident_id, actor_of(user))
