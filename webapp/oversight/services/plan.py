"""年度建设计划: the year's plan from the 申报 and approvals, 市数管局's edits of its lines, publishing it."""
from decimal import Decimal

from sqlalchemy import select, text

from engine import runtime
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, Invalid, NotFound
from engine.models import Submission

from ...core.models import Department, Project
from ..models import AnnualPlan, AnnualPlanEntry
from .common import (
    FORM_ANNUAL, FORM_APPROVAL, FORM_DECLARATION, FORM_FINALIZATION, PRINCIPLES, _num, _projects,
    latest_submissions, lifecycle_rows, now_naive, project_stage, require_sgj,
)


def plan(year, departments=None):
    """The build year's approved projects, grouped by 共享优先、保障民生、协调发展 and ordered.

    `departments` (a set of codes, from plan_scope) keeps only their entries: a department sees its own.
    """
    year = int(year)
    # Only the projects of this year or with an approval naming it are read (an index each), not all history.
    built = set(db.session.execute(select(Project.id).where(Project.build_year == year)).scalars())
    named = set(db.session.execute(select(Submission.project_id).where(
        Submission.form == FORM_APPROVAL, Submission.draft.is_(False), _plan_year_is(year))).scalars())
    approvals_all = latest_submissions(FORM_APPROVAL, sorted(built | named)) if built | named else {}
    candidate = built | {pid for pid in named if approvals_all.get(pid, {}).get("investment_plan_year") == year}
    candidate &= set(approvals_all)
    if departments is not None:
        candidate &= set(db.session.execute(select(Project.id).where(
            Project.id.in_(candidate), Project.department_code.in_(departments))).scalars()) if candidate else set()
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


def _plan_year_is(year):
    """The approval names `year` as its 投资计划年度: the same expression as the partial index of migration 0013."""
    form = f"submission.form = '{FORM_APPROVAL}'"  # written out, so SQLite sees the partial index applies
    if db.engine.dialect.name == "postgresql":
        return text(f"{form} AND (submission.data ->> 'investment_plan_year') = :plan_year").bindparams(
            plan_year=str(year))
    return text(f"{form} AND json_extract(submission.data, '$.investment_plan_year') = :plan_year").bindparams(
        plan_year=year)


def _plan_header(year):
    header = db.session.get(AnnualPlan, year)
    if header is None:
        header = AnnualPlan(year=year, status="draft")
        db.session.add(header)
    return header


def edit_plan_entry(user, year, project_id, values):
    require_sgj(user)
    year, project_id = int(year), int(project_id)
    fields = {}
    principle = values.get("principle")
    if principle not in (None, "") and principle not in PRINCIPLES:
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
    current = {i["project_id"]: i for i in plan(year)["items"]}
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
        entry.updated_by, entry.updated_at = user.username, now_naive()
        record("plan_edit", user.username, project_id=project_id, payload={"year": year, **{
            k: str(v) for k, v in values.items()}})
    return entry


def publish_plan(user, year, title=None):
    require_sgj(user)
    year = int(year)
    with runtime.unit_of_work():
        header = _plan_header(year)
        if header.status == "published":
            raise Conflict("年度建设计划已发布")
        header.status, header.published_at, header.published_by = "published", now_naive(), user.username
        if title:
            header.title = str(title)[:200]
        record("plan_publish", user.username, payload={"year": year})
    return header


CITY_PLAN = "city_annual_plan"
FORM_PUBLISH = "plan-publish.schema.json"


def plan_process(year):
    """The build year's city-level 年度建设计划 instance as 市数管局 follows it: its state, its open step (a link
    to the task), its publications, and the approved projects still left out (waiting for `plan_published`)."""
    from engine.models import Instance, Submission, TaskIndex

    rows = db.session.execute(select(Instance).where(Instance.process_id == CITY_PLAN, Instance.project_id.is_(None))
                              .order_by(Instance.id.desc())).scalars().all()
    row = next((r for r in rows if (r.variables or {}).get("build_year") == year), None)
    waiting = db.session.execute(
        select(Project.id, Project.name, Department.name, Instance.waiting_messages)
        .join(Instance, Instance.id == Project.instance_id).join(Department, Department.code == Project.department_code)
        .where(Project.build_year == year, Instance.status == "running").order_by(Project.id)).all()
    left_out = [{"project_id": pid, "project_name": name, "department_name": dept}
                for pid, name, dept, messages in waiting if "plan_published" in (messages or [])]
    if row is None:
        return {"instance_id": None, "status": None, "tasks": [], "publications": [], "left_out": left_out}
    tasks = db.session.execute(select(TaskIndex).where(TaskIndex.instance_id == row.id, TaskIndex.state == "ready")
                               .order_by(TaskIndex.created_at)).scalars().all()
    published = db.session.execute(select(Submission).where(Submission.instance_id == row.id,
                                                            Submission.form == FORM_PUBLISH,
                                                            Submission.draft.is_(False))
                                   .order_by(Submission.id)).scalars().all()
    return {"instance_id": row.id, "status": row.status,
            "tasks": [{"id": t.id, "name": t.name, "due_at": t.due_at} for t in tasks],
            "publications": [{"plan_number": (s.data or {}).get("plan_number", ""),
                              "excluded_projects": (s.data or {}).get("excluded_projects", ""),
                              "submitted_at": s.submitted_at} for s in published],
            "left_out": left_out}
