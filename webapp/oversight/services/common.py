"""Shared by the oversight reports: form names, rules, who sees what, months, and the indexed reads
("the latest X of each project", payments, lifecycle rows) every report builds on.

Sources: the lifecycle Instance (stage, status, small variables), TaskIndex (every 进度表 task with its
due date and completion), Submission (every submitted form: 实施计划表, 合同, 立项批复, 进度表, 资金拨付审核,
资产登记, 绩效评估 …): no workflow is deserialized for a report.
"""
from datetime import date, datetime, timezone

from sqlalchemy import case, func, select

from engine import clock, roles
from engine.db import db
from engine.errors import Forbidden, Invalid
from engine.models import Instance, Submission
from engine.settings import get_setting

from ...core.models import Department, Project

LIFECYCLE = "lifecycle"
REPORT_TASK = "task_progress_report"
FORM_PROGRESS = "progress-report.schema.json"
FORM_IMPL_PLAN = "implementation-plan.schema.json"
FORM_CONTRACT = "contract.schema.json"
FORM_APPROVAL = "establishment-approval.schema.json"
FORM_ANNUAL = "annual-plan.schema.json"
FORM_DECLARATION = "declaration.schema.json"
FORM_FINALIZATION = "finalization.schema.json"
FORM_FUND_REQUEST = "fund-request.schema.json"
FORM_FUND_APPROVAL = "fund-approval.schema.json"
FORM_ASSETS = "asset-registration.schema.json"
FORM_PERFORMANCE = "performance-evaluation.schema.json"

# Who sees the city-wide figures: 市数管局, administrators and the city's leaders (市政府).
VIEWERS = {"sgj", "admin", "szf"}
RULES_KEY = "oversight_rules"
DEFAULT_RULES = {
    "red_months_behind": 3.0,     # 形象进度落后计划的月数
    "amber_months_behind": 1.0,
    "red_missing_reports": 2,     # 逾期未报的进度表份数
    "amber_missing_reports": 1,
    "red_execution_below": 0.3,   # 预算执行率（已拨付 / 计划至本月）低于
    "amber_execution_below": 0.6,
}
RULE_LABELS = {
    "red_months_behind": "红色：落后计划月数 ≥", "amber_months_behind": "黄色：落后计划月数 ≥",
    "red_missing_reports": "红色：逾期未报进度表份数 ≥", "amber_missing_reports": "黄色：逾期未报进度表份数 ≥",
    "red_execution_below": "红色：预算执行率 <", "amber_execution_below": "黄色：预算执行率 <",
}
RAG_LABELS = {"red": "红", "amber": "黄", "green": "绿"}
DIMENSIONS = [("application", "应用情况"), ("data_sharing", "数据资源共享情况"), ("application_effect", "应用效果"),
              ("security", "安全保密"), ("innovation", "创新服务"), ("benefits", "经济和社会效益")]
PRINCIPLES = ["共享优先", "保障民生", "协调发展"]


# ---------------------------------------------------------------- access

def scope(user):
    """None: the whole city; else the set of department codes the user may see. Others: 403."""
    groups = set(user.groups)
    if groups & VIEWERS:
        return None
    depts = {g.split(":", 1)[1] for g in groups if g.startswith("dept:")}
    if depts:
        return depts
    raise Forbidden("只有市数管局、市政府领导、管理员和项目建设主管部门可以查看")


# The annual plan is the city's budget line: besides the viewers, 发改委 and 财政局 (who fund it) see it all.
PLAN_VIEWERS = VIEWERS | {"fgw", "czj"}


def plan_scope(user):
    """None: every department's entries of the 年度建设计划; else the user's own departments. Others: 403."""
    groups = set(user.groups)
    if groups & PLAN_VIEWERS:
        return None
    depts = {g.split(":", 1)[1] for g in groups if g.startswith("dept:")}
    if depts:
        return depts
    raise Forbidden("只有市数管局、市发改委、市财政局、市政府领导和项目建设主管部门可以查看年度建设计划")


def require_sgj(user):
    if not ({"sgj", "admin"} & set(user.groups)):
        raise Forbidden("只有市数管局可以执行此操作")


def parse_month(value):
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        raise Invalid("月份应写成“2026-11”这样的年-月", fields={"month": "月份应写成“2026-11”这样的年-月"})
    try:
        year, month = int(value[:4]), int(value[5:])
    except ValueError:
        raise Invalid("月份应写成“2026-11”这样的年-月", fields={"month": "月份应写成“2026-11”这样的年-月"})
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Invalid("月份超出范围", fields={"month": "月份超出范围"})
    return year, month


