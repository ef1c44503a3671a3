"""Scenario 6: 36 monthly 进度表, each its own progress_report instance, two of them late; and months never
reported, which stop neither the later months nor their 督办. 建设完成 moves the project to 验收 but the 进度表
go on every month (notice 三(三): 自项目启动实施起至项目验收止) until 竣工验收 passes, which ends every open month.

Built in 2024 so that all 36 months (2024-01 … 2026-12) lie in the years the official holiday calendar
covers: the deadlines move off weekends and holidays, and stay on a Sunday that is a 调休 working day.
Each month's instance opens the next month on the 1st whether or not its own report is in.
"""
from datetime import date, timedelta

from engine import runtime, workcalendar

from .driver import (Project, contract, day_end, declare, establish, joint_acceptance, pay, plan, precheck,
                     report, review, side_reports, utc_naive)

DEPT = "dept:gaj"
LATE = {"2024-10", "2026-02"}  # 20th a Sunday → due Monday 21st; 20th in 春节 → due 02-24


def months(first, n):
    out, month = [], first
    for _ in range(n):
        out.append(month)
        month = workcalendar.next_month(month)
    return out


def plus_days(day, n):
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def under_construction(p):
    """A 2024 project through 申报, 论证, 立项 and a contract of 2024-01-10: reports start with 2024-01."""
    plan(p, 2024)
    declare(p, 2024)
    precheck(p, 2024)
    review(p, 2024)
    establish(p, 2024)
    contract(p, 2024, signed="2024-01-10", early=True)  # signed before the 15th: reports start this month
    side_reports(p)


def by_month(p):
    """{report_month: Instance} of the project's progress_report instances (the month its start message names)."""
    return {p.variables(r.id)["cycle"]["report_month"]: r for r in p.instances("progress_report")}


def running(p):
    return sorted(m for m, r in by_month(p).items() if r.status == "running")


def pass_final_acceptance(p, initial, applied, panel, accepted):
    """初验, 竣工验收申请, the panel and 市数管局's passing 竣工验收 (which stops the 进度表)."""
    p.complete("task_initial_acceptance", "dept", at=initial, initial_acceptance_date=initial)
    p.complete("task_final_application", "dept", at=applied, application_date=applied, initial_acceptance_date=initial)
    joint_acceptance(p, panel)
    p.complete("task_final_acceptance", "sgj", at=accepted, final_acceptance_date=accepted)


def test_6_thirty_six_monthly_reports_two_late_then_acceptance(real_model):
    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)

    all_months = months("2024-01", 36)
    dues = {}
    for i, month in enumerate(all_months):
        task = p.task("task_progress_report")
        row = by_month(p)[month]
        assert task.instance_id == row.id
        # 上月形象进度 is last month's report: it was in before this month opened on the 1st
        assert p.variables(row.id)["last_progress_percent"] == (min(95, 3 * i) if i else 0), month
        due = workcalendar.report_deadline(month)
        dues[month] = task.due_at
        assert task.due_at == day_end(due), month
        p.fire(workcalendar.workdays_before(due, 5))  # the first reminder
        p.fire(due)  # 10:00 on the last day: the second one
        if month in LATE:
            p.fire(plus_days(due, 1))  # 24:00 passed: overdue and 督办
            at = plus_days(due, 2)
        else:
            at = due + "T11:00"
        last = i == len(all_months) - 1
        report(p, month, at=at, percent=100 if last else min(95, 3 * (i + 1)),
               last_percent=min(95, 3 * i), complete=last)
        if not last:
            assert p.instance.stage == "实施"
            assert "construction_complete" in p.instance.waiting_messages
            assert running(p) == [month]  # reported, yet open: it opens next month on the 1st
            p.fire(workcalendar.next_month(month) + "-01")  # next month's report opens on the 1st
            assert by_month(p)[month].status == "completed"

    # deadlines: by the 20th, moved to the next working day when the 20th is a rest day
    assert dues["2024-01"] == day_end("2024-01-22")  # Saturday
    assert dues["2024-10"] == day_end("2024-10-21")  # Sunday
    assert dues["2026-02"] == day_end("2026-02-24")  # 春节 2026-02-15 … 02-23
    assert dues["2026-09"] == day_end("2026-09-20")  # a Sunday, but a 调休 working day before 国庆
    assert dues["2025-05"] == day_end("2025-05-20")

    reports = p.instances("progress_report")
    assert len(reports) == 36 and {r.status for r in reports[:35]} == {"completed"}
    assert reports[35].status == "running"  # the 36th said 建设完成 and waits for 2027-01
    by_instance = {r.id: p.variables(r.id)["cycle"]["report_month"] for r in reports}
    assert sorted(by_instance.values()) == all_months
    # two reminders for every month, to the department
    reminders = p.notes(kind="reminder")
    assert {n.group_code for n in reminders} == {DEPT}
    per_month = {}
    for n in reminders:
        per_month.setdefault(by_instance[n.instance_id], []).append(n.task_bpmn_id)
    assert per_month == {m: ["script_progress_remind_5wd", "script_progress_remind_1d"] for m in all_months}
    # 督办 to 数管局 for exactly the two late months, and an overdue notice to the department
    supervise = p.notes(kind="supervise")
    assert {n.group_code for n in supervise} == {"sgj"}
    assert sorted(by_instance[n.instance_id] for n in supervise) == sorted(LATE)
    assert all(by_instance[n.instance_id] in n.message for n in supervise)
    assert sorted(by_instance[n.instance_id] for n in p.notes(kind="overdue", group=DEPT)) == sorted(LATE)
    tasks = p.tasks("task_progress_report")
    assert len(tasks) == 36 and {t.state for t in tasks} == {"completed"}
    assert sorted(by_instance[t.instance_id] for t in tasks if t.overdue) == sorted(LATE)
    assert {(t.lane, t.group_code, t.stage) for t in tasks} == {("项目建设主管部门", DEPT, "实施")}

    # the 36th said 建设完成: the lifecycle went on to 验收
    row = p.instance
    assert row.stage == "验收" and "construction_complete" not in row.waiting_messages
    assert p.open() == ["task_initial_acceptance"]
    assert p.variables()["construction_result"]["completion_month"] == "2026-12"
    assert p.variables()["construction_complete"] is True
    # 2027-01 and 2027-02 still open while 验收 runs: 进度表 until 竣工验收 passes
    p.fire("2027-01-01")
    assert running(p) == ["2027-01"]
    assert p.task("task_progress_report").due_at == day_end(workcalendar.report_deadline("2027-01"))
    report(p, "2027-01", at="2027-01-15", percent=100, last_percent=100, complete=True)
    p.fire("2027-02-01")
    assert running(p) == ["2027-02"]
    pass_final_acceptance(p, "2027-02-02", "2027-02-03", "2027-02-05", "2027-02-10")
    assert running(p) == []  # February, not yet reported, ended with 竣工验收
    p.fire("2027-03-01")
    p.fire("2027-04-01")
    assert len(p.instances("progress_report")) == 38
    assert sorted(p.open()) == ["task_audit", "task_settlement"]


