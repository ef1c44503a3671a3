"""The annual plan takes the projects of its build year and those whose latest 立项批复 names it as 投资计划年度."""
from datetime import datetime

from engine import runtime
from engine.db import db as database
from engine.models import Submission
from webapp.core.models import Department, Project
from webapp.oversight.services import reports
from webapp.oversight.services.common import FORM_APPROVAL


def _project(pid, build_year, *plan_years):
    with runtime.unit_of_work():
        instance = runtime.start_instance("simple", project_id=pid, owner_group="dept:gaj", data={"build_year": build_year})
    database.session.add(Project(id=pid, name=f"计划项目{pid}", department_code="gaj", build_year=build_year,
                                 budget_wan=100, created_at=datetime(2025, 1, 1), instance_id=instance.id))
    for n, year in enumerate(plan_years):  # in order: the last is the latest approval
        database.session.add(Submission(instance_id=instance.id, project_id=pid, form=FORM_APPROVAL, draft=False,
                                        data={"approved_amount_wan": 90 + n, "investment_plan_year": year},
                                        submitted_at=datetime(2025, 6, 1 + n)))
    database.session.commit()


def test_plan_year_from_build_year_or_the_latest_approval(db, deployed):
    database.session.merge(Department(code="gaj", name="市公安局"))
    _project(401, 2026, 2026)        # built and planned in 2026
    _project(402, 2025, 2026)        # built 2025, approval puts it in the 2026 investment plan
    _project(403, 2025, 2026, 2027)  # an older approval named 2026, the latest names 2027
    _project(404, 2026)              # no approval: never in a plan
    ids = lambda year: sorted(i["project_id"] for i in reports.plan(year)["items"])  # noqa: E731
    assert ids(2026) == [401, 402]
    assert ids(2027) == [403]
    assert ids(2025) == [402, 403]
