"""建设完成 reported while the month turns: the project goes to 验收 once and the months go on, one each.

A late 进度表 of January reports 建设完成 at 10:00 on 1 March, the very moment the scheduler opens
March from February's instance. One side is held inside its step so the other runs meanwhile: the
scheduler (February opening March) first, then the report; and the report first, then the scheduler.
建设完成 no longer stops the 进度表 (they go on until 竣工验收 passes: test_stop_at_final_acceptance.py races
that stop against the month turning), so here March opens exactly once and the lifecycle hears 建设完成.
"""
import pytest

from engine import runtime
from engine.models import TaskIndex
from tests.scenarios.driver import Project, actor, example
from tests.races.month_race import race
from tests.scenarios.test_monthly_reports import by_month, under_construction


def _report_data(task, month):
    return {**example(task.form), "report_month": month, "progress_percent": 100, "last_progress_percent": 0,
            "paid_this_month_wan": 0, "cumulative_paid_wan": 0, "last_cumulative_paid_wan": 0,
            "contract_amount_wan": 460, "meeting_count": 1, "meeting_dates": [f"{month}-05"],
            "construction_complete": True}


@pytest.mark.parametrize("first", ["scheduler", "report"])
def test_construction_complete_while_the_month_turns(app, real_model, monkeypatch, first):
    from engine.db import db

    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)  # reports start with 2024-01
    p.fire("2024-02-01")  # February opens; January stays unreported
    months = by_month(p)
    assert sorted(months) == ["2024-01", "2024-02"]
    january = p.task("task_progress_report", instance_id=months["2024-01"].id)
    february_id = months["2024-02"].id
    data = _report_data(january, "2024-01")

    errors = race(app, monkeypatch, first, {"scheduler": february_id, "report": january.instance_id},
                  lambda: runtime.complete_task(january.id, data, actor("dept")))

    assert not errors, errors
    db.session.expire_all()
    row = p.instance
    assert row.stage == "验收" and "construction_complete" not in (row.waiting_messages or [])
    assert p.open().count("task_initial_acceptance") == 1
    instances = p.instances("progress_report")
    assert sorted(by_month_name(p, r) for r in instances) == ["2024-01", "2024-02", "2024-03"]  # March once
    running = sorted(by_month_name(p, r) for r in instances if r.status == "running")
    assert running == ["2024-02", "2024-03"]  # February unreported, March just opened: both until 竣工验收
    assert db.session.query(TaskIndex).filter_by(project_id=p.id, bpmn_id="task_progress_report",
                                                 state="ready").count() == 2


def by_month_name(p, row):
    return p.variables(row.id)["cycle"]["report_month"]
