"""Effects of submitted forms, written in the same transaction as the task completion that submits them.

Forms reach the engine through runtime.complete_task from the UI, the API or tests alike; every one
becomes a Submission row. Before that row is flushed we:

- mirror the 督查整改 process on its Inspection row (整改措施 answered, 整改验收 accepted or rejected) and,
  on a rejection, set the consequence on the department (Department.sanction, 三（三）);
- refuse a 申报表 of a department whose next year's 申报 is suspended, or whose budget is capped and the
  概算 is over the cap: the declaration form shows the same through its x-rules, but a client could post
  other values for the read-only fields, so the server checks the department itself;
- refuse a 资金拨付申请 for a project that was not reviewed and approved (三（四）).

A refusal raises engine.errors.Invalid: unit_of_work rolls the whole completion back, the caller gets 422.
"""
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.errors import Invalid
from engine.models import Submission

FORM_RECTIFICATION = "supervision-rectification.schema.json"
FORM_REVIEW = "supervision-review.schema.json"
_installed = False


def install():
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)  # every session, Flask-SQLAlchemy's included
        _installed = True


def _before_flush(session, flush_context, instances):
    for obj in list(session.new):
        if isinstance(obj, Submission) and not obj.draft:
            handler = HANDLERS.get(obj.form)
            if handler is not None:
                handler(session, obj)


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
    department = session.get(Department, row.department_code)
    department.sanction = code
    department.sanction_note = (
        f"督查 #{row.id}（{row.project.name if row.project else row.project_id}）整改不合格，"
        + ("暂缓下一年度项目申报" if code == "suspend" else f"压缩项目支出预算：每个项目申报概算不超过 {data.get('budget_cap_wan')} 万元")
        + f"；审核意见：{row.decision_opinion}")


def _declaration(session, submission):
    from ..core.models import Department, Project

    project = session.get(Project, submission.project_id) if submission.project_id else None
    if project is None:
        return
    department = session.get(Department, project.department_code)
    if department is None or not department.sanction:
        return
    if department.sanction == "suspend":
        raise Invalid("本部门督查整改未通过，市数管局已暂缓本部门下一年度项目申报",
                      fields={"department_sanction": "本部门督查整改未通过，市数管局已暂缓本部门下一年度项目申报"})
    if department.sanction == "budget_cut":
        from .services.inspections import sanction_variables

        with session.no_autoflush:
            cap = sanction_variables(department).get("department_budget_cap_wan", 0)
        budget = (submission.data or {}).get("budget_wan")
        if isinstance(budget, (int, float)) and budget > cap:
            message = f"本部门督查整改未通过，项目支出预算规模已压缩：申报概算不得超过 {cap:g} 万元"
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
