"""Run-time limits: scripts, conditions, DMN cells, timer expressions and form rules that loop in Python,
loop in C or allocate too much become incidents within the wall-clock limit plus a second, while the
process goes on answering other clients and the scheduler fires other instances' timers."""
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from engine import clock, runtime, timers
from engine.db import db as database
from engine.errors import Conflict
from engine.models import Incident, Instance
from engine.sandbox import limits
from tests.conftest import deploy_model_dir

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "limits"
WALL = 2.0
BIG = 10 ** 12


@pytest.fixture
def bounded(db):
    previous = limits.configure(cpu_seconds=1, wall_seconds=WALL, memory_mb=128)
    try:
        yield deploy_model_dir(FIXTURES)
    finally:
        limits.configure(**vars(previous))


def start(mode, n=BIG):
    with runtime.unit_of_work():
        return runtime.start_instance("bounded", data={"mode": mode, "n": n}).id


def answering(app):
    """Another client's requests, timed while `work` runs in a thread of this process; returns the slowest."""
    client = app.test_client()
    slowest, answered = [0.0], [0]

    def measure(work):
        done = threading.Event()
        result = {}

        def run():
            with app.app_context():
                try:
                    result["value"] = work()
                except Exception as exc:  # noqa: BLE001 - handed to the test
                    result["error"] = exc
                finally:
                    done.set()

        started = time.monotonic()
        threading.Thread(target=run).start()
        while not done.is_set():
            t = time.monotonic()
            assert client.get("/login").status_code == 200
            slowest[0] = max(slowest[0], time.monotonic() - t)
            answered[0] += 1
            time.sleep(0.05)
        result["seconds"] = time.monotonic() - started
        return result

    return measure, slowest, answered


@pytest.mark.parametrize("mode, element, limit", [
    ("py", "work", ""),  # Python loop: the CPU limit (1 s) on an idle machine, the wall clock (2 s) on a busy one
    ("c", "work", ""),  # sum(range(10**12)) runs in C
    ("mem", "work", "内存上限"),
    ("cond", "route", ""),
    ("cond_py", "route", ""),  # a generator expression loops in Python
    ("cond_mem", "route", "内存上限"),
    ("dmn", "decide", ""),
    ("dmn_py", "decide", ""),
    ("dmn_mem", "decide", "内存上限"),
])
def test_a_runaway_start_becomes_an_incident_while_others_are_served(app, bounded, mode, element, limit):
    measure, slowest, answered = answering(app)
    result = measure(lambda: start(mode))
    assert "error" not in result, result.get("error")
    assert result["seconds"] < WALL + 1 + 0.5  # the incident within the limit plus a second (+ worker start)
    row = database.session.get(Instance, result["value"])
    assert row.status == "incident"
    incident = database.session.query(Incident).filter_by(instance_id=row.id).one()
    assert incident.bpmn_id == element
    assert f"（{element}）" in incident.error and "上限" in incident.error and limit in incident.error
    assert answered[0] >= 1 and slowest[0] < 1.0  # the other client was answered all along


def test_an_instance_that_stays_small_runs_through(bounded):
    row = database.session.get(Instance, start("ok", 10))
    assert row.status == "running" and runtime.open_tasks(row.id)[0].bpmn_id == "fill"


def test_a_timer_expression_past_the_limit_is_an_incident_of_the_completion(bounded, actor):
    instance_id = start("timer")
    [task] = runtime.open_tasks(instance_id)
    began = time.monotonic()
    result = runtime.complete_task(task.id, {"note": "好"}, actor("s", "sgj"))
    assert time.monotonic() - began < WALL + 1.5
    assert result["status"] == "incident" and result["incident"]["bpmn_id"] == "wait"
    assert "运行超出" in result["incident"]["error"]


def test_a_form_rule_past_the_limit_is_refused_and_becomes_an_incident(bounded, actor):
    instance_id = start("rule")
    [task] = runtime.open_tasks(instance_id)
    began = time.monotonic()
    with pytest.raises(Conflict, match="表单规则.*运行超出"):
        runtime.complete_task(task.id, {"note": "好"}, actor("s", "sgj"))
    assert time.monotonic() - began < WALL + 1.5
    database.session.expire_all()
    assert database.session.get(Instance, instance_id).status == "incident"
    incident = database.session.query(Incident).filter_by(instance_id=instance_id).one()
    assert incident.bpmn_id == "fill" and "填写" in incident.error
    assert runtime.open_tasks(instance_id)[0].id == task.id  # the task stays open for a retry


def test_in_the_scheduler_one_runaway_timer_does_not_delay_another(app, bounded, actor, monkeypatch):
    late, good = start("late"), start("ok", 10)
    for instance_id in (late, good):
        runtime.complete_task(runtime.open_tasks(instance_id)[0].id, {"note": "好"}, actor("s", "sgj"))
    due = clock.now() + timedelta(seconds=2)  # both wait one second
    warm_workers(monkeypatch, 2)
    stats = timers.SweepStats()
    sweep = threading.Thread(target=lambda: _sweep(app, due, stats))
    began = time.monotonic()
    sweep.start()
    fired_good = None
    while sweep.is_alive() and time.monotonic() - began < 10:
        with app.app_context():
            if database.session.get(Instance, good).status == "completed" and fired_good is None:
                fired_good = time.monotonic() - began
        time.sleep(0.05)
    sweep.join()
    swept = time.monotonic() - began
    assert fired_good is not None and fired_good < 1.0  # on time, while the other still runs
    assert swept < WALL + 1.5
    database.session.expire_all()
    assert database.session.get(Instance, late).status == "incident"
    assert database.session.query(Incident).filter_by(instance_id=late).one().bpmn_id == "after"
    assert stats.fired == 2 and stats.max_lateness >= 0


