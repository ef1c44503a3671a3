"""The figures of 市数管局's cross-project views, from indexed rows only (no workflow is deserialized).

Sources: the lifecycle Instance (stage, status, small variables), TaskIndex (every 进度表 task with its
due date and completion), Submission (every submitted form: 实施计划表, 合同, 立项批复, 进度表, 资金拨付审核,
资产登记, 绩效评估 …). "The latest X of each project" is one grouped max(id) query per form.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, func, select

from engine import clock, roles
from engine.db import db
from engine.errors import Forbidden, Invalid
from engine.models import Instance, Submission, TaskIndex
from engine.settings import get_setting

from ..models import Department, Project

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


def require_sgj(user):
    if not ({"sgj", "admin"} & set(user.groups)):
        raise Forbidden("只有市数管局可以执行此操作")


# ---------------------------------------------------------------- time helpers

def parse_month(value):
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        raise Invalid("月份格式应为 YYYY-MM", fields={"month": "月份格式应为 YYYY-MM"})
    try:
        year, month = int(value[:4]), int(value[5:])
    except ValueError:
        raise Invalid("月份格式应为 YYYY-MM", fields={"month": "月份格式应为 YYYY-MM"})
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


# ---------------------------------------------------------------- rules

def rules():
    stored = get_setting(RULES_KEY) or {}
    return {k: type(v)(stored.get(k, v)) for k, v in DEFAULT_RULES.items()}


def rag(row, rule):
    """红 / 黄 / 绿 of one bulletin row by the stored rules."""
    execution = row["execution_ratio"]
    if (row["months_behind"] >= rule["red_months_behind"] or row["missing_reports"] >= rule["red_missing_reports"]
            or (execution is not None and execution < rule["red_execution_below"])):
        return "red"
    if (row["months_behind"] >= rule["amber_months_behind"] or row["missing_reports"] >= rule["amber_missing_reports"]
            or (execution is not None and execution < rule["amber_execution_below"])):
        return "amber"
    return "green"


# ---------------------------------------------------------------- building blocks (grouped, indexed)

def latest_submissions(form, project_ids=None, before=None):
    """{project_id: data} of the latest non-draft submission of `form` per project."""
    latest = select(func.max(Submission.id)).where(Submission.form == form, Submission.draft.is_(False),
                                                    Submission.project_id.is_not(None))
    if before is not None:
        latest = latest.where(Submission.submitted_at < before)
    if project_ids is not None:
        latest = latest.where(Submission.project_id.in_(project_ids))
    latest = latest.group_by(Submission.project_id)
    rows = db.session.execute(select(Submission.project_id, Submission.data).where(Submission.id.in_(latest)))
    return {pid: data or {} for pid, data in rows}


def paid_by_project(before=None, project_ids=None):
    """{project_id: 万元 paid}: the approved amounts of every 资金拨付审核 that agreed to pay."""
    approved = Submission.data["fund_approved"].as_boolean()
    amount = Submission.data["approved_amount_wan"].as_float()
    query = (select(Submission.project_id, func.sum(case((approved == True, amount), else_=0.0)))  # noqa: E712
             .where(Submission.form == FORM_FUND_APPROVAL, Submission.draft.is_(False))
             .group_by(Submission.project_id))
    if before is not None:
        query = query.where(Submission.submitted_at < before)
    if project_ids is not None:
        query = query.where(Submission.project_id.in_(project_ids))
    return {pid: round(float(total or 0), 4) for pid, total in db.session.execute(query)}


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


# ---------------------------------------------------------------- 按月通报

def _plan_progress(plan, month_end_day):
    """(expected %, total months) of the 实施计划表 at the end of the month, linear between start and end."""
    start, end = _date(plan.get("planned_start")), _date(plan.get("planned_end"))
    if not start or not end or end <= start:
        return None, None
    total_days = (end - start).days
    elapsed = min(max((month_end_day - start).days, 0), total_days)
    return 100.0 * elapsed / total_days, total_days / (365.25 / 12)


def _planned_funds(plan, month):
    year, mon = parse_month(month)
    quarter = f"{year}-Q{(mon - 1) // 3 + 1}"
    return sum(_num(q.get("amount_wan")) for q in plan.get("quarterly_funding") or []
               if isinstance(q, dict) and str(q.get("quarter", "")) <= quarter)


def compute_bulletin(month, departments=None):
    """The bulletin of `month` computed now: {month, rules, summary, departments, rows}."""
    start, end = month_bounds(month)
    now = now_naive()
    cutoff = min(end, now)
    rule = rules()
    # 1. the month's 进度表 tasks (one per project in 实施 that month), by the (bpmn_id, due_at) index
    month_tasks = {}
    for task in db.session.execute(
            select(TaskIndex.project_id, TaskIndex.id, TaskIndex.due_at, TaskIndex.completed_at, TaskIndex.state)
            .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at >= start, TaskIndex.due_at < end)):
        month_tasks[task.project_id] = task
    # 2. projects in 实施 now (when the month is not over yet they belong to it too)
    ids = set(month_tasks)
    if end > now - timedelta(days=31):
        ids |= set(db.session.execute(
            select(Project.id).join(Instance, Instance.id == Project.instance_id)
            .where(Instance.stage == "实施", Instance.status.in_(("running", "suspended", "incident")))).scalars())
    projects = _projects(ids) if ids else {}
    if departments is not None:
        projects = {pid: p for pid, p in projects.items() if p[2] in departments}
    ids = sorted(projects)
    # 3. reports due up to the cutoff: how many are missing (overdue, not submitted) and late
    stats = {}
    overdue_open = and_(TaskIndex.state == "ready", TaskIndex.due_at <= cutoff)
    late = and_(TaskIndex.completed_at.is_not(None), TaskIndex.completed_at > TaskIndex.due_at)
    for chunk in _chunks(ids):
        for pid, due, missing, late_count in db.session.execute(
                select(TaskIndex.project_id, func.count(),
                       func.sum(case((overdue_open, 1), else_=0)), func.sum(case((late, 1), else_=0)))
                .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at < end, _in(TaskIndex.project_id, chunk))
                .group_by(TaskIndex.project_id)):
            stats[pid] = (due, int(missing or 0), int(late_count or 0))
    # 4. the latest 进度表 up to the month, the month's own 进度表, plan, contract, approval, payments
    latest_report, month_report, plans, contracts, approvals, paid = {}, {}, {}, {}, {}, {}
    for chunk in _chunks(ids):
        newest = (select(func.max(Submission.id)).join(TaskIndex, TaskIndex.id == Submission.task_id)
                  .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at < end, Submission.draft.is_(False),
                         _in(Submission.project_id, chunk))
                  .group_by(Submission.project_id))
        for pid, data, task_id in db.session.execute(
                select(Submission.project_id, Submission.data, Submission.task_id).where(Submission.id.in_(newest))):
            latest_report[pid] = data or {}
            task = month_tasks.get(pid)
            if task is not None and task.id == task_id:
                month_report[pid] = data or {}
        plans.update(latest_submissions(FORM_IMPL_PLAN, chunk, before=end))
        contracts.update(latest_submissions(FORM_CONTRACT, chunk))
        approvals.update(latest_submissions(FORM_APPROVAL, chunk))
        paid.update(paid_by_project(before=end, project_ids=chunk))
    month_last_day = (datetime.fromisoformat(f"{month}-01") + timedelta(days=32)).replace(day=1).date() - timedelta(days=1)
    rows = []
    for pid in ids:
        _, name, dept, dept_name, build_year, budget = projects[pid]
        report = latest_report.get(pid, {})
        plan = plans.get(pid, {})
        progress = _num(report.get("progress_percent"))
        expected, plan_months = _plan_progress(plan, month_last_day)
        behind = 0.0
        if expected is not None and plan_months:
            behind = max(0.0, (expected - progress) / 100.0 * plan_months)
        planned = _planned_funds(plan, month)
        paid_wan = paid.get(pid, 0.0)
        task = month_tasks.get(pid)
        if task is None:
            on_time = "无"
        elif task.completed_at is not None:
            on_time = "按时" if task.completed_at <= task.due_at else "逾期报送"
        elif task.due_at <= now:
            on_time = "未报送"
        else:
            on_time = "未到期"
        due_count, missing, late_count = stats.get(pid, (0, 0, 0))
        row = {
            "project_id": pid, "project_name": name, "department": dept, "department_name": dept_name,
            "build_year": build_year,
            "approved_amount_wan": _num(approvals.get(pid, {}).get("approved_amount_wan"), None),
            "contract_amount_wan": _num(contracts.get(pid, {}).get("contract_amount_wan"), None),
            "progress_percent": round(progress, 2),
            "expected_percent": round(expected, 2) if expected is not None else None,
            "months_behind": round(behind, 2),
            "planned_funds_wan": round(planned, 4),
            "paid_wan": round(paid_wan, 4),
            "execution_ratio": round(paid_wan / planned, 4) if planned > 0 else None,
            "report_status": on_time,
            "report_due": task.due_at.isoformat() if task is not None else None,
            "reports_due": int(due_count), "missing_reports": missing, "late_reports": late_count,
            "problems": (month_report.get(pid) or {}).get("problems", ""),
            "improvements": (month_report.get(pid) or {}).get("improvements", ""),
        }
        row["rag"] = rag(row, rule)
        rows.append(row)
    order = {"red": 0, "amber": 1, "green": 2}
    rows.sort(key=lambda r: (order[r["rag"]], -r["months_behind"], r["department"], r["project_id"]))
    return {"month": month, "generated_at": now.isoformat(), "rules": rule,
            "summary": _summary(rows), "departments": _by_department(rows), "rows": rows}


def _summary(rows):
    planned = sum(r["planned_funds_wan"] for r in rows)
    paid = sum(r["paid_wan"] for r in rows)
    with_task = [r for r in rows if r["report_status"] != "无"]
    return {
        "projects": len(rows),
        "red": sum(r["rag"] == "red" for r in rows), "amber": sum(r["rag"] == "amber" for r in rows),
        "green": sum(r["rag"] == "green" for r in rows),
        "on_time": sum(r["report_status"] == "按时" for r in rows),
        "late": sum(r["report_status"] == "逾期报送" for r in rows),
        "missing": sum(r["report_status"] == "未报送" for r in rows),
        "reports_expected": len(with_task),
        "planned_funds_wan": round(planned, 4), "paid_wan": round(paid, 4),
        "execution_ratio": round(paid / planned, 4) if planned > 0 else None,
    }


def _by_department(rows):
    groups = defaultdict(list)
    for r in rows:
        groups[(r["department"], r["department_name"])].append(r)
    out = []
    for (code, name), items in sorted(groups.items()):
        out.append({"department": code, "department_name": name, **_summary(items)})
    return out


def restrict(bulletin, departments):
    """A copy of a bulletin with only the rows (and department lines) of these departments."""
    if departments is None:
        return bulletin
    rows = [r for r in bulletin["rows"] if r["department"] in departments]
    return {**bulletin, "rows": rows, "summary": _summary(rows), "departments": _by_department(rows)}


# ---------------------------------------------------------------- funds

def funds(year=None, departments=None):
    """Per project: approved, contract, every 资金拨付 request and its result, cumulative paid;
    and the city-wide budget execution by department and build year."""
    query = select(Project.id).where(Project.instance_id.is_not(None))
    if year:
        query = query.where(Project.build_year == int(year))
    if departments is not None:
        query = query.where(Project.department_code.in_(sorted(departments)))
    ids = list(db.session.execute(query).scalars())
    projects = _projects(ids) if ids else {}
    approvals, contracts, paid, requests = {}, {}, {}, defaultdict(list)
    for chunk in _chunks(ids):
        approvals.update(latest_submissions(FORM_APPROVAL, chunk))
        contracts.update(latest_submissions(FORM_CONTRACT, chunk))
        paid.update(paid_by_project(project_ids=chunk))
        rows = db.session.execute(
            select(Submission.instance_id, Submission.project_id, Submission.form, Submission.data, Submission.submitted_at)
            .where(Submission.form.in_((FORM_FUND_REQUEST, FORM_FUND_APPROVAL)), Submission.draft.is_(False),
                   _in(Submission.project_id, chunk)).order_by(Submission.id))
        by_instance = {}
        for instance_id, pid, form, data, at in rows:
            entry = by_instance.setdefault(instance_id, {"instance_id": instance_id, "project_id": pid})
            if form == FORM_FUND_REQUEST:
                entry.update(request_date=data.get("request_date"), request_amount_wan=_num(data.get("request_amount_wan")),
                             basis=data.get("basis", ""), requested_at=at.isoformat())
            else:
                entry.update(approved=bool(data.get("fund_approved")), approved_amount_wan=_num(data.get("approved_amount_wan")),
                             opinion=data.get("approval_opinion", ""), approval_date=data.get("approval_date"))
        for entry in by_instance.values():
            entry.setdefault("approved", None)
            requests[entry["project_id"]].append(entry)
    items = []
    for pid in sorted(projects):
        _, name, dept, dept_name, build_year, budget = projects[pid]
        approved = _num(approvals.get(pid, {}).get("approved_amount_wan"), None)
        contract = _num(contracts.get(pid, {}).get("contract_amount_wan"), None)
        items.append({"project_id": pid, "project_name": name, "department": dept, "department_name": dept_name,
                      "build_year": build_year, "approved_amount_wan": approved, "contract_amount_wan": contract,
                      "paid_wan": paid.get(pid, 0.0), "requests": requests.get(pid, []),
                      "execution_ratio": round(paid.get(pid, 0.0) / approved, 4) if approved else None})
    groups = defaultdict(lambda: {"projects": 0, "approved_amount_wan": 0.0, "contract_amount_wan": 0.0, "paid_wan": 0.0})
    for item in items:
        key = (item["department"], item["department_name"], item["build_year"])
        g = groups[key]
        g["projects"] += 1
        g["approved_amount_wan"] += item["approved_amount_wan"] or 0
        g["contract_amount_wan"] += item["contract_amount_wan"] or 0
        g["paid_wan"] += item["paid_wan"]
    execution = []
    for (code, name, build_year), g in sorted(groups.items()):
        execution.append({"department": code, "department_name": name, "build_year": build_year,
                          **{k: round(v, 4) for k, v in g.items()},
                          "execution_ratio": round(g["paid_wan"] / g["approved_amount_wan"], 4) if g["approved_amount_wan"] else None})
    return {"projects": items, "execution": execution,
            "totals": {"approved_amount_wan": round(sum(i["approved_amount_wan"] or 0 for i in items), 4),
                       "contract_amount_wan": round(sum(i["contract_amount_wan"] or 0 for i in items), 4),
                       "paid_wan": round(sum(i["paid_wan"] for i in items), 4)}}


def may_receive_funds(project_id):
    """三(四): no 资金拨付 for a project that was not reviewed (论证通过) and approved (立项批复)."""
    variables = lifecycle_rows([project_id]).get(project_id, (None, None, {}))[2]
    approved = latest_submissions(FORM_APPROVAL, [project_id]).get(project_id)
    return bool(variables.get("review_passed") is True and approved)


# ---------------------------------------------------------------- 年度建设计划

def plan(year):
    """The build year's approved projects, grouped by 共享优先、保障民生、协调发展 and ordered."""
    from .models import AnnualPlan, AnnualPlanEntry

    year = int(year)
    approvals_all = latest_submissions(FORM_APPROVAL)
    candidate = set(db.session.execute(select(Project.id).where(Project.build_year == year)).scalars())
    candidate |= {pid for pid, d in approvals_all.items() if d.get("investment_plan_year") == year}
    candidate &= set(approvals_all)
    ids = sorted(candidate)
    projects = _projects(ids) if ids else {}
    annual = latest_submissions(FORM_ANNUAL, ids) if ids else {}
    declarations = latest_submissions(FORM_DECLARATION, ids) if ids else {}
    finals = latest_submissions(FORM_FINALIZATION, ids) if ids else {}
    life = lifecycle_rows(ids) if ids else {}
    edits = {e.project_id: e for e in db.session.execute(
        select(AnnualPlanEntry).where(AnnualPlanEntry.year == year)).scalars()}
    header = db.session.get(AnnualPlan, year)
    items = []
    for pid in ids:
        _, name, dept, dept_name, build_year, budget = projects[pid]
        approval, entry = approvals_all[pid], annual.get(pid, {})
        edit = edits.get(pid)
        if edit is not None and edit.excluded:
            continue
        declaration = {**declarations.get(pid, {}), **{k: v for k, v in finals.get(pid, {}).items() if k == "funding_sources"}}
        stage, status, variables = life.get(pid, (None, None, {}))
        principle = (edit.principle if edit and edit.principle else None) or entry.get("priority_principle") or "未定"
        amount = (float(edit.plan_amount_wan) if edit and edit.plan_amount_wan is not None
                  else _num(entry.get("plan_amount_wan"), None))
        items.append({
            "project_id": pid, "project_name": name, "department": dept, "department_name": dept_name,
            "build_year": build_year, "principle": principle,
            "approved_amount_wan": _num(approval.get("approved_amount_wan"), None),
            "plan_amount_wan": amount if amount is not None else _num(approval.get("approved_amount_wan"), None),
            "approval_no": approval.get("approval_no", ""),
            "funding_sources": [{"source": s.get("source"), "amount_wan": _num(s.get("amount_wan"))}
                                for s in declaration.get("funding_sources") or [] if isinstance(s, dict)],
            "route": {"unified": "市数管局统一立项", "separate": "单独立项"}.get(variables.get("establishment_route"), "—"),
            "category": declaration.get("project_category") or variables.get("project_category", ""),
            "position": edit.position if edit and edit.position is not None else None,
            "note": edit.note if edit else "",
            "batch": entry.get("plan_batch", ""),
            "stage": project_stage(stage, status),
        })
    rank = {p: i for i, p in enumerate(PRINCIPLES)}
    items.sort(key=lambda i: (rank.get(i["principle"], len(PRINCIPLES)), i["position"] is None, i["position"] or 0,
                              -(i["plan_amount_wan"] or 0), i["project_id"]))
    groups = []
    for principle in PRINCIPLES + ["未定"]:
        members = [i for i in items if i["principle"] == principle]
        if members:
            groups.append({"principle": principle, "items": members,
                           "plan_amount_wan": round(sum(i["plan_amount_wan"] or 0 for i in members), 4)})
    for n, item in enumerate(items, 1):
        item["seq"] = n
    return {"year": year, "status": header.status if header else "draft",
            "title": (header.title if header and header.title else f"{year}年度六安市电子政务项目建设计划"),
            "published_at": header.published_at.isoformat() if header and header.published_at else None,
            "groups": groups, "items": items,
            "total_plan_amount_wan": round(sum(i["plan_amount_wan"] or 0 for i in items), 4),
            "total_approved_amount_wan": round(sum(i["approved_amount_wan"] or 0 for i in items), 4)}


