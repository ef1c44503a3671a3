"""督查整改不力的处理 (notice 三(三)): 暂缓申报 or 压缩预算 of the department's *next* 申报轮次 only.

A rejected 整改 (Inspection.consequence, decided_at) sanctions the department for one round: the build year Y
whose 申报 deadline (6月30日 of Y−1) is the first not yet past when 市数管局 decided. 暂缓申报 refuses the
department's declarations of that round; 压缩预算 caps the sum of the 概算 of all its declarations of that round.
After that deadline the round is closed and the sanction lapses by itself (the scheduler's oversight job clears
Department.sanction and records `sanction_lapse`); 市数管局 may lift it earlier. Declarations of later rounds
are never touched.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from engine import clock, workcalendar
from engine.audit import record
from engine.db import db
from engine.models import Submission

from ...core.models import Department, Project
from ..models import Inspection

SANCTION_LABELS = {"suspend": "暂缓申报", "budget_cut": "压缩预算"}
DECLARATION_FORM = "declaration.schema.json"
BEIJING = timedelta(hours=8)


def round_of(day):
    """The build year whose 申报轮次 is the next one open on `day` (its deadline not yet past)."""
    year = day.year + 1
    while date.fromisoformat(workcalendar.declaration_deadline(year)) < day:
        year += 1
    return year


def lapse_day(round_year):
    """The last day the sanction of `round_year` applies: that round's 申报 deadline."""
    return date.fromisoformat(workcalendar.declaration_deadline(round_year))


def _beijing_day(moment):
    return (moment + BEIJING).date() if isinstance(moment, datetime) else moment


def sanction_rows(code=None):
    """Every sanction decided so far (rejected 整改 with a consequence), oldest first:
    [{department, department_name, code, sanction, round_year, decided_on, until, cap_wan, note, inspection_id}]."""
    query = (select(Inspection, Department.name).join(Department, Department.code == Inspection.department_code)
             .where(Inspection.status == "rejected", Inspection.consequence.in_(tuple(SANCTION_LABELS)))
             .order_by(Inspection.decided_at, Inspection.id))
    if code is not None:
        query = query.where(Inspection.department_code == code)
    out = []
    for row, name in db.session.execute(query):
        decided = _beijing_day(row.decided_at or row.opened_at)
        year = round_of(decided)
        out.append({"department": row.department_code, "department_name": name, "code": row.consequence,
                    "sanction": SANCTION_LABELS[row.consequence], "round_year": year,
                    "decided_on": decided.isoformat(), "until": lapse_day(year).isoformat(),
                    "cap_wan": float(row.budget_cap_wan) if row.budget_cap_wan is not None else None,
                    "inspection_id": row.id, "note": sanction_note(row.consequence, year, row.budget_cap_wan)})
    return out


def sanction_note(code, year, cap):
    if code == "suspend":
        return f"暂缓 {year} 年度申报轮次（{lapse_day(year).isoformat()} 截止）的项目申报，此后自动解除"
    return (f"压缩 {year} 年度申报轮次项目支出预算：本部门该轮全部项目申报概算合计不超过 {float(cap or 0):g} 万元，"
            f"{lapse_day(year).isoformat()} 后自动解除")


def in_force(department, day=None):
    """The department's sanction that applies now (its latest, not lifted, round not closed), else None."""
    if department is None or not department.sanction:
        return None
    day = day or clock.today()
    rows = [r for r in sanction_rows(department.code) if r["code"] == department.sanction]
    if not rows:  # set without a 督查 row (data from before rounds): the next open round
        year = round_of(day)
        return {"code": department.sanction, "sanction": SANCTION_LABELS.get(department.sanction, ""),
                "round_year": year, "until": lapse_day(year).isoformat(), "cap_wan": 0.0}
    latest = rows[-1]
    return latest if day <= lapse_day(latest["round_year"]) else None


def declared_total(code, round_year, except_project=None):
    """Sum of the 概算 (budget_wan) of the department's latest declaration per project of that round."""
    latest = (select(Submission.project_id, func.max(Submission.id).label("sid"))
              .where(Submission.form == DECLARATION_FORM, Submission.draft.is_(False))
              .group_by(Submission.project_id).subquery())
    rows = db.session.execute(
        select(Submission.project_id, Submission.data).join(latest, latest.c.sid == Submission.id)
        .join(Project, Project.id == Submission.project_id)
        .where(Project.department_code == code, Project.build_year == round_year)).all()
    total = 0.0
    for project_id, data in rows:
        budget = (data or {}).get("budget_wan")
        if project_id != except_project and isinstance(budget, (int, float)) and not isinstance(budget, bool):
            total += budget
    return total


def sanction_variables(department, build_year=None, project_id=None):
    """What the 申报表 of a project of round `build_year` reads: department_sanction ("" when none applies to
    that round) and, under 压缩预算, department_budget_cap_wan = the round's cap less the other projects' 概算."""
    found = in_force(department)
    if found is None or (build_year is not None and build_year != found["round_year"]):
        return {"department_sanction": ""}
    values = {"department_sanction": found["sanction"]}
    if found["code"] == "budget_cut":
        others = declared_total(department.code, found["round_year"], except_project=project_id)
        values["department_budget_cap_wan"] = max(round((found["cap_wan"] or 0) - others, 4), 0)
    return values


def lapse_sanctions(day=None):
    """Clear the sanctions whose round has closed; returns the department codes cleared."""
    day = day or clock.today()
    cleared = []
    for department in db.session.execute(select(Department).where(Department.sanction.is_not(None),
                                                                   Department.sanction != "")).scalars():
        rows = [r for r in sanction_rows(department.code) if r["code"] == department.sanction]
        if rows and day > lapse_day(rows[-1]["round_year"]):
            previous = department.sanction
            department.sanction, department.sanction_note = None, None
            record("sanction_lapse", "system", payload={"department": department.code, "previous": previous,
                                                        "round_year": rows[-1]["round_year"],
                                                        "lapsed_after": rows[-1]["until"]})
            cleared.append(department.code)
    return cleared


def status_at(row, day, lifted):
    """执行中 / 已到期解除 / 已解除 of one sanction row on `day` (`lifted`: 市数管局 lifted it before)."""
    if day > date.fromisoformat(row["until"]):
        return "已到期解除"
    return "已解除" if lifted else "执行中"


def lifted_on(code):
    """Days 市数管局 lifted a sanction of the department (audit `sanction_lift`)."""
    from engine.models import AuditEvent

    return [_beijing_day(at) for at, payload in db.session.execute(
        select(AuditEvent.at, AuditEvent.payload).where(AuditEvent.kind == "sanction_lift")).all()
        if (payload or {}).get("department") == code]


def sanctions_between(start, end, departments=None, today=None):
    """Sanctions that applied on some day of [start − 1 day, end] (dates), each with its status as the period
    closes (the day after `end`, or today if earlier): one that lapsed on the eve of the period, or in it, shows
    as 已到期解除."""
    today = today or clock.today()
    ref = min(end + timedelta(days=1), today)
    start = start - timedelta(days=1)
    out = []
    lifts = {}
    for row in sanction_rows():
        if departments is not None and row["department"] not in departments:
            continue
        decided, until = date.fromisoformat(row["decided_on"]), date.fromisoformat(row["until"])
        if decided > end or until < start:
            continue
        lifts.setdefault(row["department"], lifted_on(row["department"]))
        lifted = any(decided <= d <= ref for d in lifts[row["department"]])
        out.append({**row, "status": status_at(row, ref, lifted)})
    return out
