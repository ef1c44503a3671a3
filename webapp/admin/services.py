"""Services of the cockpit (管理监控) and the modeler (流程建模): the UI pages, /api/cockpit and
/api/instances, /api/incidents all call these.

Every function takes the acting User first and checks the role (webapp.services.access): the cockpit is
read by 数管局 and administrators and acted on by administrators only; the modeler is for analysts and
administrators. Lists are indexed SQL over Instance / TaskIndex; only one instance's page deserializes
its workflow.
"""
import difflib
import json
from collections import Counter

from sqlalchemy import and_, exists, func, not_, or_, select
from SpiffWorkflow.util.task import TaskState

from engine.audit import record
from engine import forms, migration, registry, roles, runtime, workcalendar, xmlsafe
from engine.db import db
from engine.errors import Conflict, EngineError, Forbidden, Invalid, NotFound
from engine.models import AuditEvent, Incident, Instance, ModelFile, ModelVersion, ProcessSpec, TaskIndex

from ..auth import actor_of
from ..services import db_int, get_or_404, iso, now_naive, page_of
from ..services import models as model_service
from ..services.access import (may_act, may_model, may_monitor,  # noqa: F401  (the pages ask svc.may_act)
                               require_admin, require_modeller, require_monitor)
from .models import ModelDraft

STATUSES = ("running", "suspended", "incident", "completed", "terminated")  # Instance.status
INCIDENT_STATUSES = ("open", "resolved")
STATES = {"running": "运行中", "timer": "等待定时器", "suspended": "已挂起", "incident": "故障",
          "completed": "已完成", "terminated": "已终止"}  # status, with running split by a waiting timer
ACTIONS = {"suspend": "挂起", "resume": "恢复", "terminate": "终止", "retry": "重试故障", "migrate": "迁移到最新版本"}
BULK_ACTIONS = ("suspend", "resume", "retry", "migrate")
STAGES = roles.STAGES + [roles.ENDED]


# ---------------------------------------------------------------- instance list

def _has_ready_task():
    return exists().where(TaskIndex.instance_id == Instance.id, TaskIndex.state == "ready")


def _timer_waiting():
    return and_(Instance.status == "running", Instance.next_timer_at.is_not(None), not_(_has_ready_task()))


def _overdue():
    return exists().where(TaskIndex.instance_id == Instance.id, TaskIndex.state == "ready",
                          TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now_naive())


def _int(value, field, label):
    number = db_int(value)
    if number is None:
        raise Invalid(f"{label}筛选条件无效", fields={field: "须为整数"})
    return number


def _filtered(filters):
    """Conditions for the filters: state (as the cockpit shows it), status (as stored), stage, department,
    version, process, project, overdue."""
    conds = []
    status = filters.get("status")
    if status:
        if status not in STATUSES:
            raise Invalid("状态筛选条件无效", fields={"status": "可选：" + "、".join(STATUSES)})
        conds.append(Instance.status == status)
    state = filters.get("state")
    if state:
        if state not in STATES:
            raise Invalid("状态筛选条件无效", fields={"state": "可选：" + "、".join(STATES)})
        if state == "timer":
            conds.append(_timer_waiting())
        elif state == "running":
            conds.append(and_(Instance.status == "running", or_(Instance.next_timer_at.is_(None), _has_ready_task())))
        else:
            conds.append(Instance.status == state)
    if filters.get("stage"):
        conds.append(Instance.stage == filters["stage"])
    if filters.get("department"):
        dept = filters["department"]
        conds.append(Instance.owner_group == (dept if dept.startswith("dept:") else f"dept:{dept}"))
    if filters.get("version"):
        conds.append(Instance.version_id == _int(filters["version"], "version", "版本"))
    if filters.get("process"):
        conds.append(Instance.process_id == filters["process"])
    if filters.get("project_id"):
        conds.append(Instance.project_id == _int(filters["project_id"], "project_id", "项目"))
    if filters.get("overdue") in ("1", "true", "yes", "on", True):
        conds.append(_overdue())
    return conds