def test_6b_unreported_months_do_not_stop_later_months_until_construction_is_complete(real_model):
    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)

    # 2024-01 is reported on time, after a payment of 50: 2024-02 starts from its figures
    pay(p, 50, at="2024-01-15")
    report(p, "2024-01", at="2024-01-19", percent=10, last_percent=0, paid=999)  # typed payments do not count
    p.fire("2024-02-01")
    assert running(p) == ["2024-02"]
    assert {k: p.variables(by_month(p)["2024-02"].id)[k] for k in ("last_progress_percent",
                                                                    "last_cumulative_paid_wan")} == \
        {"last_progress_percent": 10, "last_cumulative_paid_wan": 50}

    # 2024-02 and 2024-03 are never reported: each still gets its reminders and 督办, and the next month opens
    for month, next_first in (("2024-02", "2024-03-01"), ("2024-03", "2024-04-01")):
        due = workcalendar.report_deadline(month)
        row = by_month(p)[month]
        assert p.task("task_progress_report", row.id).due_at == day_end(due)
        p.fire(workcalendar.workdays_before(due, 5))
        p.fire(due)
        p.fire(plus_days(due, 1))
        assert [n.task_bpmn_id for n in p.notes() if n.instance_id == row.id] == [
            "script_progress_remind_5wd", "script_progress_remind_1d", "script_progress_supervise",
            "script_progress_supervise"]
        [supervise] = [n for n in p.notes(kind="supervise") if n.instance_id == row.id]
        assert supervise.group_code == "sgj" and month in supervise.message
        assert p.task("task_progress_report", row.id).overdue
        p.fire(next_first)
        assert workcalendar.next_month(month) in running(p)
    assert running(p) == ["2024-02", "2024-03", "2024-04"]
    assert sorted(t.instance_id for t in p.open_tasks()) == sorted(by_month(p)[m].id for m in running(p))
    # an unreported month hands on what it started with: 2024-01's figures
    assert p.variables(by_month(p)["2024-04"].id)["last_cumulative_paid_wan"] == 50

    # 2024-04 is reported after a payment of 20 (本月支付 20, 累计 70); 2024-05 opens with its figures
    pay(p, 20, at="2024-04-15", paid_before=50)
    report(p, "2024-04", at="2024-04-19", percent=30, last_percent=10, paid=20, last_paid=50,
           instance_id=by_month(p)["2024-04"].id)
    # 本月支付 and 累计支付 are the approved payments, whatever the browser typed (999 in January)
    jan, apr = [sub.data for sub in p.submissions("progress-report.schema.json")]
    assert (jan["paid_this_month_wan"], jan["cumulative_paid_wan"]) == (50, 50)
    assert (apr["paid_this_month_wan"], apr["cumulative_paid_wan"]) == (20, 70)
    p.fire("2024-05-01")
    assert running(p) == ["2024-02", "2024-03", "2024-05"]
    assert p.variables(by_month(p)["2024-05"].id)["last_cumulative_paid_wan"] == 70
    assert by_month(p)["2024-05"].waiting_messages == ["progress_cycle_stop"]

    # 2024-05 says 建设完成: the lifecycle goes to 验收; the 进度表 go on, the unreported months stay open
    report(p, "2024-05", at="2024-05-10", percent=100, last_percent=30, last_paid=70, complete=True,
           instance_id=by_month(p)["2024-05"].id)
    assert running(p) == ["2024-02", "2024-03", "2024-05"]
    assert p.reached("end_construction_complete", by_month(p)["2024-05"].id)
    row = p.instance
    assert row.stage == "验收" and row.waiting_messages == []
    assert p.open() == ["task_initial_acceptance", "task_progress_report", "task_progress_report"]
    data = p.variables()
    assert data["construction_complete"] is True
    assert data["construction_result"]["completion_month"] == "2024-05"

    # June opens with 建设完成 carried over; reporting it again does not say 建设完成 a second time
    p.fire("2024-06-01")
    june = by_month(p)["2024-06"]
    assert p.variables(june.id)["construction_complete"] is True
    assert p.variables(june.id)["last_progress_percent"] == 100
    report(p, "2024-06", at="2024-06-05", percent=100, last_percent=100, last_paid=70, complete=True,
           instance_id=june.id)
    assert not p.reached("throw_construction_complete", june.id)

    # 竣工验收 passes: every open month ends, the unreported ones too
    pass_final_acceptance(p, "2024-06-10", "2024-06-12", "2024-06-14", "2024-06-15")
    assert running(p) == []
    assert {r.status for r in p.instances("progress_report")} == {"completed"}
    for month in ("2024-02", "2024-03"):
        assert p.reached("end_report_stopped", by_month(p)[month].id)
    assert p.reached("end_cycle_stopped", june.id)
    assert not p.reached("throw_next_progress_cycle", june.id)
    states = {p.variables(t.instance_id)["cycle"]["report_month"]: t.state for t in p.tasks("task_progress_report")}
    assert states == {"2024-01": "completed", "2024-02": "cancelled", "2024-03": "cancelled",
                      "2024-04": "completed", "2024-05": "completed", "2024-06": "completed"}

    # no month opens any more, and nothing is reminded or supervised for the ended months
    notes = len(p.notes())
    p.fire("2024-06-21")
    p.fire("2024-07-01")
    p.fire("2024-07-22")
    assert len(p.instances("progress_report")) == 6
    assert len(p.notes()) == notes
    assert p.open() == ["task_audit", "task_settlement"]


