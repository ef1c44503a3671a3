"""The 驾驶舱 reads its budget figures without each project's history (services.funds.budget_execution): on
projects of several build years, with repeated approvals, drafts, refused and string amounts, it gives what
the full funds report gives."""
from datetime import datetime

from engine import runtime
from engine.db import db as database
from engine.models import Submission
from webapp.core.models import Department, Project
from webapp.oversight.services import reports
from webapp.oversight.services.common import FORM_APPROVAL, FORM_CONTRACT, FORM_FUND_APPROVAL
from webapp.oversight.services.funds import budget_execution


def _submit(instance_id, pid, form, data, day, draft=False):
    database.session.add(Submission(instance_id=instance_id, project_id=pid, form=form, draft=draft, data=data,
                                    submitted_at=datetime(2020, 1, 1 + day % 28)))


def _city():
    database.session.merge(Department(code="gaj", name="市公安局"))
    database.session.merge(Department(code="jyj", name="市教育局"))
    for pid in range(1, 13):
        with runtime.unit_of_work():
            instance = runtime.start_instance("simple", project_id=pid, owner_group="dept:gaj",
                                              data={"build_year": 2016 + pid % 4})
        database.session.add(Project(id=pid, name=f"项目{pid}", department_code=("gaj", "jyj")[pid % 2],
                                     build_year=2016 + pid % 4, budget_wan=100, created_at=datetime(2020, 1, 1),
                                     instance_id=instance.id))
        iid = instance.id
        if pid % 5:  # an approval, then a later one changing the amount; a draft after it does not count
            _submit(iid, pid, FORM_APPROVAL, {"approved_amount_wan": 100 + pid}, pid)
            _submit(iid, pid, FORM_APPROVAL, {"approved_amount_wan": str(200 + pid) if pid % 3 else 200.5 + pid}, pid + 1)
            _submit(iid, pid, FORM_APPROVAL, {"approved_amount_wan": 9999}, pid + 2, draft=True)
        if pid % 4:
            _submit(iid, pid, FORM_CONTRACT, {"contract_amount_wan": 150 + pid}, pid)
        if pid % 3 == 0:
            _submit(iid, pid, FORM_CONTRACT, {"contract_amount_wan": "无"}, pid + 3)  # unreadable: counts as none
        for k in range(pid % 3):  # payments, one refused
            _submit(iid, pid, FORM_FUND_APPROVAL, {"fund_approved": k != 1, "approved_amount_wan": 10.25 * (k + 1)}, pid + k)
    database.session.add(Project(id=99, name="未启动", department_code="gaj", build_year=2019, budget_wan=1,
                                 created_at=datetime(2020, 1, 1)))  # no lifecycle: in neither report
    database.session.commit()


def test_dashboard_budget_is_the_funds_report(db, deployed):
    _city()
    full = reports.funds()
    assert {(e["department"], e["build_year"]) for e in full["execution"]} >= {("gaj", 2016), ("jyj", 2017)}
    assert full["totals"]["approved_amount_wan"] > 0 and full["totals"]["paid_wan"] > 0
    assert budget_execution() == {"execution": full["execution"], "totals": full["totals"]}
    budget = reports.dashboard()["budget"]
    assert budget["by_department"] == full["execution"]
    assert {k: budget[k] for k in full["totals"]} == full["totals"]


def _budget_rows():
    from webapp.oversight.models import ProjectBudget

    database.session.expire_all()
    return {r.project_id: (r.approval_id, r.approved_amount_wan, r.contract_id, r.contract_amount_wan, round(r.paid_wan, 4))
            for r in database.session.execute(database.select(ProjectBudget)).scalars()}


def _computed():
    from webapp.oversight.services.budgets import computed

    with database.engine.connect() as connection:
        rows = computed(connection)
    return {pid: (r["approval_id"], r["approved_amount_wan"], r["contract_id"], r["contract_amount_wan"],
                  round(r["paid_wan"], 4)) for pid, r in rows.items()}


def test_budget_rows_kept_as_forms_are_submitted_are_the_full_computation(db, deployed):
    _city()
    kept = _budget_rows()
    assert kept == _computed()
    # the later approval's amount as a string; an unreadable later contract; a refused payment adds nothing
    assert kept[1][1] == 201.0 and kept[3][3] is None and (kept[5][0], kept[5][1], kept[5][3:]) == (None, None, (155.0, 10.25))
    assert sum(r[4] for r in kept.values()) == reports.funds()["totals"]["paid_wan"] > 0


def test_the_migration_fills_the_rows_from_the_submissions_already_there(app, db, deployed):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import ROOT

    _city()
    kept = _budget_rows()
    database.session.remove()
    downgrade(directory=str(ROOT / "migrations"), revision="0017")
    upgrade(directory=str(ROOT / "migrations"))
    assert _budget_rows() == kept and len(kept) >= 10
