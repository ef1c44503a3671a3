"""按月通报: the month's figures per project with red/amber/green by 市数管局's rules, stored once a month
(by the scheduler after the 20th's reporting deadline, or on demand), and the rules themselves."""
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

from engine import clock, runtime
from engine.audit import record
from engine.db import db, insert_or_merge
from engine.errors import Invalid
from engine.models import Instance, Submission, TaskIndex
from engine.settings import set_setting

from ...core.models import Project
from ..models import Bulletin
from .assessment import active_sanctions
from .common import (
    DEFAULT_RULES, FORM_APPROVAL, FORM_CONTRACT, FORM_IMPL_PLAN, REPORT_TASK, RULES_KEY, _chunks, _date, _in, _num,
    _projects, latest_submissions, month_bounds, now_naive, paid_by_project, parse_month, previous_month,
    require_sgj, rules,
)
from .inspections import propagate_sanctions


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
            .where(Instance.parent_id.is_(None),  # a project's lifecycle is top-level: read by index (0020)
                   Instance.stage == "实施", Instance.status.in_(("running", "suspended", "incident")))).scalars())
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
                         _in(Submission.project_id, chunk), _in(TaskIndex.project_id, chunk))  # per project, by index
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
            "summary": _summary(rows), "departments": _by_department(rows), "rows": rows,
            "sanctions": active_sanctions(month, departments)}


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
    return {**bulletin, "rows": rows, "summary": _summary(rows), "departments": _by_department(rows),
            "sanctions": [s for s in bulletin.get("sanctions", []) if s["department"] in departments]}


def generate_bulletin(month, by="system"):
    """Compute and store the bulletin of `month` (replacing an earlier one of that month)."""
    data = compute_bulletin(month)
    values = {"month": month, "generated_at": now_naive(), "generated_by": by, "rules": data["rules"],
              "summary": {**data["summary"], "sanctions": data["sanctions"]},  # the month's sanctions, as published
              "departments": data["departments"], "rows": data["rows"]}
    with runtime.unit_of_work():
        # One statement whether the month is new or not: refreshes at once all succeed, the last one wins.
        upsert = insert_or_merge(Bulletin).values(**values)
        db.session.execute(upsert.on_conflict_do_update(
            index_elements=[Bulletin.month], set_={k: upsert.excluded[k] for k in values if k != "month"}))
        record("bulletin", by, payload={"month": month, "projects": len(data["rows"])})
        row = db.session.execute(select(Bulletin).where(Bulletin.month == month)
                                 .execution_options(populate_existing=True)).scalar_one()
    return row


def stored_bulletin(month):
    row = db.session.execute(select(Bulletin).where(Bulletin.month == month)).scalar()
    if row is None:
        return None
    summary = dict(row.summary or {})
    sanctions = summary.pop("sanctions", [])
    return {"month": row.month, "generated_at": row.generated_at.isoformat(), "generated_by": row.generated_by,
            "stored": True, "rules": row.rules, "summary": summary, "departments": row.departments, "rows": row.rows,
            "sanctions": sanctions}


def bulletin(month, refresh=False, by=None):
    """The month's bulletin: the stored one, or computed now (and stored when `refresh`)."""
    parse_month(month)
    if refresh:
        generate_bulletin(month, by=by or "system")
    stored = stored_bulletin(month)
    if stored is not None:
        return stored
    return {**compute_bulletin(month), "stored": False, "generated_by": None}


def due_bulletin_month(today=None):
    """The month whose bulletin is due: the current month once its 20th deadline has passed."""
    from engine import workcalendar

    today = today or clock.today()
    month = today.strftime("%Y-%m")
    deadline = date.fromisoformat(workcalendar.report_deadline(month))
    return month if today > deadline else previous_month(month)


def scheduled_bulletin():
    """The scheduler's job: generate the due month's bulletin once (idempotent); propagate sanctions."""
    month = due_bulletin_month()
    created = None
    if db.session.execute(select(Bulletin.id).where(Bulletin.month == month)).scalar() is None:
        created = generate_bulletin(month, by="system")
    propagate_sanctions()
    return created


def set_rules(user, values):
    require_sgj(user)
    current, fields, clean = rules(), {}, {}
    for key, default in DEFAULT_RULES.items():
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
        set_setting(RULES_KEY, clean)
        record("oversight_rules", user.username, payload=clean)
    return clean
