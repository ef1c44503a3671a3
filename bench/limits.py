"""The cost of bounded scripts (issue 11, DESIGN quality table): one task completion and one timer step
with the script limits (a worker process per script call) against without them (scripts in-process),
runs alternating after a warm-up so the machine's drift hits both sides alike."""
import time
from datetime import datetime, timezone

from engine import runtime, timers
from engine.db import db
from engine.sandbox import limits
from engine.sandbox.pool import pool

from .scenarios import DEPT, example_of, ms, p50, row

TARGET = 1.2


def _alternating(items, run):
    """(with limits, without limits): `run(item)` timed for each item, isolation switched on and off in turn."""
    timed = {True: [], False: []}
    previous = limits.current
    try:
        for i, item in enumerate(items):
            isolated = i % 4 in (0, 3)  # ABBA: neither side always goes first
            limits.configure(isolated=isolated)
            t0 = time.perf_counter()
            run(item)
            timed[isolated].append(time.perf_counter() - t0)
            db.session.remove()  # each request and each timer step has its own session
    finally:
        limits.configure(**vars(previous))
    return timed[True], timed[False]


def _completions(n):
    data = {"project_name": "基准项目", "build_year": 2027}
    with runtime.unit_of_work():
        rows = [runtime.start_instance("lifecycle", project_id=5000 + i, owner_group="dept:gaj", data=data)
                for i in range(n)]
    tasks = [runtime.open_tasks(r.id)[0].id for r in rows]
    db.session.expunge_all()
    form = example_of("project-preparation.schema.json")
    return _alternating(tasks, lambda task_id: runtime.complete_task(task_id, form, DEPT))


def _fire_at(at):
    def fire(ids_):
        with timers.clock_at(at):
            stats = timers.SweepStats()
            timers._fire(*ids_, at.replace(tzinfo=None), stats)
            assert stats.fired == 1, "the timer did not fire"

    return fire


def _timer_steps(n):
    """The 进度表 reminder: its boundary timer fires and a script notifies the owner (bench/model timed.bpmn)."""
    with runtime.unit_of_work():
        rows = [runtime.start_instance("timed", project_id=6000 + i, owner_group="dept:gaj",
                                       data={"wake_on": "2030-01-01"}) for i in range(n)]
    ids = [(r.id, r.project_id) for r in rows]
    db.session.expunge_all()
    opened = _fire_at(datetime(2030, 1, 1, 8, tzinfo=timezone.utc))  # the month's 进度表 opens
    for item in ids:
        opened(item)
        db.session.remove()
    return _alternating(ids, _fire_at(datetime(2030, 1, 21, 8, tzinfo=timezone.utc)))  # the day-before reminder


def scenario_limits(app, quick):
    n = 40 if quick else 200
    warm = 6
    pool.warm()
    _completions(warm)  # warm-up: worker started, specs and forms cached, both sides run once
    _timer_steps(warm)
    results = []
    for key, name, measure in (
        ("limits_complete", "脚本受限运行的开销：完成一个用户任务（lifecycle）", _completions),
        ("limits_timer", "脚本受限运行的开销：一次定时器步骤（到期前提醒，含 notify 脚本）", _timer_steps),
    ):
        bounded, free = measure(n)
        ratio = p50(bounded) / p50(free)
        results.append(row(key, name, ms(p50(bounded)), ms(p50(free)), ratio, f"≤ {TARGET}×", ratio <= TARGET,
                           f"受限：每段脚本在独立工作进程中运行（CPU {limits.current.cpu_seconds} 秒、内存 "
                           f"{limits.current.memory_mb} MB、墙钟 {limits.current.wall_seconds:g} 秒）；基线：同进程直接运行；"
                           f"各 {len(bounded)} 次交替",
                           bounded_p50=p50(bounded), free_p50=p50(free), n=len(bounded)))
    return results