def list_instances(user, filters=None, page=1, per_page=20):
    require_monitor(user)
    query = select(Instance).where(*_filtered(filters or {})).order_by(Instance.id.desc())
    return page_of(query, page, per_page, db.session)


def counts(user, filters=None):
    """{"stage": {stage: n}, "state": {state: n}, "total": n} over the instances the other filters select."""
    require_monitor(user)
    filters = dict(filters or {})
    by_state_filters = {k: v for k, v in filters.items() if k not in ("state", "status")}
    by_stage_filters = {k: v for k, v in filters.items() if k != "stage"}
    state_rows = db.session.execute(
        select(Instance.status, func.count()).where(*_filtered(by_state_filters)).group_by(Instance.status)).all()
    state = {key: 0 for key in STATES}
    for status, n in state_rows:
        state[status] = n
    timer = db.session.execute(select(func.count()).select_from(Instance)
                               .where(*_filtered(by_state_filters), _timer_waiting())).scalar()
    state["timer"], state["running"] = timer, state.get("running", 0) - timer
    stage_rows = db.session.execute(
        select(Instance.stage, func.count()).where(*_filtered(by_stage_filters)).group_by(Instance.stage)).all()
    stage = {key: 0 for key in STAGES}
    for name, n in stage_rows:
        stage[name or "未知"] = stage.get(name or "未知", 0) + n
    return {"state": state, "stage": stage, "total": sum(n for _, n in state_rows)}


def state_of(row, has_ready=None):
    if row.status == "running" and row.next_timer_at is not None:
        if has_ready is None:
            has_ready = db.session.execute(select(TaskIndex.id).where(
                TaskIndex.instance_id == row.id, TaskIndex.state == "ready").limit(1)).scalar() is not None
        if not has_ready:
            return "timer"
    return row.status


def instance_rows(rows):
    """Dicts for a page of instances, with project names and open-task counts in two queries."""
    from ..models import Project

    ids = [r.id for r in rows]
    project_ids = [r.project_id for r in rows if r.project_id]
    names = dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(project_ids))).all()) \
        if project_ids else {}
    open_counts = dict(db.session.execute(
        select(TaskIndex.instance_id, func.count()).where(TaskIndex.instance_id.in_(ids), TaskIndex.state == "ready")
        .group_by(TaskIndex.instance_id)).all()) if ids else {}
    now = now_naive()
    overdue = set(db.session.execute(
        select(TaskIndex.instance_id).where(TaskIndex.instance_id.in_(ids), TaskIndex.state == "ready",
                                            TaskIndex.due_at <= now)).scalars()) if ids else set()
    return [instance_dict(r, project_name=names.get(r.project_id), open_tasks=open_counts.get(r.id, 0),
                          overdue=r.id in overdue) for r in rows]


def instance_row(row):
    """One instance's dict as the lists show it."""
    return instance_rows([row])[0]


def instance_dict(row, project_name=None, open_tasks=None, overdue=None):
    state = state_of(row, has_ready=(open_tasks > 0) if open_tasks is not None else None)
    return {"id": row.id, "process_id": row.process_id, "version_id": row.version_id, "project_id": row.project_id,
            "project_name": project_name, "owner_group": row.owner_group, "parent_id": row.parent_id,
            "status": row.status, "state": state, "state_label": STATES.get(state, state), "stage": row.stage,
            "variables": row.variables, "state_bytes": row.state_bytes, "next_timer_at": iso(row.next_timer_at),
            "waiting_messages": row.waiting_messages, "open_tasks": open_tasks, "overdue": overdue,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at), "ended_at": iso(row.ended_at),
            "lock_version": row.lock_version}


# ---------------------------------------------------------------- one instance

def get_instance(user, instance_id):
    require_monitor(user)
    return get_or_404(Instance, instance_id, "流程实例不存在")


