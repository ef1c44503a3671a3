"""Effects of submitted forms, written in the same transaction as the task completion that submits them.

Forms reach the engine through runtime.complete_task from the UI, the API or tests alike; every one
becomes a Submission row. Before that row is flushed we:

- mirror the 督查整改 process on its Inspection row (整改措施 answered, 整改验收 accepted or rejected) and,
  on a rejection, set the consequence on the department (Department.sanction, 三（三）);
- refuse a 申报表 of the sanctioned round of a department whose 申报 of that round is suspended, or whose
  round budget is capped and its projects' 概算 together would pass the cap: the declaration form shows the same through its x-rules, but a client could post
  other values for the read-only fields, so the server checks the department itself;
- refuse a 资金拨付申请 for a project that was not reviewed and approved (三（四）).

A refusal raises engine.errors.Invalid: unit_of_work rolls the whole completion back, the caller gets 422.
"""
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from datetime import timedelta

from engine import clock, workcalendar
from engine.errors import Invalid
from engine.models import Submission

FORM_RECTIFICATION = "supervision-rectification.schema.json"
FORM_REVIEW = "supervision-review.schema.json"
BEIJING = timedelta(hours=8)
_installed = False


def install():
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)  # every session, Flask-SQLAlchemy's included
        event.listen(Submission, "after_insert", _after_insert)  # when the row has its id
        _installed = True


def _before_flush(session, flush_context, instances):
    for obj in list(session.new):
        if isinstance(obj, Submission) and not obj.draft:
            handler = HANDLERS.get(obj.form)
            if handler is not None:
                handler(session, obj)


def _after_insert(mapper, connection, submission):
    from .services.budgets import keep

    keep(connection, submission)


def _inspection(session, submission):
    from .models import Inspection

    return session.execute(select(Inspection).where(Inspection.instance_id == submission.instance_id)).scalar()


def _rectification(session, submission):
    row = _inspection(session, submission)
    if row is None:
        return
    data = submission.data or {}
    row.status = "answered"
    row.measures = f"{data.get('measures', '')}\n已落实：{data.get('completed_items', '')}".strip()
    row.answered_at = submission.submitted_at


def _review(session, submission):
    from ..core.models import Department
    from .services.inspections import SANCTION_CODES

    row = _inspection(session, submission)
    if row is None:
        return
    data = submission.data or {}
    row.decided_by, row.decided_at = submission.submitted_by, submission.submitted_at
    row.decision_opinion = data.get("review_opinion", "")
    if data.get("rectification_accepted"):
        row.status = "accepted"
        return
    row.status = "rejected"
    code = SANCTION_CODES.get(data.get("consequence"), "suspend")
    row.consequence = code
    if code == "budget_cut":
        row.budget_cap_wan = data.get("budget_cap_wan") or 0
    from .services.sanctions import round_of, sanction_note

    department = session.get(Department, row.department_code)
    department.sanction = code
    decided = submission.submitted_at
    year = round_of((decided + BEIJING).date() if decided else clock.today())
    department.sanction_note = (
        f"督查 #{row.id}（{row.project.name if row.project else row.project_id}）整改不合格，"
        + sanction_note(code, year, row.budget_cap_wan) + f"；审核意见：{row.decision_opinion}")


def _declaration(session, submission):
    from ..core.models import Department, Project
    from .services.sanctions import declared_total, in_force

    project = session.get(Project, submission.project_id) if submission.project_id else None
    if project is None:
        return
    department = session.get(Department, project.department_code)
    with session.no_autoflush:
        found = in_force(department)
    if found is None:
        return
    data = submission.data or {}
    year = data.get("build_year") if isinstance(data.get("build_year"), int) else project.build_year
    if clock.today().isoformat() > workcalendar.declaration_deadline(year):
        year += 1  # filed late: it belongs to the next round (stage-declare moves it)
    if year != found["round_year"]:
        return  # the sanction concerns one round only
    if found["code"] == "suspend":
        message = f"本部门督查整改未通过，市数管局已暂缓本部门 {year} 年度申报轮次的项目申报（{found['until']} 后自动解除）"
        raise Invalid(message, fields={"department_sanction": message})
    with session.no_autoflush:
        others = declared_total(department.code, year, except_project=project.id)
    budget = data.get("budget_wan")
    cap = found["cap_wan"] or 0
    if isinstance(budget, (int, float)) and others + budget > cap:
        message = (f"本部门督查整改未通过，{year} 年度申报轮次项目支出预算已压缩：本部门该轮申报概算合计不得超过 "
                   f"{cap:g} 万元（其他项目已申报 {others:g} 万元，本项目至多 {max(cap - others, 0):g} 万元）")
        raise Invalid(message, fields={"budget_wan": message})


def _fund_request(session, submission):
    from ..core.models import Project
    from .services.funds import may_receive_funds

    if submission.project_id is None or session.get(Project, submission.project_id) is None:
        return
    with session.no_autoflush:
        allowed = may_receive_funds(submission.project_id)
    if not allowed:
        raise Invalid("未经审核论证和立项批复的项目不得拨付建设资金（三（四））",
                      fields={"request_amount_wan": "未经审核论证和立项批复的项目不得拨付建设资金"})


HANDLERS = {
    FORM_RECTIFICATION: _rectification,
    FORM_REVIEW: _review,
    "declaration.schema.json": _declaration,
    "fund-request.schema.json": _fund_request,
}