def month_bounds(month):
    """[start, end) of a Beijing calendar month, as naive UTC (how the tables store time)."""
    year, mon = parse_month(month)
    start = datetime(year, mon, 1, tzinfo=clock.BEIJING)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=clock.BEIJING)
    return _naive(start), _naive(end)


def _naive(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def now_naive():
    return clock.now().replace(tzinfo=None)


def current_month():
    return clock.today().strftime("%Y-%m")


def previous_month(month):
    year, mon = parse_month(month)
    return f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"


def month_list(last, n):
    out = [last]
    while len(out) < n:
        out.append(previous_month(out[-1]))
    return out[::-1]


def _date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _num(value, default=0.0):
    try:
        return float(value) if value is not None and not isinstance(value, bool) else default
    except (TypeError, ValueError):
        return default


def rules():
    stored = get_setting(RULES_KEY) or {}
    return {k: type(v)(stored.get(k, v)) for k, v in DEFAULT_RULES.items()}


def latest_ids(form, project_ids=None, before=None):
    """The ids of the latest non-draft submission of `form` per project (a subquery)."""
    latest = select(func.max(Submission.id)).where(Submission.form == form, Submission.draft.is_(False),
                                                    Submission.project_id.is_not(None))
    if before is not None:
        latest = latest.where(Submission.submitted_at < before)
    if project_ids is not None:
        latest = latest.where(Submission.project_id.in_(project_ids))
    return latest.group_by(Submission.project_id)


def latest_submissions(form, project_ids=None, before=None, key=None):
    """{project_id: data} of the latest non-draft submission of `form` per project; with `key`, {project_id: that
    field's value}, picked out by the database (the whole forms are not read)."""
    value = Submission.data if key is None else Submission.data[key]
    rows = db.session.execute(select(Submission.project_id, value)
                              .where(Submission.id.in_(latest_ids(form, project_ids, before))))
    return dict(rows.all()) if key is not None else {pid: data or {} for pid, data in rows}


def paid_query(before=None, project_ids=None):
    """(project_id, 万元 paid) rows: the approved amounts of every 资金拨付审核 that agreed to pay, summed."""
    approved = Submission.data["fund_approved"].as_boolean()
    amount = Submission.data["approved_amount_wan"].as_float()
    query = (select(Submission.project_id, func.sum(case((approved == True, amount), else_=0.0)))  # noqa: E712
             .where(Submission.form == FORM_FUND_APPROVAL, Submission.draft.is_(False))
             .group_by(Submission.project_id))
    if before is not None:
        query = query.where(Submission.submitted_at < before)
    if project_ids is not None:
        query = query.where(Submission.project_id.in_(project_ids))
    return query


def paid_by_project(before=None, project_ids=None):
    """{project_id: 万元 paid}: the approved amounts of every 资金拨付审核 that agreed to pay."""
    return {pid: round(float(total or 0), 4) for pid, total in db.session.execute(paid_query(before, project_ids))}


def lifecycle_rows(project_ids=None):
    """{project_id: (stage, status, variables)} of the projects' lifecycle instances."""
    query = select(Project.id, Instance.stage, Instance.status, Instance.variables).join(
        Instance, Instance.id == Project.instance_id)
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    return {pid: (stage, status, variables or {}) for pid, stage, status, variables in db.session.execute(query)}


def project_stage(stage, status):
    if status in ("completed", "terminated"):
        return roles.ENDED
    return stage or roles.STAGES[0]


def _projects(ids):
    query = select(Project.id, Project.name, Project.department_code, Department.name, Project.build_year,
                   Project.budget_wan).join(Department, Department.code == Project.department_code)
    if ids is not None:
        query = query.where(Project.id.in_(ids))
    return {r[0]: r for r in db.session.execute(query)}


def _chunks(ids, size=500):
    """Lists of project ids for IN filters; None (no filter, one grouped pass over the index) when the
    set is large: scanning the form's rows once beats many IN lookups, and keeps the cost linear."""
    ids = list(ids)
    if len(ids) > size:
        yield None
        return
    yield ids


def _in(column, chunk):
    return column.in_(chunk) if chunk is not None else column.is_not(None)