def diagram_of(version_id, process_id):
    """(file name, XML) of the diagram that holds a process in a version."""
    spec = db.session.execute(select(ProcessSpec).filter_by(version_id=version_id, process_id=process_id)).scalar()
    if spec is None or not spec.source_file:
        raise NotFound(f"版本 {version_id} 中没有流程 {process_id} 的图")
    return spec.source_file, registry.file_text(version_id, spec.source_file)


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
    return {"completed": sorted(done), "active": sorted(active - failed), "incident": sorted(failed),
            "counts": {k: n for k, n in done.items() if n > 1}}


def instance_work(row):
    """An instance with its open tasks, waiting timers and incidents (GET /api/instances/<id>)."""
    from ..services.tasks import task_dicts

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
    out["audit"] = [{"id": e.id, "at": iso(e.at), "actor": e.actor, "kind": e.kind, "task_id": e.task_id,
                     "payload": e.payload} for e in events]
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
            target = _int(target, "version_id", "目标版本")
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
    from ..models import User

    require_admin(user)
    if username:
        target = db.session.execute(select(User).filter_by(username=username)).scalar()
        if target is None:
            raise Invalid(f"用户 {username} 不存在", fields={"username": "用户不存在"})
        task = runtime.get_task(task_id)
        if task.group_code not in target.groups and "admin" not in target.groups:
            raise Invalid(f"用户 {username} 不属于该任务的办理角色", fields={"username": "不属于办理角色"})
    return runtime.reassign_task(task_id, username or None, actor_of(user), _reason(reason))


def migration_plan(user, instance_id, version_id=None):
    require_monitor(user)
    get_instance(user, instance_id)
    target = version_id or getattr(registry.latest_version(), "id", None)
    plan = migration.plan(instance_id, target)
    return plan.as_dict()


# ---------------------------------------------------------------- versions and heat

def versions(user):
    """Every version, newest first, with instance counts by status."""
    if not (may_model(user) or may_monitor(user)):
        raise Forbidden("无权查看流程模型")
    rows = db.session.execute(select(ModelVersion).order_by(ModelVersion.id.desc())).scalars().all()
    counts_ = {}
    for version_id, status, n in db.session.execute(
            select(Instance.version_id, Instance.status, func.count()).group_by(Instance.version_id, Instance.status)):
        counts_.setdefault(version_id, {})[status] = n
    out = []
    for v in rows:
        by = counts_.get(v.id, {})
        processes = db.session.execute(select(ProcessSpec.process_id, ProcessSpec.name, ProcessSpec.source_file)
                                       .filter_by(version_id=v.id).order_by(ProcessSpec.process_id)).all()
        out.append({"id": v.id, "created_at": iso(v.created_at), "created_by": v.created_by, "note": v.note,
                    "content_hash": v.content_hash, "instances": sum(by.values()),
                    "active": sum(n for s, n in by.items() if s in ("running", "suspended", "incident")),
                    "by_status": by,
                    "processes": [{"id": p, "name": n, "file": f} for p, n, f in processes]})
    return out


def heat(user, version_id, process_id):
    """Per BPMN element, how many instances of this version are there now (ready user tasks)."""
    if not (may_model(user) or may_monitor(user)):
        raise Forbidden("无权查看流程模型")
    rows = db.session.execute(
        select(TaskIndex.bpmn_id, func.count(func.distinct(TaskIndex.instance_id)))
        .join(Instance, Instance.id == TaskIndex.instance_id)
        .where(TaskIndex.state == "ready", TaskIndex.process_id == process_id, Instance.version_id == version_id)
        .group_by(TaskIndex.bpmn_id)).all()
    incidents = db.session.execute(
        select(Incident.bpmn_id, func.count()).join(Instance, Instance.id == Incident.instance_id)
        .where(Incident.status == "open", Instance.version_id == version_id, Instance.process_id == process_id)
        .group_by(Incident.bpmn_id)).all()
    counts_ = {b: n for b, n in rows}
    for bpmn_id, n in incidents:
        if bpmn_id:
            counts_[bpmn_id] = counts_.get(bpmn_id, 0) + n
    return {"version_id": version_id, "process_id": process_id, "counts": counts_,
            "incidents": {b: n for b, n in incidents if b}}