# ---------------------------------------------------------------- 资产

def assets(departments=None, project_id=None):
    """Every asset registered at 资产登记, with its current place after approved moves, and its history."""
    from .models import AssetChange

    query = (select(Submission.id, Submission.project_id, Submission.data, Submission.submitted_at)
             .where(Submission.form == FORM_ASSETS, Submission.draft.is_(False)).order_by(Submission.id))
    if project_id is not None:
        query = query.where(Submission.project_id == project_id)
    subs = db.session.execute(query).all()
    projects = _projects({s[1] for s in subs}) if subs else {}
    changes = defaultdict(list)
    if subs:
        for change in db.session.execute(select(AssetChange).where(AssetChange.submission_id.in_([s[0] for s in subs]))
                                         .order_by(AssetChange.id)).scalars():
            changes[(change.submission_id, change.asset_index)].append(change)
    items = []
    for sub_id, pid, data, at in subs:
        project = projects.get(pid)
        if project is None or (departments is not None and project[2] not in departments):
            continue
        for index, asset in enumerate(data.get("assets") or []):
            current = {"location": asset.get("location"), "on_gov_cloud": bool(asset.get("on_gov_cloud")),
                       "managing_unit": asset.get("managing_unit"), "status": "在用"}
            history = [{"kind": "register", "label": "资产登记", "at": at.isoformat(), "status": "approved",
                        "location": asset.get("location"), "managing_unit": asset.get("managing_unit")}]
            pending = None
            for change in changes.get((sub_id, index), []):
                history.append({"id": change.id, "kind": change.kind, "label": "迁移" if change.kind == "move" else "报废",
                                "at": change.requested_at.isoformat(), "status": change.status,
                                "requested_by": change.requested_by, "reason": change.reason,
                                "location": change.new_location, "managing_unit": change.new_managing_unit,
                                "decided_by": change.decided_by,
                                "decided_at": change.decided_at.isoformat() if change.decided_at else None,
                                "decision_note": change.decision_note})
                if change.status == "pending":
                    pending = change.id
                if change.status != "approved":
                    continue
                if change.kind == "scrap":
                    current["status"] = "已报废"
                else:
                    current.update(location=change.new_location or current["location"],
                                   on_gov_cloud=bool(change.new_on_gov_cloud),
                                   managing_unit=change.new_managing_unit or current["managing_unit"])
            items.append({"key": f"{sub_id}-{index}", "submission_id": sub_id, "asset_index": index,
                          "project_id": pid, "project_name": project[1], "department": project[2],
                          "department_name": project[3], "name": asset.get("name"), "category": asset.get("category"),
                          "quantity": asset.get("quantity"), "amount_wan": _num(asset.get("amount_wan")),
                          **current, "pending_change": pending, "history": history})
    return items


