"""Projects: creating one starts its lifecycle instance; lists and details respect visibility."""
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import visitors

from engine import roles, runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid
from engine.models import AuditEvent, Instance, Submission, TaskIndex

from ..accounts import services as accounts
from ..core import access, extensions, varlabels
from ..core.auditwords import KIND_LABELS
from ..core.identity import actor_of
from ..core.models import Department, Project
from ..core.paging import page_of
from ..core.records import db_int
from ..core.timefmt import iso, now_naive
from ..oversight.services.inspections import sanction_variables
from . import search
from .comments import add as add_comment, listing as comments_of  # noqa: F401  (other areas' entry)

LIFECYCLE_PROCESS = "lifecycle"  # overridable with app.config["EGOV_LIFECYCLE_PROCESS"] (tests)
MIN_YEAR, MAX_YEAR = 2000, 2100

STATUS_LABELS = {
    "running": "进行中",
    "incident": "故障",
    "suspended": "已挂起",
    "terminated": "已终止",
    "completed": "已完成",
}
REJECTED = "不予立项"
RETIRED = "已下线"



def _event_note(kind, payload, names, known=None):
    """One line that says what an event did, in words (never the raw payload); `known`: the forms' words for
    a decision's outputs (varlabels.labels of its version)."""
    p = payload or {}
    if kind == "transfer" and isinstance(p.get("to"), str):
        return f"转给 {names.get(p['to'], p['to'])}：{p.get('note', '')}"
    if kind == "send_back":
        return f"退回至“{p.get('to_name', '')}”：{p.get('reason', '')}"
    if kind == "decision":
        rules = "、".join(f"第 {r.get('row')} 条" for r in p.get("rules", [])) or "无规则命中"
        outputs = "，".join(f"{k}={v}" for k, v in varlabels.shown(known or {}, p.get("outputs")))
        inputs = "，".join(f"{k}={v}" for k, v in varlabels.inputs(p.get("inputs")))
        name = p.get("decision_name") if p.get("decision_name") != p.get("decision_id") else p.get("task_name")
        return (f"{name or ''}（模型版本 {p.get('version_id')}）：{rules}{' → ' + outputs if outputs else ''}"
                f"{'；输入 ' + inputs if inputs else ''}")
    if kind == "retire":
        return f"{p.get('retired_on', '')} 下线，原因：{p.get('reason', '')}"
    if kind in ("suspend", "resume", "terminate", "reassign") and p.get("reason"):
        return f"原因：{p['reason']}"
    return ""


def follow_build_year(row, changed):
    """A late declaration moves the project to the next round: the record's 建设年度 follows the workflow's
    `build_year` in the same transaction, so the project page, 项目库, API, Excel and plans all read it."""
    year = (row.variables or {}).get("build_year") if "build_year" in changed else None
    if row.project_id is None or isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        return
    moved = db.session.execute(
        update(Project).where(Project.id == row.project_id, Project.instance_id == row.id, Project.build_year != year)
        .values(build_year=year).execution_options(synchronize_session="fetch")).rowcount
    if moved:
        record("build_year", "system", row.id, row.project_id, payload={"build_year": year})


REOPEN_MESSAGE = "declaration_reopen"  # stage_declare waits for it from filing until 7月1日 of build_year−1


def may_reopen_declaration(project):
    """Whether the lifecycle now waits for the department to take its filed 申报 back (before the round opens)."""
    instance = db.session.get(Instance, project.instance_id) if project.instance_id else None
    return bool(instance and instance.status == "running" and REOPEN_MESSAGE in (instance.waiting_messages or []))


def reopen_declaration(user, project_id):
    """撤回修改申报: the project's department takes back a filed 申报表 to correct it before 6月30日."""
    project = get_project(user, project_id)
    if roles.dept_group(project.department_code) not in user.groups:
        raise Forbidden("只有项目建设主管部门可以撤回修改本部门的申报")
    if not may_reopen_declaration(project):
        raise Conflict("当前不能撤回修改申报：申报尚未提交，或已进入本轮预审")
    runtime.send_message(project.id, REOPEN_MESSAGE, {}, actor=actor_of(user),
                         owner_group=roles.dept_group(project.department_code))
    return project