# ---------------------------------------------------------------- modeler: files, drafts, validation

def modeler_context(version_id=None):
    """forms, roles and helpers the properties panel offers."""
    version = db.session.get(ModelVersion, version_id) if version_id else registry.latest_version()
    form_names = [f.name.split("/", 1)[1] for f in version.files if f.name.startswith("forms/")] if version else []
    return {"forms": sorted(form_names), "roles": [roles.OWNER_LANE, *roles.LANE_GROUPS],
            "helpers": [*workcalendar.HELPERS, "notify"]}


def version_files(version_id):
    return {f.name: f.content for f in db.session.execute(
        select(ModelFile).filter_by(version_id=version_id)).scalars()}


def file_of(user, version_id, name):
    require_modeller(user)
    get_or_404(ModelVersion, version_id, "模型版本不存在")
    return registry.file_text(version_id, name)


def _clean_name(name):
    path = model_service.model_path(name)
    if path is None:
        raise Invalid("文件名须为 bpmn/xxx.bpmn、bpmn/xxx.dmn 或 forms/xxx.schema.json",
                      fields={"name": "文件名无效"})
    return path


def _clean_content(content):
    if not isinstance(content, str) or not content.strip():
        raise Invalid("文件内容不能为空", fields={"content": "不能为空"})
    if len(content) > model_service.MAX_FILE_CHARS:
        raise Invalid("文件过大", fields={"content": "文件过大"})
    return content


def open_drafts(user, author=None):
    require_modeller(user)
    query = select(ModelDraft).where(ModelDraft.status == "open")
    if author:
        query = query.where(ModelDraft.author == author)
    return db.session.execute(query.order_by(ModelDraft.updated_at.desc())).scalars().all()


def get_draft(user, draft_id):
    require_modeller(user)
    return get_or_404(ModelDraft, draft_id, "草稿不存在")


def draft_dict(draft, content=False):
    out = {"id": draft.id, "name": draft.name, "author": draft.author, "created_at": iso(draft.created_at),
           "updated_at": iso(draft.updated_at), "base_version_id": draft.base_version_id, "note": draft.note,
           "status": draft.status, "deployed_version_id": draft.deployed_version_id, "size": len(draft.content)}
    if content:
        out["content"] = draft.content
    return out


def candidate_files(changes, author=None, base_version_id=None):
    """The full file set a deploy would get: the latest version's files, the author's other open drafts,
    then `changes` ({name: content})."""
    latest = registry.latest_version()
    files = version_files(latest.id) if latest else {}
    if author:
        for d in db.session.execute(select(ModelDraft).filter_by(status="open", author=author)
                                    .order_by(ModelDraft.updated_at)).scalars():
            files[d.name] = d.content
    files.update(changes)
    return files


def validate_change(user, name, content, author=None):
    """Problems of the whole model with `name` replaced by `content` ({file, element_id, line, message})."""
    require_modeller(user)
    name, content = _clean_name(name), _clean_content(content)
    files = candidate_files({name: content}, author or user.username)
    problems, _ = registry.validate(files)
    return [_locate(dict(p), files) for p in problems]


def _locate(problem, files):
    """A problem with a line but no element (e.g. an XML Schema error) gets the element on that line,
    so the modeler can mark it on the diagram."""
    if problem.get("element_id") or not problem.get("line") or not str(problem.get("file", "")).endswith(
            (".bpmn", ".dmn")):
        return problem
    try:
        root = xmlsafe.parse_xml(files[problem["file"]], problem["file"])
    except (xmlsafe.XmlRejected, KeyError):
        return problem
    best = None
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and el.sourceline and el.sourceline <= problem["line"]:
            if best is None or el.sourceline >= best.sourceline:
                best = el
    if best is not None and best.sourceline == problem["line"]:
        problem["element_id"] = best.get("id")
    return problem


