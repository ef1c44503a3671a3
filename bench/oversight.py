"""Bench scenario of issue 6: the monthly bulletin over 200 and 2 000 projects in 实施.

Projects are seeded by cloning rows (bulk inserts), not by running the engine: per project a Project, its
lifecycle Instance (stage 实施), six monthly 进度表 tasks in the task index (one late, one missing every
few projects) with their submissions, the 实施计划表, 合同, 立项批复 and two 资金拨付审核 submissions.
The bulletin reads only those indexed rows, so the figure is the report's own cost.
"""
import statistics
import time
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from engine.db import db
from engine.models import Instance, Submission, TaskIndex

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
TARGET_SECONDS = 2.0
TARGET_RATIO = 12.0


def _seed(start_id, n, version_id):
    from webapp.core.models import Department, Project

    if db.session.get(Department, "b00") is None:
        db.session.execute(insert(Department), [{"code": f"b{i:02d}", "name": f"基准部门{i:02d}"} for i in range(20)])
    now = datetime(2026, 1, 1)
    projects, instances, tasks, subs = [], [], [], []
    for pid in range(start_id, start_id + n):
        dept = f"b{pid % 20:02d}"
        instances.append({"id": pid, "version_id": version_id, "process_id": "lifecycle", "project_id": pid,
                          "owner_group": f"dept:{dept}", "status": "running", "stage": "实施",
                          "variables": {"stage": "实施", "review_passed": True, "establishment_route": "unified"},
                          "state": "{}", "state_bytes": 2, "lock_version": 1, "waiting_messages": [],
                          "created_at": now, "updated_at": now})
        projects.append({"id": pid, "name": f"基准项目{pid:06d}", "department_code": dept, "build_year": 2026,
                         "budget_wan": 500, "created_at": now, "instance_id": pid})
        approved = 300 + pid % 500
        for form, data in (
                ("implementation-plan.schema.json", {"planned_start": "2026-01-01", "planned_end": "2026-12-31",
                                                     "quarterly_funding": [{"quarter": "2026-Q1", "amount_wan": 100},
                                                                           {"quarter": "2026-Q2", "amount_wan": 100}]}),
                ("contract.schema.json", {"contract_amount_wan": approved - 10}),
                ("establishment-approval.schema.json", {"approved_amount_wan": approved, "investment_plan_year": 2026}),
                ("fund-approval.schema.json", {"fund_approved": True, "approved_amount_wan": 50}),
                ("fund-approval.schema.json", {"fund_approved": pid % 3 != 0, "approved_amount_wan": 40})):
            subs.append({"instance_id": pid, "project_id": pid, "form": form, "data": data, "draft": False,
                         "submitted_by": "bench", "submitted_at": now})
        missing_from = 5 if pid % 7 == 0 else 6  # every 7th project has not sent June's
        for m, month in enumerate(MONTHS):
            due = datetime(2026, m + 1, 20, 16, 0)
            task_id = f"bench-{pid}-{m}"
            done = m < missing_from
            late = done and pid % 5 == 0 and m == 2
            tasks.append({"id": task_id, "instance_id": pid, "project_id": pid, "process_id": "progress_report",
                          "bpmn_id": "task_progress_report", "name": "填报实施进度表", "lane": "项目建设主管部门",
                          "group_code": f"dept:{dept}", "state": "completed" if done else "ready",
                          "form": "progress-report.schema.json", "stage": "实施", "created_at": due - timedelta(days=20),
                          "due_at": due, "overdue": not done,
                          "completed_at": (due + timedelta(days=3) if late else due - timedelta(days=2)) if done else None,
                          "completed_by": "bench" if done else None})
            if done:
                subs.append({"task_id": task_id, "instance_id": pid, "project_id": pid,
                             "form": "progress-report.schema.json", "draft": False, "submitted_by": "bench",
                             "submitted_at": due - timedelta(days=2),
                             "data": {"report_month": month, "progress_percent": min(100, (m + 1) * (8 + pid % 9)),
                                      "problems": "进度偏慢" if pid % 4 == 0 else "无", "improvements": "加强调度"}})
    db.session.execute(insert(Instance), instances)
    db.session.execute(insert(Project), projects)
    db.session.execute(insert(TaskIndex), tasks)
    db.session.execute(insert(Submission), subs)
    db.session.commit()


def _time_bulletin(runs):
    import time_machine

    from webapp.oversight.services import reports

    samples, result = [], None
    with time_machine.travel(datetime(2026, 6, 25, 2, 0), tick=False):
        for _ in range(runs):
            db.session.expire_all()
            t0 = time.perf_counter()
            result = reports.compute_bulletin("2026-06")
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples), result


def scenario_bulletin(app, quick):
    from engine import registry

    from .scenarios import row

    small, large = (50, 500) if quick else (200, 2000)
    version_id = registry.require_latest_version().id
    first = (db.session.execute(select(func.max(Instance.id))).scalar() or 0) + 1_000_000
    _seed(first, small, version_id)
    t_small, r_small = _time_bulletin(15)
    _seed(first + small, large - small, version_id)
    t_large, r_large = _time_bulletin(7)
    assert r_small["summary"]["projects"] >= small and r_large["summary"]["projects"] >= large
    ratio = t_large / t_small if t_small else None
    ok = t_large < TARGET_SECONDS and ratio is not None and ratio < TARGET_RATIO
    return row("bulletin", f"月度通报：{large} 个实施中项目 / {small} 个", f"{t_large * 1000:.0f} ms",
               f"{t_small * 1000:.0f} ms", round(ratio, 2) if ratio else None,
               f"< {TARGET_SECONDS:.0f} s 且 < {TARGET_RATIO:.0f}×", ok,
               note=f"红 {r_large['summary']['red']}、黄 {r_large['summary']['amber']}、绿 {r_large['summary']['green']}",
               large_s=t_large, small_s=t_small)
