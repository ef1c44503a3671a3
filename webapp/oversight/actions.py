"""What 市数管局 (and departments) do in the oversight area: every write goes through here."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from engine import forms, registry, runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.models import Instance, TaskIndex
from engine.settings import set_setting

from ..models import Department, Project
from ..services import db_int
from . import reports
from .models import AnnualPlan, AnnualPlanEntry, AssetChange, Bulletin, Inspection, SanctionApplied

INSPECTION_MESSAGE = "inspection_start"
FORM_OPEN = "supervision-open.schema.json"
SANCTION_LABELS = {"suspend": "暂缓申报", "budget_cut": "压缩预算"}
SANCTION_CODES = {v: k for k, v in SANCTION_LABELS.items()}


def _actor(user):
    from ..auth import actor_of

    return actor_of(user)


# ---------------------------------------------------------------- 按月通报

def generate_bulletin(month, by="system"):
    """Compute and store the bulletin of `month` (replacing an earlier one of that month)."""
    data = reports.compute_bulletin(month)
    with runtime.unit_of_work():
        row = db.session.execute(select(Bulletin).where(Bulletin.month == month)).scalar()
        if row is None:
            row = Bulletin(month=month)
            db.session.add(row)
        row.generated_at = reports.now_naive()
        row.generated_by = by
        row.rules, row.summary, row.departments, row.rows = data["rules"], data["summary"], data["departments"], data["rows"]
        record("bulletin", by, payload={"month": month, "projects": len(data["rows"])})
    return row


def stored_bulletin(month):
    row = db.session.execute(select(Bulletin).where(Bulletin.month == month)).scalar()
    if row is None:
        return None
    return {"month": row.month, "generated_at": row.generated_at.isoformat(), "generated_by": row.generated_by,
            "stored": True, "rules": row.rules, "summary": row.summary, "departments": row.departments, "rows": row.rows}


def bulletin(month, refresh=False, by=None):
    """The month's bulletin: the stored one, or computed now (and stored when `refresh`)."""
    reports.parse_month(month)
    if refresh:
        generate_bulletin(month, by=by or "system")
    stored = stored_bulletin(month)
    if stored is not None:
        return stored
    return {**reports.compute_bulletin(month), "stored": False, "generated_by": None}


def due_bulletin_month(today=None):
    """The month whose bulletin is due: the current month once its 20th deadline has passed."""
    from engine import workcalendar

    today = today or reports.clock.today()
    month = today.strftime("%Y-%m")
    deadline = date.fromisoformat(workcalendar.report_deadline(month))
    return month if today > deadline else reports.previous_month(month)


def scheduled_bulletin():
    """The scheduler's job: generate the due month's bulletin once (idempotent); propagate sanctions."""
    month = due_bulletin_month()
    created = None
    if db.session.execute(select(Bulletin.id).where(Bulletin.month == month)).scalar() is None:
        created = generate_bulletin(month, by="system")
    propagate_sanctions()
    return created


def set_rules(user, values):
    reports.require_sgj(user)
    current, fields, clean = reports.rules(), {}, {}
    for key, default in reports.DEFAULT_RULES.items():
        raw = values.get(key, current[key])
        try:
            value = type(default)(raw)
            if value < 0:
                raise ValueError
        except (TypeError, ValueError):
            fields[key] = "须为不小于 0 的数字"
            continue
        clean[key] = value
    if not fields and clean["amber_months_behind"] > clean["red_months_behind"]:
        fields["amber_months_behind"] = "黄色阈值不能大于红色阈值"
    if not fields and clean["amber_missing_reports"] > clean["red_missing_reports"]:
        fields["amber_missing_reports"] = "黄色阈值不能大于红色阈值"
    if not fields and clean["amber_execution_below"] < clean["red_execution_below"]:
        fields["amber_execution_below"] = "黄色阈值不能小于红色阈值"
    if fields:
        raise Invalid("通报规则填写有误", fields=fields)
    with runtime.unit_of_work():
        set_setting(reports.RULES_KEY, clean)
        record("oversight_rules", user.username, payload=clean)
    return clean