def save_draft(user, name, content, base_version_id=None, draft_id=None, note=None):
    """Create or update a draft and return (draft, problems). A draft with problems is kept (it is a draft)."""
    require_modeller(user)
    name, content = _clean_name(name), _clean_content(content)
    if base_version_id is not None:
        if isinstance(base_version_id, bool) or not isinstance(base_version_id, int):
            raise Invalid("基础版本须为版本编号", fields={"base_version_id": "须为整数"})
        get_or_404(ModelVersion, base_version_id, "基础版本不存在")
    if note is not None and not isinstance(note, str):
        raise Invalid("说明须为文字", fields={"note": "须为文字"})
    problems = validate_change(user, name, content)
    now = now_naive()
    with runtime.unit_of_work():
        draft = None
        if draft_id:
            key = db_int(draft_id)
            draft = db.session.get(ModelDraft, key) if key is not None else None
            if draft is None or draft.status != "open":
                raise NotFound("草稿不存在或已部署")
            if draft.author != user.username and "admin" not in user.groups:
                raise Forbidden("只能修改自己的草稿")
        else:
            draft = db.session.execute(select(ModelDraft).filter_by(status="open", author=user.username,
                                                                    name=name)).scalar()
        if draft is None:
            latest = registry.latest_version()
            draft = ModelDraft(name=name, author=user.username, created_at=now, status="open",
                               base_version_id=base_version_id or (latest.id if latest else None))
            db.session.add(draft)
        draft.content, draft.updated_at = content, now
        if note is not None:
            draft.note = note
        db.session.flush()
        record("draft_model", user.username, payload={"draft": draft.id, "name": name,
                                                                "problems": len(problems)})
    return draft, problems


def discard_draft(user, draft_id):
    draft = get_draft(user, draft_id)
    if draft.author != user.username and "admin" not in user.groups:
        raise Forbidden("只能删除自己的草稿")
    with runtime.unit_of_work():
        draft.status = "discarded"
        record("discard_draft", user.username, payload={"draft": draft.id, "name": draft.name})


def deploy_drafts(user, draft_ids, note=None):
    """Deploy the latest version's files with these drafts' contents as a new version."""
    require_modeller(user)
    if not draft_ids:
        raise Invalid("请选择要部署的草稿", fields={"drafts": "请选择草稿"})
    drafts = [get_draft(user, int(i)) for i in draft_ids]
    if any(d.status != "open" for d in drafts):
        raise Conflict("所选草稿已部署或已删除")
    latest = registry.latest_version()
    files = version_files(latest.id) if latest else {}
    for d in drafts:
        files[d.name] = d.content
    with runtime.unit_of_work():
        version, created = registry.deploy(files, actor=user.username,
                                           note=note or "、".join(d.name for d in drafts))
        if not created:
            raise Conflict(f"草稿内容与已部署的版本 {version.id} 相同，无需部署")
        for d in drafts:
            d.status, d.deployed_version_id = "deployed", version.id
    return version


# ---------------------------------------------------------------- modeler: comparing

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SKIP_TAGS = {"BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel", "Bounds", "waypoint"}
TYPE_NAMES = {"userTask": "用户任务", "scriptTask": "脚本任务", "serviceTask": "服务任务", "task": "任务",
              "manualTask": "人工任务", "businessRuleTask": "业务规则任务", "callActivity": "调用活动",
              "subProcess": "子流程", "startEvent": "开始事件", "endEvent": "结束事件",
              "intermediateCatchEvent": "中间捕获事件", "intermediateThrowEvent": "中间抛出事件",
              "boundaryEvent": "边界事件", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
              "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "sequenceFlow": "顺序流",
              "lane": "泳道", "process": "流程", "participant": "参与者", "message": "消息",
              "dataObjectReference": "数据对象", "textAnnotation": "注释", "association": "关联"}


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _elements(text, name):
    from lxml import etree

    root = xmlsafe.parse_xml(text, name)
    found = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or _local(el.tag) in SKIP_TAGS or not el.get("id"):
            continue
        if el.tag.startswith("{http://www.omg.org/spec/DD") or "BPMN/20100524/DI" in el.tag:
            continue
        # the element's own definition: attributes and children without an id of their own
        parts = [json.dumps(sorted(el.attrib.items()), ensure_ascii=False)]
        for child in el:
            if isinstance(child.tag, str) and not child.get("id") and _local(child.tag) not in ("flowNodeRef",):
                parts.append(etree.tostring(child, encoding="unicode").strip())
        found[el.get("id")] = {"id": el.get("id"), "type": _local(el.tag),
                               "type_label": TYPE_NAMES.get(_local(el.tag), _local(el.tag)),
                               "name": el.get("name") or "", "sig": "\n".join(parts)}
    return found