def test_6c_a_late_report_of_an_older_month_says_complete_and_the_open_month_goes_on_until_acceptance(real_model):
    p = Project(build_year=2024, at="2023-03-02")
    under_construction(p)
    p.fire("2024-01-23")  # 2024-01 (due 01-22) overdue
    p.fire("2024-02-01")  # 2024-02 opens all the same
    assert running(p) == ["2024-01", "2024-02"]
    assert set(by_month(p)["2024-02"].waiting_messages) == {"progress_cycle_stop"}
    waits = {t["bpmn_id"]: t["due"] for t in runtime.waiting_timers(by_month(p)["2024-02"].id)}
    assert waits["timer_next_month"].replace(tzinfo=None) == utc_naive("2024-03-01T00:00")  # behind the event gateway

    # the late 2024-01 report says 建设完成: the project goes to 验收, 2024-02 stays open (进度表 until 竣工验收)
    report(p, "2024-01", at="2024-02-05", percent=100, last_percent=0, complete=True,
           instance_id=by_month(p)["2024-01"].id)
    assert running(p) == ["2024-02"]
    assert p.instance.stage == "验收" and p.variables()["construction_complete"] is True
    # 竣工验收 passes in February: 2024-02 ends (its report and its wait for 03-01)
    pass_final_acceptance(p, "2024-02-06", "2024-02-07", "2024-02-08", "2024-02-09")
    assert running(p) == []
    second = by_month(p)["2024-02"]
    assert second.next_timer_at is None
    assert p.reached("end_report_stopped", second.id) and p.reached("end_cycle_stopped", second.id)
    p.fire("2024-03-01")
    assert len(p.instances("progress_report")) == 2
    assert p.open() == ["task_audit", "task_settlement"]
