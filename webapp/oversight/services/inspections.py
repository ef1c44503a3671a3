"""督查整改: 市数管局 opens an inspection of a lagging project (process `inspection`); its outcome may
sanction the department (暂缓申报 or 压缩预算), carried into the department's running 申报 instances."""
from datetime import date

from sqlalchemy import func, select, text

from engine import clock, forms, registry, runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Invalid, NotFound
from engine.models import Instance, TaskIndex

from ...core.identity import actor_of
from ...core.timefmt import iso
from ...core.models import Department, Project
from ...core.records import db_int
from ..models import Inspection, SanctionApplied
from .common import LIFECYCLE, now_naive, require_sgj, scope


INSPECTION_MESSAGE = "inspection_start"


FORM_OPEN = "supervision-open.schema.json"


from .sanctions import SANCTION_LABELS, lapse_sanctions, sanction_variables  # noqa: E402,F401  (re-exported)


SANCTION_CODES = {v: k for k, v in SANCTION_LABELS.items()}


def open_inspection(user, data):
    """市数管局 opens a 督查 on a project: the row, and the supervision process started by message."""
    require_sgj(user)
    if not isinstance(data, dict):
        raise Invalid("请求数据必须是对象")
    data = {**data}
    if "project_id" in data:
        try:
            data["project_id"] = int(data["project_id"])
        except (TypeError, ValueError):
            pass
    data.setdefault("opened_date", clock.today().isoformat())
    if not data.get("month"):
        data.pop("month", None)
    schema = registry.load_form(registry.require_latest_version().id, FORM_OPEN)
    errors = forms.validate(schema, data)
    if errors:
        raise Invalid("督查信息填写有误", fields=errors)
    key = db_int(data["project_id"])
    project = db.session.get(Project, key) if key is not None else None
    if project is None:
        raise NotFound("项目不存在")
    busy = db.session.execute(select(Inspection.id).where(Inspection.project_id == project.id,
                                                          Inspection.status.in_(("open", "answered")))).scalar()
    if busy is not None:
        raise Conflict(f"该项目已有未办结的督查（#{busy}）")
    actor = actor_of(user)
    with runtime.unit_of_work():
        # The process starts before anything is written, so its first scripts run while this transaction holds
        # no write lock (SQLite has one for the whole city); its payload names the row by an id taken first.
        inspection_id = _next_id()
        from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

        payload = {"inspection_id": inspection_id, "project_name": project.name, "reason": data["reason"],
                   "requirements": data["requirements"], "deadline": data["deadline"],
                   "joint_units": data.get("joint_units") or []}  # each joint unit gets its own step
        started = runtime.deliver_message(project.id, MessageEventDefinition(INSPECTION_MESSAGE), payload, actor=actor,
                                          owner_group=project.department.group)
        ours = db.session.execute(select(Instance.id).where(Instance.id.in_(started), Instance.process_id == "inspection")
                                  ).scalar() if started else None
        if ours is None:
            raise Conflict("当前模型版本中没有督查整改流程（inspection），请先部署 bpmn/supervision.bpmn")
        row = Inspection(id=inspection_id, project_id=project.id, department_code=project.department_code,
                         month=data.get("month"), reason=data["reason"], requirements=data["requirements"],
                         deadline=date.fromisoformat(data["deadline"]), status="open", opened_by=user.username,
                         opened_at=now_naive(), opened_on=date.fromisoformat(data["opened_date"]), instance_id=ours)
        db.session.add(row)
        record("inspection_open", user.username, ours, project.id, payload={"inspection": row.id, **payload})
    return row


def _next_id():
    """The id the new inspection will have, taken without writing: PostgreSQL draws it from the table's sequence;
    SQLite gives the next one after the largest, as its own rowid would (two openings at the very same moment
    would pick the same one, and the second is refused as a conflict, changing nothing)."""
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(text("SELECT nextval(pg_get_serial_sequence('oversight_inspection', 'id'))")).scalar()
    return (db.session.execute(select(func.max(Inspection.id))).scalar() or 0) + 1


