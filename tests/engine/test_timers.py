"""Timers: computed deadlines, reminders, firing once after downtime, schedulers racing, the clock."""
import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine

from engine import clock, runtime, timers
from engine.db import db as database
from engine.models import AuditEvent, Instance, Notification, TaskIndex

from conftest import ROOT


def start_timed(n=1, wake_on="2027-03-01", project_base=100):
    with runtime.unit_of_work():
        return [runtime.start_instance("timed", project_id=project_base + i, owner_group="dept:gaj",
                                       data={"wake_on": wake_on}) for i in range(n)]


def report_tasks(instance_id):
    return database.session.query(TaskIndex).filter_by(instance_id=instance_id, bpmn_id="report").all()


def test_next_timer_is_stored_beside_the_state(deployed):
    [row] = start_timed()
    assert row.next_timer_at.isoformat() == "2027-02-28T16:00:00"  # 2027-03-01 00:00 Beijing


def test_nothing_fires_early(deployed):
    [row] = start_timed()
    assert timers.run_due(datetime.fromisoformat("2027-02-28T23:59:00+08:00")) == 0
    assert report_tasks(row.id) == []


def test_timer_missed_during_downtime_fires_exactly_once(deployed):
    [row] = start_timed()
    with time_machine.travel(datetime.fromisoformat("2027-03-09T10:00:00+08:00"), tick=False):
        assert timers.run_due() == 1  # a week late: fires once on the first sweep
        assert timers.run_due() == 0
    [task] = report_tasks(row.id)
    # due 2027-03-20 is a Saturday: moved to Monday 03-22, 24:00 Beijing
    assert task.due_at.isoformat() == "2027-03-22T16:00:00"
    assert database.session.query(AuditEvent).filter_by(instance_id=row.id, kind="timer").count() == 1


def test_reminder_boundary_timer_notifies_owner_once(deployed):
    [row] = start_timed()
    timers.run_due(datetime.fromisoformat("2027-03-01T00:00:00+08:00"))
    # one working day before 03-22 is Friday 03-19
    assert timers.run_due(datetime.fromisoformat("2027-03-18T23:00:00+08:00")) == 0
    assert timers.run_due(datetime.fromisoformat("2027-03-19T00:00:01+08:00")) == 1
    assert timers.run_due(datetime.fromisoformat("2027-03-19T09:00:00+08:00")) == 0
    [note] = database.session.query(Notification).all()
    assert (note.group_code, note.kind, note.task_bpmn_id) == ("dept:gaj", "reminder", "send_reminder")
    assert report_tasks(row.id)[0].state == "ready"  # a reminder does not interrupt the task