def test_more_runaway_timers_than_threads_delay_no_other_timer(app, bounded, actor, monkeypatch):
    """Four instances loop after their timer, with two threads: the fifth's timer still fires on time."""
    monkeypatch.setattr(timers, "THREADS", 2)
    late = [start("late") for _ in range(4)]
    good = start("ok", 10)
    for instance_id in [*late, good]:  # the good one falls due last
        runtime.complete_task(runtime.open_tasks(instance_id)[0].id, {"note": "好"}, actor("s", "sgj"))
    warm_workers(monkeypatch, 5)  # one per step, as a scheduler keeps them: what is timed is the sweep alone
    stats = timers.SweepStats()
    sweep = threading.Thread(target=lambda: _sweep(app, clock.now() + timedelta(seconds=2), stats))
    began = time.monotonic()
    sweep.start()
    fired_good = None
    while sweep.is_alive() and time.monotonic() - began < 30:
        with app.app_context():
            if fired_good is None and database.session.get(Instance, good).status == "completed":
                fired_good = time.monotonic() - began
        time.sleep(0.05)
    sweep.join()
    swept = time.monotonic() - began
    assert fired_good is not None and fired_good < WALL + 1, fired_good  # one round of two would take 2 × WALL
    assert swept < WALL + 2.5, swept  # all four ran side by side, not two rounds
    database.session.expire_all()
    assert [database.session.get(Instance, i).status for i in late] == ["incident"] * 4
    assert stats.fired == 5


def warm_workers(monkeypatch, n):
    """Keep n script workers idle and ready (starting one takes ~0.5 s, seconds when several start at once on
    a loaded machine, which is the pool's cost, not the scheduler's)."""
    from engine.sandbox import pool

    monkeypatch.setattr(pool, "MAX_IDLE", n)
    for _ in range(n):
        pool.pool.warm()
    deadline = time.monotonic() + 60
    while len(pool.pool._idle) < n and time.monotonic() < deadline:
        time.sleep(0.05)


def _sweep(app, at, stats):
    with app.app_context():
        timers.run_due(at=at, stats=stats)


def test_a_timer_step_that_fails_otherwise_becomes_an_incident_and_the_sweep_goes_on(bounded, actor, monkeypatch):
    broken, good = start("ok", 10), start("ok", 10)
    for instance_id in (broken, good):
        runtime.complete_task(runtime.open_tasks(instance_id)[0].id, {"note": "好"}, actor("s", "sgj"))
    real_step = timers._step_row

    def step(row, *args, **kwargs):
        if row.id == broken:
            raise RuntimeError("状态无法读取")
        return real_step(row, *args, **kwargs)

    monkeypatch.setattr(timers, "_step_row", step)
    stats = timers.SweepStats()
    timers.run_due(at=clock.now() + timedelta(seconds=2), stats=stats)
    database.session.expire_all()
    assert database.session.get(Instance, good).status == "completed"
    assert database.session.get(Instance, broken).status == "incident"
    assert "状态无法读取" in database.session.query(Incident).filter_by(instance_id=broken).one().error
    assert (stats.fired, stats.failures) == (1, 1)
    assert timers.run_due(at=clock.now() + timedelta(seconds=3)) == 0  # not retried for ever


def test_only_provably_cheap_expressions_skip_the_worker():
    from engine.sandbox.fastpath import is_cheap

    for cheap in ("approved == True", "budget_wan <= 1000", "end_of_day(report_due)",
                  "own_funds_wan + other_funds_wan == amount_wan", "x.get('a', 1) > 2 and not done"):
        assert is_cheap(cheap), cheap
    for costly in ("sum(range(n)) > 0", "'a' * n", "round(5, -n)", "[x for x in items]", "2 ** n",
                   "f'{x:>{w}}'", "'%*d' % (n, 1)", "a + a + a + a + a + a", "any(items)"):
        assert not is_cheap(costly), costly


def test_a_worker_holds_no_secrets_of_its_parent(monkeypatch):
    from engine.sandbox.pool import Worker

    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    worker = Worker(64)
    try:
        with open(f"/proc/{worker.proc.pid}/environ", "rb") as env:
            seen = env.read()
        assert b"do-not-leak" not in seen and b"DATABASE_URL" not in seen and b"PYTHONPATH" in seen
    finally:
        worker.close()


def test_a_worker_started_as_root_runs_as_nobody_without_a_network():
    import os

    from engine.sandbox.pool import Worker

    if os.geteuid() != 0:
        pytest.skip("only a worker started as root gives up its rights")
    worker = Worker(64)
    try:
        status = open(f"/proc/{worker.proc.pid}/status").read()
        assert "Uid:\t65534\t65534\t65534\t65534" in status and "Gid:\t65534\t65534" in status
        assert os.readlink(f"/proc/{worker.proc.pid}/ns/net") != os.readlink("/proc/self/ns/net")
    finally:
        worker.close()


def test_the_wall_clock_stops_a_loop_the_cpu_limit_has_not_reached(db):
    """With the CPU allowance above the wall clock, the wall clock is what stops a Python loop."""
    previous = limits.configure(cpu_seconds=30, wall_seconds=1, memory_mb=128)
    try:
        deploy_model_dir(FIXTURES)
        started = time.monotonic()
        row = database.session.get(Instance, start("py"))
        assert time.monotonic() - started < 1 + 1 + 0.5
    finally:
        limits.configure(**vars(previous))
    assert row.status == "incident"
    incident = database.session.query(Incident).filter_by(instance_id=row.id).one()
    assert "（work）" in incident.error and "运行时间上限" in incident.error