def compare(old_text, new_text, name):
    """A readable diff: added / removed / changed elements by id and name, and a unified text diff."""
    out = {"name": name, "added": [], "removed": [], "changed": []}
    if name.endswith((".bpmn", ".dmn")) and old_text is not None:
        try:
            old, new = _elements(old_text, name), _elements(new_text, name)
        except xmlsafe.XmlRejected as exc:
            out["error"] = exc.message
        else:
            strip = lambda e: {k: v for k, v in e.items() if k != "sig"}  # noqa: E731
            out["added"] = [strip(new[i]) for i in new if i not in old]
            out["removed"] = [strip(old[i]) for i in old if i not in new]
            out["changed"] = [{**strip(new[i]), "old_name": old[i]["name"]} for i in new
                              if i in old and old[i]["sig"] != new[i]["sig"]]
    elif name.endswith(".json") and old_text is not None:
        try:
            old_props = set((json.loads(old_text).get("properties") or {}))
            new_props = set((json.loads(new_text).get("properties") or {}))
            out["added"] = [{"id": k, "type_label": "字段", "name": k} for k in sorted(new_props - old_props)]
            out["removed"] = [{"id": k, "type_label": "字段", "name": k} for k in sorted(old_props - new_props)]
        except (ValueError, AttributeError):
            pass
    out["unified"] = "".join(difflib.unified_diff(
        (old_text or "").splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"已部署/{name}", tofile=f"草稿/{name}", n=2))
    return out


def compare_draft(user, draft_id, version_id=None):
    draft = get_draft(user, draft_id)
    if version_id:
        version = db.session.get(ModelVersion, version_id) if db_int(version_id) is not None else None
    else:
        version = registry.latest_version()
    old = None
    if version is not None:
        row = db.session.execute(select(ModelFile).filter_by(version_id=version.id, name=draft.name)).scalar()
        old = row.content if row else None
    out = compare(old, draft.content, draft.name)
    out["version_id"] = version.id if version else None
    out["new_file"] = old is None
    return out


# ---------------------------------------------------------------- form editor

def preview_form(user, schema_text, data=None):
    """{problems, errors, html} for a form schema being edited and sample data."""
    from ..formrender import render_form

    require_modeller(user)
    if isinstance(schema_text, dict):
        schema = schema_text
    else:
        try:
            schema = json.loads(schema_text or "")
        except ValueError as exc:
            return {"problems": [f"不是有效的 JSON：{exc}"], "errors": {}, "html": ""}
    if not isinstance(schema, dict):
        return {"problems": ["表单定义须为 JSON 对象"], "errors": {}, "html": ""}
    problems = forms.check_schema(schema)
    if data is None:
        data = forms.example_of(schema) or {}
    errors = {}
    if not problems:
        try:
            errors = forms.validate(schema, data)
        except Exception as exc:  # a schema the validator cannot use
            problems.append(f"无法校验：{exc}")
    try:
        html = str(render_form(schema, data if isinstance(data, dict) else {}, errors))
    except Exception as exc:
        html, problems = "", problems + [f"无法预览：{exc}"]
    return {"problems": problems, "errors": errors, "html": html}