# ---------------------------------------------------------------- 督查整改

def open_inspection(user, data):
    """市数管局 opens a 督查 on a project: the row, and the supervision process started by message."""
    reports.require_sgj(user)
    if not isinstance(data, dict):
        raise Invalid("请求数据必须是对象")
    data = {**data}
    if "project_id" in data:
        try:
            data["project_id"] = int(data["project_id"])
        except (TypeError, ValueError):
            pass
    data.setdefault("opened_date", reports.clock.today().isoformat())
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
    actor = _actor(user)
    with runtime.unit_of_work():
        row = Inspection(project_id=project.id, department_code=project.department_code, month=data.get("month"),
                         reason=data["reason"], requirements=data["requirements"],
                         deadline=date.fromisoformat(data["deadline"]), status="open", opened_by=user.username,
                         opened_at=reports.now_naive())
        db.session.add(row)
        db.session.flush()
        from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

        payload = {"inspection_id": row.id, "project_name": project.name, "reason": data["reason"],
                   "requirements": data["requirements"], "deadline": data["deadline"]}
        started = runtime.deliver_message(project.id, MessageEventDefinition(INSPECTION_MESSAGE), payload, actor=actor,
                                          owner_group=project.department.group)
        ours = db.session.execute(select(Instance.id).where(Instance.id.in_(started), Instance.process_id == "inspection")
                                  ).scalar() if started else None
        if ours is None:
            raise Conflict("当前模型版本中没有督查整改流程（inspection），请先部署 bpmn/supervision.bpmn")
        row.instance_id = ours
        record("inspection_open", user.username, ours, project.id, payload={"inspection": row.id, **payload})
    return row


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
            "opened_by": row.opened_by, "opened_at": row.opened_at.isoformat(), "measures": row.measures,
            "decision_opinion": row.decision_opinion, "consequence": row.consequence,
            "consequence_label": SANCTION_LABELS.get(row.consequence),
            "budget_cap_wan": float(row.budget_cap_wan) if row.budget_cap_wan is not None else None,
            "decided_by": row.decided_by, "decided_at": row.decided_at.isoformat() if row.decided_at else None}


def list_inspections(user):
    depts = reports.scope(user)
    query = select(Inspection).order_by(Inspection.id.desc())
    if depts is not None:
        query = query.where(Inspection.department_code.in_(sorted(depts)))
    return db.session.execute(query).scalars().all()


def get_inspection(user, inspection_id):
    depts = reports.scope(user)
    row = db.session.get(Inspection, inspection_id)
    if row is None or (depts is not None and row.department_code not in depts):
        raise NotFound("督查记录不存在或无权查看")
    return row


def lift_sanction(user, code, note=""):
    reports.require_sgj(user)
    department = db.session.get(Department, code)
    if department is None:
        raise NotFound("部门不存在")
    with runtime.unit_of_work():
        previous = department.sanction
        department.sanction, department.sanction_note = None, None
        record("sanction_lift", user.username, payload={"department": code, "previous": previous, "note": note})
    propagate_sanctions()
    return department


def sanction_variables(department):
    """The variables the department's 申报 reads: department_sanction and department_budget_cap_wan."""
    label = SANCTION_LABELS.get(department.sanction or "", "")
    values = {"department_sanction": label}
    if department.sanction == "budget_cut":
        cap = db.session.execute(select(Inspection.budget_cap_wan).where(
            Inspection.department_code == department.code, Inspection.consequence == "budget_cut")
            .order_by(Inspection.id.desc()).limit(1)).scalar()
        values["department_budget_cap_wan"] = float(cap or 0)
    return values