# ---------------------------------------------------------------- 绩效评估

def performance(departments=None):
    """Every project's latest 绩效评估: scores per dimension, total, grade; ranked by total score."""
    scores = latest_submissions(FORM_PERFORMANCE)
    projects = _projects(set(scores)) if scores else {}
    items = []
    for pid, data in scores.items():
        project = projects.get(pid)
        if project is None or (departments is not None and project[2] not in departments):
            continue
        dims = data.get("scores") or {}
        items.append({"project_id": pid, "project_name": project[1], "department": project[2],
                      "department_name": project[3], "build_year": project[4],
                      "evaluation_date": data.get("evaluation_date"),
                      "scores": {k: _num((dims.get(k) or {}).get("score"), None) for k, _ in DIMENSIONS},
                      "weights": {k: _num((dims.get(k) or {}).get("weight"), None) for k, _ in DIMENSIONS},
                      "total_score": _num(data.get("total_score")), "grade": data.get("grade", "")})
    items.sort(key=lambda i: (-i["total_score"], i["project_id"]))
    for n, item in enumerate(items, 1):
        item["rank"] = n
    return items


def department_record(code):
    """What a reviewer of the department's next application should see: sanction, 绩效, 督查."""
    from .models import Inspection

    department = db.session.get(Department, code)
    if department is None:
        return None
    perf = performance({code})
    inspections = db.session.execute(select(Inspection).where(Inspection.department_code == code)
                                     .order_by(Inspection.id.desc())).scalars().all()
    return {"department": code, "department_name": department.name, "sanction": department.sanction,
            "sanction_note": department.sanction_note, "performance": perf,
            "average_score": round(sum(p["total_score"] for p in perf) / len(perf), 2) if perf else None,
            "inspections": [{"id": i.id, "project_id": i.project_id, "status": i.status, "reason": i.reason,
                             "deadline": i.deadline.isoformat(), "consequence": i.consequence} for i in inspections]}


