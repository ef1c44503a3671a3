"""竣工验收 passes while the month turns: the 进度表 stop (thrown when 竣工验收 passes) reaches every month.

The project said 建设完成 in January; its 进度表 go on every month until 竣工验收 passes. 市数管局 records the
passing 竣工验收 at 10:00 on 1 March, the moment the scheduler opens March from February's instance. One
side is held inside its step while the other starts: the scheduler first, then the acceptance; and the
acceptance first (February's turn is then ten hours overdue when it hears the stop), then the scheduler;
with February's 进度表 still open, and with it already reported (February then waits only for its turn or
the stop). Either way no month stays open and none opens later.
"""
import pytest

from engine import runtime
from engine.models import Instance, TaskIndex
from tests.scenarios.driver import Project, actor, example, joint_acceptance, report
from tests.races.month_race import race
from tests.scenarios.test_monthly_reports import by_month, under_construction


def _until_final_acceptance(p, february_reported):
    """建设完成 in the January 进度表; February opens (and is reported, or not); 初验, application and the
    panel in February."""
    report(p, "2024-01", at="2024-01-19", percent=100, last_percent=0, complete=True)
    assert p.instance.stage == "验收"
    p.fire("2024-02-01")
    assert sorted(by_month(p)) == ["2024-01", "2024-02"]
    if february_reported:  # then February waits only for its turn (03-01) or the stop
        report(p, "2024-02", at="2024-02-03", percent=100, last_percent=100, instance_id=by_month(p)["2024-02"].id)
    p.complete("task_initial_acceptance", "dept", at="2024-02-05", initial_acceptance_date="2024-02-05")
    p.complete("task_final_application", "dept", at="2024-02-08", application_date="2024-02-08",
               initial_acceptance_date="2024-02-05")
    joint_acceptance(p, "2024-02-20")
    return p.task("task_final_acceptance")


@pytest.mark.parametrize("february_reported", [False, True], ids=["february-open", "february-reported"])
@pytest.mark.parametrize("first", ["scheduler", "acceptance"])
def test_no_month_stays_open_after_final_acceptance(app, real_model, monkeypatch, first, february_reported):
    from engine.db import db

    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)
    final = _until_final_acceptance(p, february_reported)
    february_id = by_month(p)["2024-02"].id
    data = {**example(final.form), "final_acceptance_date": "2024-03-01", "final_acceptance_passed": True}

    errors = race(app, monkeypatch, first, {"scheduler": february_id, "acceptance": p.instance_id},
                  lambda: runtime.complete_task(final.id, data, actor("sgj")), later=("2024-04-02T10:00",))

    assert not errors, errors
    db.session.expire_all()
    assert p.open() and set(p.open()) <= {"task_settlement", "task_audit"}  # 经费结算 with the audit alongside
    running = db.session.query(Instance).filter_by(project_id=p.id, process_id="progress_report",
                                                   status="running").all()
    assert running == [], [p.variables(r.id)["cycle"]["report_month"] for r in running]
    assert db.session.query(TaskIndex).filter_by(project_id=p.id, bpmn_id="task_progress_report",
                                                 state="ready").count() == 0
    assert sorted(by_month(p)) in (["2024-01", "2024-02"], ["2024-01", "2024-02", "2024-03"])
