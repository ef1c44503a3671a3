"""绩效 ranking, a department's record (for the reviewers of its next application) and the 驾驶舱."""
from collections import defaultdict

from sqlalchemy import case, func, select

from engine import roles
from engine.db import db
from engine.models import Instance, Submission, TaskIndex

from ...core.models import Department, Project
from ..models import Inspection
from .bulletins import compute_bulletin
from .funds import budget_execution
from .common import (
    DIMENSIONS, FORM_FUND_APPROVAL, FORM_PERFORMANCE, REPORT_TASK, _num, _projects, current_month, latest_submissions,
    month_bounds, month_list, now_naive, project_stage,
)


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


def dashboard(months=12):
    """Projects per stage, overdue tasks, budget execution, top lagging projects, monthly trends."""
    now = now_naive()
    stage_counts = defaultdict(int)
    for stage, status, count in db.session.execute(
            select(Instance.stage, Instance.status, func.count()).join(Project, Project.instance_id == Instance.id)
            # a project's instance is its top-level lifecycle: saying so reads those by index, not every 进度表 ever run
            .where(Instance.parent_id.is_(None)).group_by(Instance.stage, Instance.status)):
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
    fund = budget_execution()
    month = current_month()
    bulletin = compute_bulletin(month)
    lagging = [r for r in bulletin["rows"] if r["rag"] != "green"][:10]
    trend = _trend(month_list(month, months))
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


def _trend(months):
    """Reports due / on time and 万元 paid per month, each read once over the months' window only (an index on
    the due time and on the submission time), so ten years of history cost what one year does."""
    bounds = [month_bounds(m) for m in months]
    first, last = bounds[0][0], bounds[-1][1]
    reports = db.session.execute(
        select(TaskIndex.due_at, TaskIndex.completed_at)
        .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at >= first, TaskIndex.due_at < last)).all()
    approved = Submission.data["fund_approved"].as_boolean()
    amount = Submission.data["approved_amount_wan"].as_float()
    payments = db.session.execute(
        select(Submission.submitted_at, case((approved == True, amount), else_=0.0))  # noqa: E712
        .where(Submission.form == FORM_FUND_APPROVAL, Submission.draft.is_(False),
               Submission.submitted_at >= first, Submission.submitted_at < last)).all()
    trend = []
    for m, (start, end) in zip(months, bounds):
        due = [(d, c) for d, c in reports if start <= d < end]
        paid = sum(float(a or 0) for at, a in payments if start <= at < end)
        on_time = sum(1 for d, c in due if c is not None and c <= d)
        trend.append({"month": m, "reports_due": len(due), "reports_on_time": on_time, "paid_wan": round(paid, 4)})
    return trend
