"""Scenario 6: 36 monthly 进度表, each its own progress_report instance, two of them late.

Built in 2024 so that all 36 months (2024-01 … 2026-12) lie in the years the official holiday calendar
covers: the deadlines move off weekends and holidays, and stay on a Sunday that is a 调休 working day.
"""
from datetime import date, timedelta

from engine import workcalendar

from .driver import Project, contract, day_end, declare, establish, plan, precheck, report, review, side_reports

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


def test_6_thirty_six_monthly_reports_two_late_then_acceptance(model):
    p = Project(build_year=2024, at="2023-03-02")
    plan(p, 2024)
    declare(p, 2024)
    precheck(p, 2024)
    review(p, 2024)
    establish(p, 2024)
    contract(p, 2024, signed="2024-01-10", early=True)  # signed before the 15th: reports start this month
    side_reports(p)

    all_months = months("2024-01", 36)
    dues = {}
    for i, month in enumerate(all_months):
        task = p.task("task_progress_report")
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
            p.fire(workcalendar.next_month(month) + "-01")  # next month's report opens on the 1st

    # deadlines: by the 20th, moved to the next working day when the 20th is a rest day
    assert dues["2024-01"] == day_end("2024-01-22")  # Saturday
    assert dues["2024-10"] == day_end("2024-10-21")  # Sunday
    assert dues["2026-02"] == day_end("2026-02-24")  # 春节 2026-02-15 … 02-23
    assert dues["2026-09"] == day_end("2026-09-20")  # a Sunday, but a 调休 working day before 国庆
    assert dues["2025-05"] == day_end("2025-05-20")

    reports = p.instances("progress_report")
    assert len(reports) == 36 and {r.status for r in reports} == {"completed"}
    by_instance = {r.id: p.variables(r.id)["report_month"] for r in reports}
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