def test_run_due_cli_with_at(app, deployed):
    [row] = start_timed()
    database.session.commit()
    result = app.test_cli_runner().invoke(args=["timers", "run-due", "--at", "2027-03-01T08:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    database.session.expire_all()
    assert len(report_tasks(row.id)) == 1


def test_suspended_instance_waits_until_resumed(deployed, actor):
    [row] = start_timed()
    admin = actor("admin", "admin")
    runtime.suspend(row.id, admin, "核查材料")
    assert timers.run_due(datetime.fromisoformat("2027-03-02T00:00:00+08:00")) == 0
    runtime.resume(row.id, admin)
    assert timers.run_due(datetime.fromisoformat("2027-03-02T00:00:00+08:00")) == 1


def test_clock_offset_moves_every_reader(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["clock", "set", "2030-01-02T03:04:05+08:00"]).exit_code == 0
    try:
        assert abs((clock.now() - datetime.fromisoformat("2030-01-02T03:04:05+08:00")).total_seconds()) < 60
    finally:
        assert runner.invoke(args=["clock", "reset"]).exit_code == 0
    assert clock.now().year < 2030


# Each racer imports the app first, then waits for the start signal, so both sweeps begin together
# (a racer that started late would find nothing left and the test would prove nothing).
RACER = r"""
import os, sys, time
import webapp
from flask.cli import main
go, ready = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
sys.argv = ["flask", "--app", "webapp", "timers", "run-due", "--at", "2027-03-02T00:00:00+08:00"]
main()
"""


def _race(n, tmp_path):
    """Two `timers run-due` processes over the same n due instances, started together; returns their outputs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    # Output goes to files, not pipes: a racer blocked on a full pipe that nobody reads yet would hold its
    # locks and stall the other racer.
    outs = [(tmp_path / f"out{i}", tmp_path / f"err{i}") for i in range(2)]
    procs = []
    for r, (out, err) in zip(ready, outs):
        with open(out, "w") as stdout, open(err, "w") as stderr:
            procs.append(subprocess.Popen([sys.executable, "-c", RACER, str(go), str(r)], cwd=ROOT, env=env,
                                          stdout=stdout, stderr=stderr, text=True))
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    for p in procs:
        p.wait(timeout=600)
    return [(out.read_text(), err.read_text()) for out, err in outs]


def _fired_counts(outputs):
    """How many instances each racer says it fired (the CLI's one line); a racer that said nothing fails."""
    counts = []
    for out, err in outputs:
        assert "Traceback" not in err, err
        [count] = re.findall(r"已触发 (\d+) 个流程实例", out) or [None]
        assert count is not None, (out, err)
        counts.append(int(count))
    return counts


@pytest.mark.parametrize("n", [1000])
def test_two_schedulers_race_without_double_fire(app, deployed, n, tmp_path):
    if database.engine.dialect.name != "postgresql":
        n = 200  # SQLite serializes writers: the same guarantee, checked on fewer rows
    rows = start_timed(n)
    database.session.commit()
    counts = _fired_counts(_race(n, tmp_path))
    database.session.expire_all()
    assert sum(counts) == n
    assert min(counts) > 0, counts  # both processes really fired: they raced for the same rows
    fired = dict(database.session.query(AuditEvent.instance_id, database.func.count()).filter_by(kind="timer")
                 .group_by(AuditEvent.instance_id).all())
    assert len(fired) == n and set(fired.values()) == {1}
    per_instance = dict(database.session.query(TaskIndex.instance_id, database.func.count())
                        .filter_by(bpmn_id="report").group_by(TaskIndex.instance_id).all())
    assert per_instance == {r.id: 1 for r in rows}


def test_scheduler_process_fires_what_fell_due_while_it_was_down(app, deployed):
    wake_on = (clock.today() + timedelta(days=2)).isoformat()
    [row] = start_timed(wake_on=wake_on)
    database.session.commit()
    assert report_tasks(row.id) == []
    # The whole system moves three days on (演练模式) while no scheduler runs: the timer is now overdue.
    runner = app.test_cli_runner()
    later = (clock.now() + timedelta(days=3)).isoformat()
    assert runner.invoke(args=["clock", "set", later]).exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "scheduler", "--interval", "0.5"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            database.session.expire_all()
            if report_tasks(row.id):
                break
            time.sleep(0.2)
        time.sleep(1.5)  # a few more polls must not fire it again
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        runner.invoke(args=["clock", "reset"])
    database.session.expire_all()
    assert len(report_tasks(row.id)) == 1
    assert database.session.query(AuditEvent).filter_by(instance_id=row.id, kind="timer").count() == 1


def test_waiting_timers_lists_due_times(deployed):
    [row] = start_timed()
    [timer] = runtime.waiting_timers(row.id)
    assert timer["bpmn_id"] == "wait" and timer["due"].isoformat() == "2027-02-28T16:00:00+00:00"


def test_calendar_override_cli_moves_a_deadline(app, db):
    from engine import workcalendar

    runner = app.test_cli_runner()
    assert workcalendar.report_deadline("2027-10") == "2027-10-20"  # a Wednesday, beyond the package's years
    result = runner.invoke(args=["calendar", "set-day", "2027-10-20", "rest", "--note", "演示假日"])
    assert result.exit_code == 0, result.output
    assert workcalendar.report_deadline("2027-10") == "2027-10-21"
    assert "2027-10-20" in runner.invoke(args=["calendar", "list"]).output
    workcalendar.invalidate()


def test_a_timer_due_exactly_at_the_sweep_instant_fires(deployed):
    [row] = start_timed()
    assert timers.run_due(datetime.fromisoformat("2027-03-01T00:00:00+08:00")) == 1
    assert len(report_tasks(row.id)) == 1
