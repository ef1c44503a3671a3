"""建设完成 reported while the month turns: the project goes to 验收 once and the months go on, one each.

A late 进度表 of January reports 建设完成 at 10:00 on 1 March, the very moment the scheduler opens
March from February's instance. One side is held inside its step so the other runs meanwhile: the
scheduler (February opening March) first, then the report; and the report first, then the scheduler.
建设完成 no longer stops the 进度表 (they go on until 竣工验收 passes: test_stop_at_final_acceptance.py races
that stop against the month turning), so here March opens exactly once and the lifecycle hears 建设完成.
"""
import threading
import time

import pytest
import time_machine

from engine import runtime, timers
from engine.models import TaskIndex
from tests.scenarios.driver import Project, actor, example, instant
from tests.scenarios.test_monthly_reports import by_month, under_construction

HOLD = 1.5  # seconds the first side stays inside its step, holding what it locked


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

    real_workflow = runtime.state._workflow
    holding = threading.Event()

    def held(row):  # the first side, once it has its instance, waits there while the other side starts
        wf = real_workflow(row)
        side = threading.current_thread().name
        if side == first and not holding.is_set() and (
                (side == "scheduler" and row.id == february_id) or (side == "report" and row.id == january.instance_id)):
            holding.set()
            time.sleep(HOLD)
        return wf

    for module in (runtime.messages, runtime.tasks):  # timers step through messages, reports through tasks
        monkeypatch.setattr(module, "_workflow", held)
    errors = {}

    def scheduler():
        with app.app_context():
            try:
                timers.run_due(instant("2024-03-01T10:00"))
            except Exception as exc:  # noqa: BLE001
                errors["scheduler"] = exc

    def report():
        with app.app_context():
            try:
                runtime.complete_task(january.id, data, actor("dept"))
            except Exception as exc:  # noqa: BLE001
                errors["report"] = exc

    with time_machine.travel(instant("2024-03-01T10:00"), tick=False):
        sides = {"scheduler": threading.Thread(target=scheduler, name="scheduler"),
                 "report": threading.Thread(target=report, name="report")}
        sides[first].start()
        assert holding.wait(30)
        sides["report" if first == "scheduler" else "scheduler"].start()
        for t in sides.values():
            t.join(60)
        monkeypatch.undo()
        with app.app_context():
            timers.run_due(instant("2024-03-01T10:00"))  # whatever the scheduler skipped, a later sweep fires

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
    return p.variables(row.id).get("report_month")
