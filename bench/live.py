"""Scenarios with live processes: timer lateness with the scheduler running; concurrent clients."""
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from engine import clock, runtime
from engine.db import db
from engine.models import AuditEvent, Submission, TaskIndex

from .scenarios import REPO, clear_instances, row, start

FILL = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}


def _env(app):
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PYTHONPATH": str(REPO)}


def scenario_timer_latency(app, quick):
    """Timers falling due while the scheduler runs: how late does each one's step run?"""
    n = 10 if quick else 30
    clear_instances()
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "scheduler"], cwd=REPO,
                                 env=_env(app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)  # started and polling
        base = clock.now() + timedelta(seconds=2)
        due = {}
        with runtime.unit_of_work():
            for i in range(n):
                at = base + timedelta(seconds=0.37 * i)
                row_ = runtime.start_instance("bench_timer", project_id=500 + i, owner_group="dept:gaj",
                                              data={"fire_at": at.isoformat()})
                due[row_.id] = at
        time.sleep((base - clock.now()).total_seconds() + 0.37 * n + 3)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    db.session.expire_all()
    fired = dict(db.session.execute(db.select(AuditEvent.instance_id, AuditEvent.at).where(
        AuditEvent.kind == "timer", AuditEvent.instance_id.in_(list(due)))).all())
    late = [(clock.as_utc(fired[i]) - due[i]).total_seconds() for i in due if i in fired]
    clear_instances()
    worst = max(late) if late else float("inf")
    return row("timer_latency", f"调度器运行时定时器的延迟（{n} 个）", f"最大 {worst:.2f} s", None, None, "≤ 1 s",
               len(late) == n and worst <= 1.0, f"中位数 {statistics.median(late):.2f} s；轮询间隔 {app.config['SCHEDULER_INTERVAL']} s",
               late=late)


CLIENT = r"""
import os, sys, time
sys.path.insert(0, os.environ["PYTHONPATH"])
from webapp import create_app
from engine import runtime
from engine.errors import Conflict
from engine.db import db
app = create_app()
ids = sys.argv[1].split(",")
ok = conflicts = 0
with app.app_context():
    actor = runtime.Actor("dept_user", frozenset({"dept:gaj"}))
    t0 = time.perf_counter()
    for task_id in ids:
        try:
            runtime.complete_task(task_id, {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}, actor)
            ok += 1
        except Conflict:
            conflicts += 1
    print(ok, conflicts, time.perf_counter() - t0)
"""


def scenario_concurrent(app, quick):
    """Several clients complete the same tasks at once: every step exactly once, none lost."""
    n = 100 if quick else 400
    workers = 4 if db.engine.dialect.name == "postgresql" else 2
    clear_instances()
    rows = start("simple", n, project_id=1, owner_group="dept:gaj", data={"build_year": 2027})
    db.session.commit()
    task_ids = [runtime.open_tasks(r.id)[0].id for r in rows]
    arg = ",".join(task_ids)
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, arg], cwd=REPO, env=_env(app),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
    outs = [p.communicate(timeout=600) for p in procs]
    elapsed = time.perf_counter() - t0
    done = sum(int(out.split()[0]) for out, _ in outs)
    db.session.expire_all()
    completed = db.session.execute(db.select(TaskIndex.id).where(TaskIndex.id.in_(task_ids),
                                                                  TaskIndex.state == "completed")).scalars().all()
    submissions = db.session.execute(db.select(Submission.task_id).where(Submission.task_id.in_(task_ids),
                                                                          Submission.draft.is_(False))).scalars().all()
    exact = done == n and len(completed) == n and len(submissions) == n and len(set(submissions)) == n
    next_steps = db.session.execute(db.select(db.func.count()).select_from(TaskIndex).where(
        TaskIndex.bpmn_id == "review", TaskIndex.instance_id.in_([r.id for r in rows]))).scalar()
    exact = exact and next_steps == n
    clear_instances()
    return row("concurrent", f"{workers} 个进程同时办理同一批 {n} 个任务", f"{n / elapsed:.0f} 个/秒", None, None,
               "不丢不重", exact, f"成功 {done}，其余为 409 冲突；每个任务恰好办结一次：{'是' if exact else '否'}",
               throughput=n / elapsed)


def scenario_writers(app, quick):
    """Completions per second with 1 and with 4 writing processes, each on its own tasks (every completion
    writes audit events): do writers wait for one another? Block-alternated (1, 4, 1, 4 …) after a warm-up block."""
    per = 30 if quick else 80
    rounds = 2 if quick else 3
    rates = {1: [], 4: []}

    def block(processes, keep):
        clear_instances()
        rows = start("simple", per * processes, project_id=1, owner_group="dept:gaj", data={"build_year": 2027})
        db.session.commit()
        ids = [runtime.open_tasks(r.id)[0].id for r in rows]
        procs = [subprocess.Popen([sys.executable, "-c", CLIENT, ",".join(ids[k::processes])], cwd=REPO,
                                  env=_env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k in range(processes)]
        outs = [p.communicate(timeout=600) for p in procs]
        done = sum(int(out.split()[0]) for out, _ in outs)
        slowest = max(float(out.split()[2]) for out, _ in outs)  # each process times its own loop (no start-up)
        assert done == len(ids), outs
        if keep:
            rates[processes].append(done / slowest)

    block(1, False)
    block(4, False)
    for _ in range(rounds):
        for processes in (1, 4):
            block(processes, True)
    clear_instances()
    one, four = statistics.median(rates[1]), statistics.median(rates[4])
    return row("writers", "各自办理自己任务的写入进程：4 个对比 1 个（完成数/秒）", f"{four:.0f} 个/秒", f"{one:.0f} 个/秒",
               four / one, None, None,
               f"每块每进程 {per} 个任务，1 与 4 轮流成块测量（先各预热一块）；1 个：{[round(r) for r in rates[1]]}，"
               f"4 个：{[round(r) for r in rates[4]]}；两核共享机器上只报告", rates=rates)