def propagate_sanctions():
    """Write each department's current sanction into its lifecycle instances that have not declared yet.

    The 申报表 (declaration.schema.json) reads `department_sanction` from the task data: it shows it and its
    x-rules refuse a suspended department's declaration or a budget over the cap. hooks.py enforces the
    same on the server whatever data a client posts. Returns the number of instances updated.
    """
    declared = select(TaskIndex.instance_id).where(TaskIndex.bpmn_id == "task_declaration",
                                                   TaskIndex.state == "completed")
    candidates = db.session.execute(
        select(Instance.id, Instance.owner_group, SanctionApplied.value)
        .outerjoin(SanctionApplied, SanctionApplied.instance_id == Instance.id)
        .where(Instance.process_id == reports.LIFECYCLE, Instance.status == "running",
               Instance.stage.in_(("谋划", "申报")) | Instance.stage.is_(None), Instance.id.not_in(declared))).all()
    departments = {d.group: d for d in db.session.execute(select(Department)).scalars()}
    updated = 0
    for instance_id, owner_group, applied in candidates:
        department = departments.get(owner_group)
        if department is None:
            continue
        values = sanction_variables(department)
        if applied == values["department_sanction"] or (applied is None and not values["department_sanction"]):
            continue  # already carries it, or never sanctioned and nothing to write
        tasks = db.session.execute(select(TaskIndex.id).where(TaskIndex.instance_id == instance_id,
                                                              TaskIndex.state == "ready")).scalars().all()
        try:
            for task_id in tasks:
                runtime.edit_task_data(task_id, values, runtime.SYSTEM, reason="督查整改处理（三（三））")
            with runtime.unit_of_work():
                row = db.session.get(SanctionApplied, instance_id)
                if row is None:
                    db.session.add(SanctionApplied(instance_id=instance_id, value=values["department_sanction"],
                                                   applied_at=reports.now_naive()))
                else:
                    row.value, row.applied_at = values["department_sanction"], reports.now_naive()
            updated += 1
        except Conflict:
            continue  # stepped meanwhile: the next run tries again
    return updated


# ---------------------------------------------------------------- 年度建设计划

def _plan_header(year):
    header = db.session.get(AnnualPlan, year)
    if header is None:
        header = AnnualPlan(year=year, status="draft")
        db.session.add(header)
    return header


def edit_plan_entry(user, year, project_id, values):
    reports.require_sgj(user)
    year, project_id = int(year), int(project_id)
    fields = {}
    principle = values.get("principle")
    if principle not in (None, "") and principle not in reports.PRINCIPLES:
        fields["principle"] = "须为共享优先、保障民生或协调发展"
    amount = values.get("plan_amount_wan")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
            if amount < 0:
                raise ValueError
        except Exception:
            fields["plan_amount_wan"] = "须为不小于 0 的数字"
    position = values.get("position")
    if position not in (None, ""):
        try:
            position = int(position)
        except (TypeError, ValueError):
            fields["position"] = "须为整数"
    if fields:
        raise Invalid("计划条目填写有误", fields=fields)
    current = {i["project_id"]: i for i in reports.plan(year)["items"]}
    entry_known = db.session.execute(select(AnnualPlanEntry).filter_by(year=year, project_id=project_id)).scalar()
    if project_id not in current and entry_known is None:
        raise NotFound("该项目不在本年度计划中")
    if amount not in (None, "") and current.get(project_id, {}).get("approved_amount_wan") is not None \
            and float(amount) > current[project_id]["approved_amount_wan"]:
        raise Invalid("计划安排金额不得超过批复金额", fields={"plan_amount_wan": "计划安排金额不得超过批复金额"})
    with runtime.unit_of_work():
        header = _plan_header(year)
        if header.status == "published":
            raise Conflict("年度建设计划已发布，不能再修改")
        entry = entry_known or AnnualPlanEntry(year=year, project_id=project_id, excluded=False)
        db.session.add(entry)
        if principle not in (None, ""):
            entry.principle = principle
        if amount not in (None, ""):
            entry.plan_amount_wan = amount
        if position not in (None, ""):
            entry.position = position
        if "note" in values:
            entry.note = str(values.get("note") or "")[:2000]
        if "excluded" in values:
            entry.excluded = values.get("excluded") in (True, "1", "true", "on", 1)
        entry.updated_by, entry.updated_at = user.username, reports.now_naive()
        record("plan_edit", user.username, project_id=project_id, payload={"year": year, **{
            k: str(v) for k, v in values.items()}})
    return entry