def inspection_dict(row):
    open_tasks = db.session.execute(select(TaskIndex).where(TaskIndex.instance_id == row.instance_id,
                                                            TaskIndex.state == "ready")).scalars().all() if row.instance_id else []
    return {"id": row.id, "project_id": row.project_id, "project_name": row.project.name if row.project else None,
            "department": row.department_code, "department_name": row.department.name if row.department else None,
            "instance_id": row.instance_id, "month": row.month, "reason": row.reason, "requirements": row.requirements,
            "deadline": row.deadline.isoformat(), "status": row.status,
            "status_label": {"open": "待整改", "answered": "待验收", "accepted": "整改通过", "rejected": "整改不合格"}[row.status],
            "overdue": any(t.overdue for t in open_tasks if t.bpmn_id == "task_rectification_measures"),
            "tasks": [{"id": t.id, "name": t.name, "group": t.group_code, "due": t.due_at.isoformat() if t.due_at else None}
                      for t in open_tasks],
            "opened_by": row.opened_by, "opened_at": iso(row.opened_at),
            "opened_date": row.opened_on.isoformat() if row.opened_on else iso(row.opened_at)[:10], "measures": row.measures,
            "decision_opinion": row.decision_opinion, "consequence": row.consequence,
            "consequence_label": SANCTION_LABELS.get(row.consequence),
            "budget_cap_wan": float(row.budget_cap_wan) if row.budget_cap_wan is not None else None,
            "decided_by": row.decided_by, "decided_at": iso(row.decided_at)}


def list_inspections(user):
    depts = scope(user)
    query = select(Inspection).order_by(Inspection.id.desc())
    if depts is not None:
        query = query.where(Inspection.department_code.in_(sorted(depts)))
    return db.session.execute(query).scalars().all()


def get_inspection(user, inspection_id):
    depts = scope(user)
    row = db.session.get(Inspection, inspection_id)
    if row is None or (depts is not None and row.department_code not in depts):
        raise NotFound("督查记录不存在或无权查看")
    return row


def lift_sanction(user, code, note=""):
    require_sgj(user)
    department = db.session.get(Department, code)
    if department is None:
        raise NotFound("部门不存在")
    with runtime.unit_of_work():
        previous = department.sanction
        department.sanction, department.sanction_note = None, None
        record("sanction_lift", user.username, payload={"department": code, "previous": previous, "note": note})
    propagate_sanctions()
    return department


def propagate_sanctions():
    """Let lapsed sanctions go, then write each department's sanction into its lifecycle instances of the
    sanctioned round that have not declared yet (and "" into those that carry one no longer in force).

    The 申报表 (declaration.schema.json) reads `department_sanction` from the task data: it shows it and its
    x-rules refuse a suspended department's declaration or a budget over the cap. hooks.py enforces the
    same on the server whatever data a client posts. Returns the number of instances updated.
    """
    with runtime.unit_of_work():
        lapse_sanctions()
    declared = select(TaskIndex.instance_id).where(TaskIndex.bpmn_id == "task_declaration",
                                                   TaskIndex.state == "completed")
    candidates = db.session.execute(
        select(Instance.id, Instance.owner_group, SanctionApplied.value, Instance.project_id, Instance.variables)
        .outerjoin(SanctionApplied, SanctionApplied.instance_id == Instance.id)
        .where(Instance.process_id == LIFECYCLE, Instance.status == "running",
               Instance.stage.in_(("谋划", "申报")) | Instance.stage.is_(None), Instance.id.not_in(declared))).all()
    departments = {d.group: d for d in db.session.execute(select(Department)).scalars()}
    updated = 0
    for instance_id, owner_group, applied, project_id, variables in candidates:
        department = departments.get(owner_group)
        if department is None:
            continue
        values = sanction_variables(department, (variables or {}).get("build_year"), project_id)
        mark = f"{values['department_sanction']}:{values.get('department_budget_cap_wan', '')}".rstrip(":")
        if applied == mark or (applied is None and not values["department_sanction"]):
            continue  # already carries it, or never sanctioned and nothing to write
        tasks = db.session.execute(select(TaskIndex.id).where(TaskIndex.instance_id == instance_id,
                                                              TaskIndex.state == "ready")).scalars().all()
        try:
            for task_id in tasks:
                runtime.edit_task_data(task_id, values, runtime.SYSTEM, reason="督查整改处理（三（三））")
            with runtime.unit_of_work():
                row = db.session.get(SanctionApplied, instance_id)
                if row is None:
                    db.session.add(SanctionApplied(instance_id=instance_id, value=mark, applied_at=now_naive()))
                else:
                    row.value, row.applied_at = mark, now_naive()
            updated += 1
        except Conflict:
            continue  # stepped meanwhile: the next run tries again
    return updated
