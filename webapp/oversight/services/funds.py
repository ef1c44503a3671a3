"""资金: approved budgets, contracts, payments and budget execution; a 资金拨付 request of a project."""
from collections import defaultdict

from sqlalchemy import func, select

from engine import runtime
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import Instance, Submission

from ...core.identity import actor_of
from ...core.models import Department, Project
from ...core.timefmt import iso
from ..models import ProjectBudget
from .common import (
    FORM_APPROVAL, FORM_CONTRACT, FORM_FUND_APPROVAL, FORM_FUND_REQUEST, _chunks, _in, _num, _projects,
    latest_submissions, lifecycle_rows, paid_by_project, scope,
)


FUND_PROCESS = "fund_request"


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
        # a request just started has no submission yet: it shows as 待填写 from its running instance
        started = db.session.execute(select(Instance.id, Instance.project_id, Instance.created_at).where(
            Instance.process_id == FUND_PROCESS, Instance.status.in_(("running", "suspended", "incident")),
            _in(Instance.project_id, chunk)).order_by(Instance.id))
        for instance_id, pid, at in started:
            by_instance.setdefault(instance_id, {"instance_id": instance_id, "project_id": pid, "draft": True,
                                                 "requested_at": iso(at)})
        for entry in sorted(by_instance.values(), key=lambda e: e["instance_id"]):
            entry.setdefault("approved", None)
            entry.setdefault("draft", False)
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
    return {"projects": items, **_execution(items)}


FIGURES = ("approved_amount_wan", "contract_amount_wan", "paid_wan")


def _execution(items):
    """{"execution": by department and build year, "totals": city-wide} of per-project figures in project order."""
    groups = defaultdict(lambda: {"projects": 0, **{k: 0.0 for k in FIGURES}})
    for item in items:
        g = groups[(item["department"], item["department_name"], item["build_year"])]
        g["projects"] += 1
        for k in FIGURES:
            g[k] += item[k] or 0
    return _report(groups)


def _report(groups):
    """_execution's answer from {(department, department name, build year): {"projects", *FIGURES}}."""
    execution = []
    for (code, name, build_year), g in sorted(groups.items()):
        execution.append({"department": code, "department_name": name, "build_year": build_year,
                          **{k: round(v, 4) for k, v in g.items()},
                          "execution_ratio": round(g["paid_wan"] / g["approved_amount_wan"], 4) if g["approved_amount_wan"] else None})
    return {"execution": execution, "totals": {k: round(sum(g[k] for g in groups.values()), 4) for k in FIGURES}}


def budget_execution():
    """What funds() gives as "execution" and "totals", for the 驾驶舱: summed by the database per department and
    build year from one row per project (models.ProjectBudget, kept as the forms are submitted), without the
    requests, the per-project list and the submissions every project's history would cost."""
    rows = db.session.execute(
        select(Project.department_code, Department.name, Project.build_year, func.count(),
               *[func.sum(getattr(ProjectBudget, k)) for k in FIGURES])
        .join(Department, Department.code == Project.department_code)
        .outerjoin(ProjectBudget, ProjectBudget.project_id == Project.id)
        .where(Project.instance_id.is_not(None))
        .group_by(Project.department_code, Department.name, Project.build_year))
    return _report({(code, name, year): {"projects": n, **{k: float(v or 0) for k, v in zip(FIGURES, sums)}}
                    for code, name, year, n, *sums in rows})


def may_receive_funds(project_id):
    """三(四): no 资金拨付 for a project that was not reviewed (论证通过) and approved (立项批复)."""
    variables = lifecycle_rows([project_id]).get(project_id, (None, None, {}))[2]
    approved = latest_submissions(FORM_APPROVAL, [project_id]).get(project_id)
    return bool(variables.get("review_passed") is True and approved)


def request_funds(user, project_id):
    """Start a 资金拨付 process for the project (its department only), after the 三(四) check."""
    project = db.session.get(Project, int(project_id))
    depts = scope(user) if not set(user.groups) & {"sgj", "admin", "szf"} else None
    if project is None or (depts is not None and project.department_code not in depts):
        raise NotFound("项目不存在或无权查看")
    if depts is None and "admin" not in user.groups:
        raise Forbidden("资金拨付由项目建设主管部门申请")
    if not may_receive_funds(project.id):
        raise Conflict("未经审核论证和立项批复的项目不得拨付建设资金（三（四））")
    contract = latest_submissions(FORM_CONTRACT, [project.id]).get(project.id)
    if not contract:
        raise Conflict("项目尚未签订合同，不能申请资金拨付")
    paid = paid_by_project(project_ids=[project.id]).get(project.id, 0.0)
    payload = {"project_name": project.name, "contract_amount_wan": contract.get("contract_amount_wan", 0),
               "paid_total_wan": paid, "contract_date": contract.get("contract_date", "")}  # a request may not precede it
    return runtime.send_message(project.id, "fund_request", payload, actor=actor_of(user),
                                owner_group=project.department.group)