def waiting_project_choices(message, context):
    """x-options "waiting_projects:<message>": projects of the task's build year whose lifecycle waits for
    `message` (e.g. the 年度建设计划 leaving some out), as (project id, "name（部门）")."""
    year = (context or {}).get("build_year")
    if isinstance(year, bool) or not isinstance(year, int):
        return []
    rows = db.session.execute(
        select(Project.id, Project.name, Department.name, Instance.waiting_messages)
        .join(Instance, Instance.id == Project.instance_id).join(Department, Department.code == Project.department_code)
        .where(Project.build_year == year, Instance.status == "running").order_by(Project.id)).all()
    return [(pid, f"{name}（{dept}）") for pid, name, dept, waiting in rows if message in (waiting or [])]


def _process_id():
    return current_app.config.get("EGOV_LIFECYCLE_PROCESS", LIFECYCLE_PROCESS)


def _check_fields(name, build_year, budget_wan):
    fields = {}
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or not name:
        fields["name"] = "请填写项目名称"
    elif len(name) > 200:
        fields["name"] = "项目名称不能超过 200 个字符"
    if isinstance(build_year, bool) or not isinstance(build_year, int):
        try:
            build_year = int(str(build_year).strip()) if build_year not in (None, "") else None
        except ValueError:
            build_year = None
        if build_year is None:
            fields["build_year"] = "建设年度须为年份数字，如 2026"
    if isinstance(build_year, int) and not MIN_YEAR <= build_year <= MAX_YEAR:
        fields["build_year"] = f"建设年度须在 {MIN_YEAR}–{MAX_YEAR} 之间"
    if budget_wan not in (None, ""):
        try:
            if isinstance(budget_wan, bool):
                raise InvalidOperation
            budget_wan = Decimal(str(budget_wan))
            if not budget_wan.is_finite() or budget_wan < 0 or budget_wan >= Decimal("1e12"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            fields["budget_wan"] = "概算须为不小于 0 的数字（万元）"
    else:
        budget_wan = None
    return fields, name, build_year, budget_wan


def create_project(user, name, build_year, budget_wan=None):
    """A new project of the user's department, with its lifecycle instance started. Dept users only."""
    depts = access.dept_codes(user.groups)
    code = user.department_code if user.department_code in depts else (sorted(depts)[0] if depts else None)
    if code is None:
        raise Forbidden("只有项目建设主管部门的用户可以创建项目")
    fields, name, build_year, budget_wan = _check_fields(name, build_year, budget_wan)
    if not fields and db.session.execute(select(Project.id).filter_by(name=name)).scalar() is not None:
        fields["name"] = "项目名称已存在，请使用其他名称"
    if fields:
        raise Invalid("项目信息填写有误", fields=fields)
    department = db.session.get(Department, code)
    if department is None:
        raise Invalid("所属部门不存在", fields={"department": "所属部门不存在"})
    actor = actor_of(user)
    try:
        return _create(user, actor, department, name, build_year, budget_wan)
    except IntegrityError:  # a concurrent request took the name between our check and our insert
        db.session.rollback()
        raise Invalid("项目信息填写有误", fields={"name": "项目名称已存在，请使用其他名称"})


def _create(user, actor, department, name, build_year, budget_wan):
    code = department.code
    with runtime.unit_of_work():
        project = Project(name=name, department_code=code, build_year=build_year, budget_wan=budget_wan,
                          created_by=user.username, created_at=now_naive())
        db.session.add(project)
        db.session.flush()
        data = {"project_id": project.id, "project_name": name, "build_year": build_year,
                "department_code": code, "department_name": department.name}
        if budget_wan is not None:
            data["budget_wan"] = float(budget_wan)
        data.update(sanction_variables(department, build_year, project.id))  # a 督查 consequence of its round
        row = runtime.start_instance(_process_id(), actor=actor, project_id=project.id,
                                     owner_group=roles.dept_group(code), data=data)
        project.instance_id = row.id
        record("create_project", user.username, row.id, project.id, payload={"name": name})
    return project


def _overdue_exists():
    return exists().where(TaskIndex.project_id == Project.id, TaskIndex.state == "ready",
                          TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now_naive())


def _status_condition(status):
    if status in ("进行中", "running"):
        return Instance.status == "running"
    if status in (REJECTED, "rejected"):
        return (Instance.status == "completed") & _rejected_sql()
    if status in ("已完成", "completed"):
        return (Instance.status == "completed") & ~_rejected_sql()
    for key, label in STATUS_LABELS.items():
        if status in (key, label):
            return Instance.status == key
    raise Invalid("状态筛选条件无效", fields={"status": f"可选：{'、'.join([*STATUS_LABELS.values(), REJECTED])}"})


def _rejected_sql():
    # A lifecycle that ended with review_passed == False ended at 不予立项.
    return Instance.variables["review_passed"].as_boolean() == False  # noqa: E712  (SQL, not Python)


def list_projects(user, filters=None, page=1, per_page=20):
    """(projects, total) the user may see. Filters: year, stage, department, status, overdue, q, and the business
    values of search.FILTER_KEYS (category, budget_min/max, contract_min/max, step)."""
    filters = filters or {}
    where = []
    seen = access.project_filter(user.groups)
    if seen is not None:
        where.append(seen)
    if filters.get("year") not in (None, ""):
        year = db_int(filters["year"])
        if year is None:
            raise Invalid("年度筛选条件无效", fields={"year": "须为年份数字"})
        where.append(Project.build_year == year)
    stage = filters.get("stage")
    if stage:
        if stage == roles.ENDED:
            where.append(Instance.status.in_(("completed", "terminated")))
        elif stage in roles.STAGES:
            same = Instance.stage == stage
            if stage == roles.STAGES[0]:  # an instance that has not set a stage yet is still 谋划
                same = same | Instance.stage.is_(None)
            where += [same, Instance.status.not_in(("completed", "terminated"))]
        else:
            raise Invalid("阶段筛选条件无效", fields={"stage": f"可选：{'、'.join([*roles.STAGES, roles.ENDED])}"})
    if filters.get("department"):
        where.append(Project.department_code == filters["department"])
    if filters.get("status"):
        where.append(_status_condition(filters["status"]))
    overdue = filters.get("overdue")
    if overdue in (True, "1", "true", "yes", 1):
        where.append(_overdue_exists())
    if filters.get("q"):
        where.append(Project.name.contains(str(filters["q"])))
    where += search.business_conditions(filters)  # 类别, 预算/合同金额区间, 当前环节
    query = select(Project)
    if _mentions(Instance.__table__, where):  # the lifecycle's stage, status or variables: joined only then,
        query = query.outerjoin(Instance, Instance.id == Project.instance_id)  # so counting reads projects alone
    query = query.where(*where).order_by(Project.created_at.desc(), Project.id.desc())
    return page_of(query, page, per_page, db.session)


def _mentions(table, conditions):
    """Whether any of the conditions reads a column of `table`."""
    return any(getattr(element, "table", None) is table for condition in conditions
               for element in visitors.iterate(condition))



def get_project(user, project_id):
    """The project, or NotFound when it does not exist or the user may not see it."""
    return access.visible_project(user, project_id)


def project_status(instance):
    if instance is None:
        return "未启动"
    if instance.status == "completed" and (instance.variables or {}).get("review_passed") is False:
        return REJECTED
    if instance.status == "completed" and instance.project_id is not None:
        from .retirement import retirement_of

        if retirement_of(instance.project_id):
            return RETIRED
    return STATUS_LABELS.get(instance.status, instance.status)


def project_stage(instance):
    if instance is None:
        return roles.STAGES[0]
    if instance.status in ("completed", "terminated"):
        return roles.ENDED
    return instance.stage or roles.STAGES[0]


def project_dict(project, detail=False, viewer=None):
    instance = project.instance
    out = {
        "id": project.id,
        "name": project.name,
        "department": project.department_code,
        "department_name": project.department.name if project.department else None,
        "stage": project_stage(instance),
        "status": project_status(instance),
        "budget_wan": float(project.budget_wan) if project.budget_wan is not None else None,
        "build_year": project.build_year,
        "created_at": iso(project.created_at),
        "created_by": project.created_by,
        "instance_id": project.instance_id,
    }
    if detail:
        out["tasks"], out["overdue"] = [], False
        out.update(extensions.merged("project_detail", current_app, project))  # the worklist: its open tasks
        out["history"] = history(project.id)
        out["submissions"] = submissions(project.id, viewer)
        out["may_reopen_declaration"] = may_reopen_declaration(project)
        from .retirement import may_retire, retirement_of

        out["may_retire"] = may_retire(project)
        out["retirement"] = retirement_of(project.id)
    return out


def history(project_id):
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.project_id == project_id, AuditEvent.kind.not_in(("draft",)))
        .order_by(AuditEvent.at, AuditEvent.id)).scalars().all()
    names = dict(db.session.execute(
        select(TaskIndex.id, TaskIndex.name).where(TaskIndex.project_id == project_id)).all())
    named = [(e.payload or {}).get(k) for e in events for k in ("on_behalf_of", "to")]
    people = accounts.display_names({e.actor for e in events if e.actor} | {n for n in named if isinstance(n, str)})
    out, known = [], {}
    for e in events:
        version = (e.payload or {}).get("version_id") if e.kind == "decision" else None
        if version is not None and version not in known:
            known[version] = varlabels.labels(version)
        actor = people.get(e.actor, e.actor) if e.actor and e.actor != "system" else None
        behalf = (e.payload or {}).get("on_behalf_of")
        if actor and behalf:
            actor = f"{actor} 代 {people.get(behalf, behalf)}"  # 委托/代理: who acted for whom
        out.append({"id": e.id, "at": iso(e.at), "actor": e.actor, "actor_name": actor or "系统", "kind": e.kind,
                    "label": KIND_LABELS.get(e.kind, e.kind),
                    "note": _event_note(e.kind, e.payload, people, known.get(version)),
                    "task_id": e.task_id, "task_name": names.get(e.task_id), "instance_id": e.instance_id,
                    "payload": e.payload})
    return out


def may_read_submission(viewer, group_code, author):
    """A form a process designated to one person (an expert's scores) is read by that person and by
    市数管局 and administrators only: no expert sees another's scores, nor the department each one's."""
    if viewer is None or not (group_code or "").startswith(roles.PERSON_PREFIX):
        return True
    return access.sees_all(viewer.groups) or viewer.username == author or roles.reaches(group_code, viewer.username)


def submissions(project_id, viewer=None):
    rows = db.session.execute(
        select(Submission, TaskIndex.name, TaskIndex.bpmn_id, TaskIndex.group_code)
        .outerjoin(TaskIndex, TaskIndex.id == Submission.task_id)
        .where(Submission.project_id == project_id, Submission.draft.is_(False))
        .order_by(Submission.submitted_at, Submission.id)).all()
    return [{"id": s.id, "task_id": s.task_id, "task_name": name, "bpmn_id": bpmn_id, "form": s.form,
             "data": s.data, "submitted_by": s.submitted_by, "submitted_at": iso(s.submitted_at)}
            for s, name, bpmn_id, group in rows if may_read_submission(viewer, group, s.submitted_by)]


__all__ = ["create_project", "list_projects", "get_project", "project_dict", "project_status", "project_stage",
           "history", "submissions"]
