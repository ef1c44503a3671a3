"""A project the department creates through the web app's service (Project row, lifecycle instance on the
latest version), walked with tests/scenarios/driver.py's steps and consistent form data."""
from tests.scenarios import driver


class WebProject(driver.Project):
    def __init__(self, name, *, at="2025-03-02", build_year=2026, budget=500, owner="dept_gaj"):
        from engine.db import db
        from webapp.accounts.models import User
        from webapp.projects.services import create_project

        self.name, self.now, self.trail = name, driver.instant(at), []
        user = db.session.execute(db.select(User).filter_by(username=owner)).scalar()
        with self._travel():
            project = create_project(user, name, build_year, budget)
        self.id, self.instance_id = project.id, project.instance_id


def to_finalization(p, budget, year=2026):
    """谋划, 申报, 预审, 专家论证 (the experts do not ask for 单独立项) and the report to 市政府: 定稿 is next."""
    driver.plan(p, year)
    driver.declare(p, year, category="设备购买类", budget=budget)
    driver.precheck(p, year)
    driver.review(p, year, budget=budget, approved=budget)
    p.complete("task_government_report", "szf", at=f"{year - 1}-09-01")


def finalize_and_confirm(p, budget, year=2026):
    """定稿 runs the decision table; 市数管局 confirms the route the rule gave. Returns that route."""
    p.complete("task_finalization", "dept", at=f"{year - 1}-09-10", budget_wan=budget, approved_budget_wan=budget)
    route = p.variables()["establishment_route"]
    driver.confirm_route(p, year, route)
    return route