# ---------------------------------------------------------------- 驾驶舱

def dashboard(months=12):
    """Projects per stage, overdue tasks, budget execution, top lagging projects, monthly trends."""
    now = now_naive()
    stage_counts = defaultdict(int)
    for stage, status, count in db.session.execute(
            select(Instance.stage, Instance.status, func.count()).join(Project, Project.instance_id == Instance.id)
            .group_by(Instance.stage, Instance.status)):
        stage_counts[project_stage(stage, status)] += count
    stages = [{"stage": s, "count": stage_counts.get(s, 0)} for s in roles.STAGES + [roles.ENDED]]
    overdue_by_stage = defaultdict(int)
    overdue_by_dept = defaultdict(int)
    for stage, dept, count in db.session.execute(
            select(TaskIndex.stage, Project.department_code, func.count(func.distinct(TaskIndex.id)))
            .join(Project, Project.id == TaskIndex.project_id)
            .where(TaskIndex.state == "ready", TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now)
            .group_by(TaskIndex.stage, Project.department_code)):
        overdue_by_stage[stage or roles.STAGES[0]] += count
        overdue_by_dept[dept] += count
    overdue_projects = db.session.execute(
        select(func.count(func.distinct(TaskIndex.project_id)))
        .where(TaskIndex.state == "ready", TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now,
               TaskIndex.project_id.is_not(None))).scalar() or 0
    fund = funds()
    month = current_month()
    bulletin = compute_bulletin(month)
    lagging = [r for r in bulletin["rows"] if r["rag"] != "green"][:10]
    trend = []
    for m in month_list(month, months):
        start, end = month_bounds(m)
        due, on_time = db.session.execute(
            select(func.count(), func.sum(case((and_(TaskIndex.completed_at.is_not(None),
                                                      TaskIndex.completed_at <= TaskIndex.due_at), 1), else_=0)))
            .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at >= start, TaskIndex.due_at < end)).one()
        paid_month = sum(paid_by_project(before=end).values()) - sum(paid_by_project(before=start).values())
        trend.append({"month": m, "reports_due": int(due or 0), "reports_on_time": int(on_time or 0),
                      "paid_wan": round(paid_month, 4)})
    names = dict(db.session.execute(select(Department.code, Department.name)).all())
    return {
        "generated_at": now.isoformat(), "month": month, "stages": stages,
        "projects_total": sum(s["count"] for s in stages),
        "overdue": {"tasks": sum(overdue_by_stage.values()), "projects": overdue_projects,
                    "by_stage": [{"stage": s, "count": overdue_by_stage.get(s, 0)} for s in roles.STAGES],
                    "by_department": [{"department": d, "department_name": names.get(d, d), "count": c}
                                      for d, c in sorted(overdue_by_dept.items())]},
        "budget": {**fund["totals"],
                   "execution_ratio": round(fund["totals"]["paid_wan"] / fund["totals"]["approved_amount_wan"], 4)
                   if fund["totals"]["approved_amount_wan"] else None,
                   "by_department": fund["execution"]},
        "lagging": lagging, "bulletin_summary": bulletin["summary"], "trend": trend,
    }
