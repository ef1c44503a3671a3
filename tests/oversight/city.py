"""A small city of projects walked through the real model (bpmn/, forms/) with the clock moved.

Each project is a Project row of the web app plus its lifecycle instance, driven through
tests/scenarios/driver.py's walks (the same consistent form data the scenario tests use).
"""
from datetime import datetime

import time_machine

from engine import runtime
from engine.clock import BEIJING
from engine.db import db
from scenarios import driver
from webapp.accounts.models import User
from webapp.core.models import Department, Project

DEPARTMENTS = {"gaj": "六安市公安局", "jyj": "六安市教育局", "wsj": "六安市卫健委"}


def seed_departments_and_users():
    with runtime.unit_of_work():
        for code, name in DEPARTMENTS.items():
            db.session.add(Department(code=code, name=name))
        db.session.flush()
        users = {}
        for username, groups, dept in [("sgj", ["sgj"], None), ("szf", ["szf"], None), ("admin", ["admin"], None),
                                       ("fgw", ["fgw"], None), ("dept_gaj", ["dept:gaj"], "gaj"),
                                       ("dept_jyj", ["dept:jyj"], "jyj"), ("dept_wsj", ["dept:wsj"], "wsj")]:
            user = User(username=username, display_name=username, password_hash="pbkdf2:sha256:1$x$y",
                        department_code=dept)
            db.session.add(user)
            db.session.flush()
            user.set_groups(groups)
            users[username] = user
    for code in DEPARTMENTS:
        driver.ACTORS.setdefault(f"dept_{code}", (f"dept_{code}", f"dept:{code}"))
    return users


class CityProject(driver.Project):
    """driver.Project for any department, with the web app's Project row (reports join on it)."""

    def __init__(self, project_id, *, department, name, build_year, at):
        self.id = project_id
        self.name = name
        self.department = department
        self.owner = f"dept:{department}"
        self.now = driver.instant(at)
        self.trail = []
        data = {"project_id": project_id, "project_name": name, "build_year": build_year,
                "department_code": department, "department_name": DEPARTMENTS[department]}
        with self._travel(), runtime.unit_of_work():
            project = Project(id=project_id, name=name, department_code=department, build_year=build_year,
                              created_by=f"dept_{department}", created_at=datetime.now())
            db.session.add(project)
            db.session.flush()
            row = runtime.start_instance("lifecycle", project_id=project_id, owner_group=self.owner, data=data)
            project.instance_id = row.id
        self.instance_id = row.id

    def complete(self, bpmn_id, who, at=None, **overrides):
        return super().complete(bpmn_id, f"dept_{self.department}" if who == "dept" else who, at=at, **overrides)

    def submit_invalid(self, bpmn_id, who, **overrides):
        return super().submit_invalid(bpmn_id, f"dept_{self.department}" if who == "dept" else who, **overrides)

    def send(self, name, payload, who="dept"):
        return super().send(name, payload, who=f"dept_{self.department}" if who == "dept" else who)

    def travel(self):
        return self._travel()


def to_contract(p, year, *, approved, amount, signed, plan_start, plan_end, quarters, principle, route="unified",
                budget=None, category="设备购买类"):
    """谋划 → 申报 → 立项 → 年度计划 → 实施 up to the signed contract, with this project's figures."""
    budget = budget or approved + 20
    driver.plan(p, year)
    driver.declare(p, year, category=category, budget=budget)
    driver.precheck(p, year)
    driver.review(p, year, budget=budget, approved=approved)
    p.complete("task_government_report", "szf", at=f"{year - 1}-09-01")
    p.complete("task_finalization", "dept", at=f"{year - 1}-09-10", budget_wan=approved, approved_budget_wan=approved)
    driver.confirm_route(p, year, route)
    if route == "unified":
        p.complete("task_unified_application", "sgj", at=f"{year - 1}-09-20")
    else:
        p.complete("task_separate_application", "dept", at=f"{year - 1}-09-20")
    p.complete("task_fgw_confirmation", "fgw", at=f"{year - 1}-10-10")
    p.complete("task_establishment_approval", "fgw", at=f"{year - 1}-10-15", budget_wan=approved,
               approved_amount_wan=approved, investment_plan_year=year, approval_no=f"六发改审批〔{year - 1}〕{p.id}号")
    p.complete("task_annual_plan", "sgj", at=f"{year - 1}-11-01", plan_year=year, approved_amount_wan=approved,
               plan_amount_wan=approved, priority_principle=principle)
    p.publish_plan(year, at=f"{year - 1}-12-15")  # 市数管局 publishes the year's plan (city-level process)
    driver.open_year(p, year)
    p.complete("task_kickoff", "dept", at=f"{year}-01-05", approved_amount_wan=approved, planned_start=plan_start,
               planned_end=plan_end,
               milestones=[{"name": "上线试运行", "planned_date": plan_end, "deliverable": "试运行报告"}],
               quarterly_funding=[{"quarter": q, "amount_wan": a} for q, a in quarters])
    driver.procure(p, approved=approved, budget=amount + 10, at=f"{year}-01-20")
    p.complete("task_tender", "ggj", at=f"{year}-02-28", procurement_budget_wan=amount + 10, bid_amount_wan=amount)
    driver.sign(p, signed, amount)


def report(p, month, *, at, percent, last, contract_amount, problems="无"):
    p.complete("task_progress_report", "dept", at=at, report_month=month, progress_percent=percent,
               last_progress_percent=last, paid_this_month_wan=0, cumulative_paid_wan=0, last_cumulative_paid_wan=0,
               contract_amount_wan=contract_amount, meeting_count=1, meeting_dates=[f"{month}-05"],
               construction_complete=False, problems=problems)


def fund(p, *, contract_amount, paid_total, amount, requested, decided, approved=True):
    p.at(requested)
    with p.travel():
        from webapp.oversight.services import actions

        user = db.session.execute(db.select(User).filter_by(username=f"dept_{p.department}")).scalar()
        actions.request_funds(user, p.id)
    db.session.expire_all()
    p.complete("task_fund_request", "dept", at=requested, request_date=requested, request_amount_wan=amount,
               contract_amount_wan=contract_amount, paid_total_wan=paid_total)
    p.complete("task_fund_approval", "sgj", at=decided, approval_date=decided, request_amount_wan=amount,
               approved_amount_wan=amount if approved else 0, contract_amount_wan=contract_amount,
               paid_total_wan=paid_total, fund_approved=approved, approval_opinion="同意" if approved else "依据不足")


def at(when):
    return time_machine.travel(driver.instant(when), tick=False)


def beijing(when):
    return driver.instant(when).astimezone(BEIJING)
