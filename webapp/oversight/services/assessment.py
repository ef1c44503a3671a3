"""The yearly 电子政务工作考核 per department (notice 三(三)): on-time monthly 进度表, budget execution and
督查 results of the year, with the sanctions that applied in the year (in force, lapsed or lifted). Read from the task index, submissions and the
督查 rows, never from workflow state; exportable to Excel."""
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from engine import clock
from engine.db import db
from engine.models import TaskIndex

from ...core.models import Department, Project
from ...core.xlsx import as_text_cells
from ..models import Inspection
from .common import REPORT_TASK, now_naive
from .funds import funds
from .sanctions import sanctions_between

BEIJING = timedelta(hours=8)
INSPECTION_OUTCOMES = {"open": "整改中", "answered": "待验收", "accepted": "整改通过", "rejected": "整改未通过"}


def _year_bounds(year):
    """The Beijing calendar year as naive UTC instants (the task index stores UTC)."""
    return datetime(year, 1, 1) - BEIJING, datetime(year + 1, 1, 1) - BEIJING


def yearly_assessment(year, departments=None):
    """[{department, 进度表 due/on time/late/missing and on-time rate, budget execution, 督查 outcomes,
    sanction}] for every department (or those given), by department code."""
    start, end = _year_bounds(year)
    now = now_naive()
    depts = db.session.execute(select(Department).order_by(Department.code)).scalars().all()
    rows = {d.code: {"department": d.code, "department_name": d.name, "year": year, "reports_due": 0,
                     "on_time": 0, "late": 0, "missing": 0, "open": 0, "approved_amount_wan": 0.0,
                     "paid_wan": 0.0, "inspections": 0, "inspections_by_outcome": {},
                     "sanctions": [], "sanction_note": d.sanction_note or ""}
            for d in depts if departments is None or d.code in departments}
    for item in sanctions_between(date(year, 1, 1), date(year, 12, 31), departments):
        if item["department"] in rows:
            rows[item["department"]]["sanctions"].append(item)
    reports = db.session.execute(
        select(Project.department_code, TaskIndex.state, TaskIndex.due_at, TaskIndex.completed_at)
        .join(Project, Project.id == TaskIndex.project_id)
        .where(TaskIndex.bpmn_id == REPORT_TASK, TaskIndex.due_at >= start, TaskIndex.due_at < end,
               TaskIndex.state != "cancelled"))
    for code, state, due, done in reports:
        row = rows.get(code)
        if row is None:
            continue
        row["reports_due"] += 1
        if state == "completed":
            row["on_time" if done <= due else "late"] += 1
        elif due <= now:
            row["missing"] += 1
        else:
            row["open"] += 1
    for item in funds(year, departments)["execution"]:  # the projects of the build year, paid so far
        row = rows.get(item["department"])
        if row is not None:
            row["approved_amount_wan"] += item["approved_amount_wan"]
            row["paid_wan"] += item["paid_wan"]
    outcomes = db.session.execute(
        select(Inspection.department_code, Inspection.status, func.count())
        .where(Inspection.opened_at >= start, Inspection.opened_at < end).group_by(Inspection.department_code,
                                                                                   Inspection.status))
    for code, status, n in outcomes:
        row = rows.get(code)
        if row is not None:
            row["inspections"] += n
            label = INSPECTION_OUTCOMES.get(status, status)
            row["inspections_by_outcome"][label] = row["inspections_by_outcome"].get(label, 0) + n
    for row in rows.values():
        finished = row["on_time"] + row["late"] + row["missing"]
        row["on_time_rate"] = round(row["on_time"] / finished, 4) if finished else None
        row["execution_ratio"] = (round(row["paid_wan"] / row["approved_amount_wan"], 4)
                                  if row["approved_amount_wan"] else None)
        row["approved_amount_wan"], row["paid_wan"] = round(row["approved_amount_wan"], 4), round(row["paid_wan"], 4)
        row["inspection_summary"] = "、".join(f"{k} {v}" for k, v in sorted(row["inspections_by_outcome"].items()))
        row["sanction"] = "、".join(dict.fromkeys(s["sanction"] for s in row["sanctions"]))
        row["sanction_detail"] = "；".join(_sanction_text(s) for s in row["sanctions"])
    return list(rows.values())


def _sanction_text(item):
    return f"{item['sanction']}（{item['round_year']} 年度申报轮次，至 {item['until']}，{item['status']}）"


def active_sanctions(month=None, departments=None):
    """Sanctions that applied in the month (for the 按月通报), with their round and whether they are still in
    force on the month's last day (or today): [{department, department_name, sanction, note, round_year, until,
    status}]."""
    today = clock.today()
    if month is None:
        first = last = today
    else:
        year, mon = int(month[:4]), int(month[5:7])
        first, last = date(year, mon, 1), date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)
    return [{k: s[k] for k in ("department", "department_name", "sanction", "note", "round_year", "until", "status")}
            for s in sanctions_between(first, last, departments, today)]


ASSESSMENT_COLUMNS = [
    ("主管部门", "department_name"), ("应报进度表(份)", "reports_due"), ("按时报送", "on_time"), ("逾期报送", "late"),
    ("逾期未报", "missing"), ("按时报送率", "on_time_rate"), ("批复金额(万元)", "approved_amount_wan"),
    ("已拨付(万元)", "paid_wan"), ("预算执行率", "execution_ratio"), ("督查(次)", "inspections"),
    ("督查结果", "inspection_summary"), ("处理措施", "sanction_detail"),
]


def assessment_xlsx(year, rows):
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年考核"
    ws.append([f"六安市 {year} 年度电子政务工作考核（各项目建设主管部门）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([label for label, _ in ASSESSMENT_COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(key) for _, key in ASSESSMENT_COLUMNS])
        for col in (6, 9):
            cell = ws.cell(row=ws.max_row, column=col)
            if isinstance(cell.value, float):
                cell.number_format = "0.0%"
    out = BytesIO()
    as_text_cells(wb).save(out)
    out.seek(0)
    return out