def publish_plan(user, year, title=None):
    reports.require_sgj(user)
    year = int(year)
    with runtime.unit_of_work():
        header = _plan_header(year)
        if header.status == "published":
            raise Conflict("年度建设计划已发布")
        header.status, header.published_at, header.published_by = "published", reports.now_naive(), user.username
        if title:
            header.title = str(title)[:200]
        record("plan_publish", user.username, payload={"year": year})
    return header


# ---------------------------------------------------------------- 资产

def request_asset_change(user, key, kind, reason, new_location=None, new_on_gov_cloud=None, new_managing_unit=None):
    """A department (or 市数管局) asks to move or scrap an asset; 市数管局 decides."""
    depts = reports.scope(user)
    try:
        submission_id, index = (int(x) for x in str(key).split("-", 1))
    except ValueError:
        raise NotFound("资产不存在")
    items = {a["key"]: a for a in reports.assets(depts)}
    asset = items.get(f"{submission_id}-{index}")
    if asset is None:
        raise NotFound("资产不存在或无权查看")
    fields = {}
    if kind not in ("move", "scrap"):
        fields["kind"] = "须为迁移（move）或报废（scrap）"
    if not (reason or "").strip():
        fields["reason"] = "请填写申请理由"
    if kind == "move" and not (new_location or "").strip():
        fields["new_location"] = "请填写新的存放地点"
    if fields:
        raise Invalid("资产变更申请填写有误", fields=fields)
    if asset["status"] == "已报废":
        raise Conflict("资产已报废")
    if asset["pending_change"]:
        raise Conflict("该资产已有待审批的变更申请")
    with runtime.unit_of_work():
        change = AssetChange(submission_id=submission_id, asset_index=index, project_id=asset["project_id"], kind=kind,
                             new_location=(new_location or "").strip() or None,
                             new_on_gov_cloud=bool(new_on_gov_cloud) if kind == "move" else None,
                             new_managing_unit=(new_managing_unit or "").strip() or None, reason=reason.strip(),
                             status="pending", requested_by=user.username, requested_at=reports.now_naive())
        db.session.add(change)
        db.session.flush()
        record("asset_change_request", user.username, project_id=asset["project_id"],
               payload={"change": change.id, "asset": asset["key"], "kind": kind})
    return change


def decide_asset_change(user, change_id, approve, note=""):
    reports.require_sgj(user)
    with runtime.unit_of_work():
        change = db.session.get(AssetChange, change_id)
        if change is None:
            raise NotFound("变更申请不存在")
        if change.status != "pending":
            raise Conflict("该申请已处理")
        change.status = "approved" if approve else "rejected"
        change.decided_by, change.decided_at, change.decision_note = user.username, reports.now_naive(), note or ""
        record("asset_change_decide", user.username, project_id=change.project_id,
               payload={"change": change.id, "approved": bool(approve)})
    return change


# ---------------------------------------------------------------- 资金拨付

def request_funds(user, project_id):
    """Start a 资金拨付 process for the project (its department only), after the 三(四) check."""
    project = db.session.get(Project, int(project_id))
    depts = reports.scope(user) if not set(user.groups) & {"sgj", "admin", "szf"} else None
    if project is None or (depts is not None and project.department_code not in depts):
        raise NotFound("项目不存在或无权查看")
    if depts is None and "admin" not in user.groups:
        raise Forbidden("资金拨付由项目建设主管部门申请")
    if not reports.may_receive_funds(project.id):
        raise Conflict("未经审核论证和立项批复的项目不得拨付建设资金（三（四））")
    contract = reports.latest_submissions(reports.FORM_CONTRACT, [project.id]).get(project.id)
    if not contract:
        raise Conflict("项目尚未签订合同，不能申请资金拨付")
    paid = reports.paid_by_project(project_ids=[project.id]).get(project.id, 0.0)
    payload = {"project_name": project.name, "contract_amount_wan": contract.get("contract_amount_wan", 0),
               "paid_total_wan": paid}
    return runtime.send_message(project.id, "fund_request", payload, actor=_actor(user),
                                owner_group=project.department.group)
