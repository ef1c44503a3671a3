"""Engine-level scenarios of DESIGN.md's quality table. Each returns one result row."""
import json
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from engine import registry, runtime, timers
from engine.db import db
from engine.models import AuditEvent, Incident, Instance, Notification, Submission, TaskIndex

from .baselines import (WARMUP, DefaultStep, FairStep, bare_steps, compare, compare_unpaired, in_blocks,
                        interleaved, spread_ms)

MODEL = Path(__file__).resolve().parent / "model"
REPO = MODEL.parent.parent
FILL = {"amount_wan": 100, "own_funds_wan": 60, "other_funds_wan": 40}
DEPT = runtime.Actor("dept_user", frozenset({"dept:gaj"}))


def p50(samples):
    return statistics.median(samples)


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def row(key, name, value, baseline=None, ratio=None, target=None, ok=None, note=None, **raw):
    """A result row; ok is None for a figure that has no target (reported only, never a pass)."""
    return {"key": key, "name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "ok": ok, "note": note, "raw": raw}


def deployed_files():
    """The city's model and the benchmark's own small diagrams, deployed together as one version."""
    return {**registry.read_model_dir(REPO), **registry.read_model_dir(MODEL)}


def deploy():
    with runtime.unit_of_work():
        version, _ = registry.deploy(deployed_files(), actor="bench")
    return version


def example_of(form):
    return json.loads((REPO / "forms" / form).read_text(encoding="utf-8"))["examples"][0]


def start(process, n=1, **kw):
    with runtime.unit_of_work():
        return [runtime.start_instance(process, **kw) for _ in range(n)]


# ------------------------------------------------------------------ 1. one completion vs bare SpiffWorkflow

# Targets of each completion figure against each bare baseline (docs/benchmark.md); None: reported only.
TARGETS = {
    "complete": {"default": 1.5, "fair": 3.0},
    "complete_tiny": {"default": None, "fair": None},
    "http_complete": {"default": 1.5, "fair": 6.0},
}


def baseline_rows(key, name, ours, bare, note, **raw):
    """One row per baseline for a completion figure: medians, ratio with its 95 % interval, quartiles."""
    out = []
    for side, limit in TARGETS[key].items():
        c = compare(ours, bare[side])
        label = DefaultStep.label if side == "default" else FairStep.label
        out.append(row(
            f"{key}:{side}", f"{name}对比裸 SpiffWorkflow（{label}）", ms(p50(ours)), ms(p50(bare[side])),
            c["ratio_p50"], f"≤ {limit:g}×" if limit else None, c["ratio_p50"] <= limit if limit else None,
            f"{note}；我方 {spread_ms(ours)}，基线 {spread_ms(bare[side])}",
            spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", **c, **raw))
    return out


def timed_completion(task_ids, data, actor=DEPT):
    """A side for `interleaved`: completes the next task through engine and store, one request's session each."""
    pending = iter(task_ids)

    def step():
        task_id = next(pending)
        t0 = time.perf_counter()
        runtime.complete_task(task_id, data, actor)
        elapsed = time.perf_counter() - t0
        db.session.remove()  # each request has its own session
        return elapsed

    return step


def ours_and_bare_times(n, process_id, start_data, data):
    """({side: samples}, stored bytes, {baseline: state bytes}): n completions through engine and store,
    interleaved with both bare steps."""
    bare = bare_steps(deployed_files(), process_id, start_data, data)
    with runtime.unit_of_work():
        rows = [runtime.start_instance(process_id, project_id=10 + i, owner_group="dept:gaj", data=start_data)
                for i in range(n + WARMUP)]
    task_ids = [runtime.open_tasks(r.id)[0].id for r in rows]
    first = rows[-1].id
    del rows
    db.session.expunge_all()  # as in a request: the session starts empty, not holding every instance
    samples = interleaved({"ours": timed_completion(task_ids, data), **bare}, n)
    stored = db.session.get(Instance, first).state_bytes
    return samples, stored, {side: len(step.state) for side, step in bare.items()}


def scenario_complete(app, quick):
    n = 60 if quick else 300
    results = []
    cases = [
        ("complete", "完成一个用户任务（立项全流程 lifecycle，引擎+存储）", "lifecycle",
         {"project_name": "基准项目", "build_year": 2027}, example_of("project-preparation.schema.json")),
        ("complete_tiny", "完成一个用户任务（两步小流程，引擎+存储）", "simple", {"build_year": 2027}, FILL),
    ]
    for key, name, process_id, start_data, data in cases:
        reset()
        samples, stored, sizes = ours_and_bare_times(n, process_id, start_data, data)
        ours = samples.pop("ours")
        results.extend(baseline_rows(
            key, name, ours, samples,
            f"我方含表单校验、任务索引、审计、版本比对与一次提交；状态 {stored} B，库默认 {sizes['default']} B（含定义），"
            f"公平 {sizes['fair']} B",
            stored_bytes=stored, bare_bytes=sizes))
    return results


# ------------------------------------------------------------------ 2. the 36th monthly report vs the 1st

def _ready_report(project_id):
    return db.session.execute(db.select(TaskIndex).filter_by(project_id=project_id, state="ready")).scalar_one()


def _monthly_side(project_ids, sizes):
    """A side for `interleaved`: submits the open 进度表 of the next project and records its stored state size."""
    pending = iter(project_ids)

    def step():
        task = _ready_report(next(pending))
        t0 = time.perf_counter()
        runtime.complete_task(task.id, {"approved": True}, DEPT)
        elapsed = time.perf_counter() - t0
        sizes.append(db.session.get(Instance, task.instance_id).state_bytes)
        db.session.remove()
        return elapsed

    return step


def scenario_monthly(app, quick):
    """The 36th 进度表 of a project against the 1st of another, submitted interleaved in the same month."""
    n, warmup, months = (10, 3, 36) if quick else (40, 5, 36)
    old = [1000 + p for p in range(n + warmup)]
    new = [3000 + p for p in range(n + warmup)]
    month = datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    for project_id in old:
        runtime.send_message(project_id, "bench_month_start", {"month": "2027-01", "progress": 0},
                             actor=runtime.SYSTEM, owner_group="dept:gaj")
    for _ in range(1, months):  # every old project submits its months 1..35; the month turns after each
        for project_id in old:
            runtime.complete_task(_ready_report(project_id).id, {"approved": True}, DEPT)
        db.session.remove()
        month = (month + timedelta(days=32)).replace(day=1)
        timers.run_due(month)  # next month's 进度表 starts as a new small instance
    for project_id in new:  # projects whose reporting starts this month
        runtime.send_message(project_id, "bench_month_start", {"month": month.strftime("%Y-%m"), "progress": 0},
                             actor=runtime.SYSTEM, owner_group="dept:gaj")
    db.session.remove()
    sizes = {1: [], months: []}
    samples = interleaved({months: _monthly_side(old, sizes[months]), 1: _monthly_side(new, sizes[1])}, n, warmup)
    sizes = {k: v[warmup:] for k, v in sizes.items()}
    c = compare(samples[months], samples[1])
    size_ratio = p50(sizes[months]) / p50(sizes[1])
    return [
        row("monthly_latency", "第36期进度表对比第1期：提交耗时", ms(p50(samples[months])), ms(p50(samples[1])),
            c["ratio_p50"], "≤ 1.2×", c["ratio_p50"] <= 1.2,
            f"{n} 对交替提交（预热 {warmup} 对）；第36期 {spread_ms(samples[months])}，第1期 {spread_ms(samples[1])}",
            spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", **c),
        row("monthly_size", "第36期进度表对比第1期：状态存储字节", f"{p50(sizes[months]):.0f} B", f"{p50(sizes[1]):.0f} B",
            size_ratio, "≤ 1.2×", size_ratio <= 1.2,
            f"每期进度表是一个独立的小实例；第36期 {min(sizes[months])}–{max(sizes[months])} B，"
            f"第1期 {min(sizes[1])}–{max(sizes[1])} B", spread=f"{min(sizes[months]) / max(sizes[1]):.2f}–"
            f"{max(sizes[months]) / min(sizes[1]):.2f}×", sizes=sizes),
    ]


# ------------------------------------------------------------------ helpers for the big tables

def clone_instances(template, n, **overrides):
    """Insert n copies of a real instance row (same state), for sizing tables quickly."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    base = {c.name: getattr(template, c.name) for c in Instance.__table__.columns if c.name != "id"}
    base.update(created_at=now, updated_at=now, **overrides)
    batch = []
    for i in range(n):
        item = dict(base)
        item["project_id"] = 100000 + i
        batch.append(item)
        if len(batch) == 2000:
            db.session.execute(db.insert(Instance), batch)
            batch = []
    if batch:
        db.session.execute(db.insert(Instance), batch)
    db.session.commit()


def reset():
    """Empty every table the scenarios fill (projects and their files included)."""
    from webapp.core.models import Project
    from webapp.files.models import StoredFile

    db.session.execute(db.delete(StoredFile))
    db.session.execute(db.update(Project).values(instance_id=None))
    db.session.execute(db.delete(Project))
    db.session.commit()
    clear_instances()


def clear_instances():
    db.session.execute(db.update(Instance).values(parent_id=None))
    tables = (AuditEvent, Submission, Incident, Notification, TaskIndex, Instance)
    for model in tables:
        db.session.execute(db.delete(model))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does in a live system, now: the next scenario must not pay for the rows just deleted.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for model in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {model.__table__.name}")


# ------------------------------------------------------------------ 3. worklist query, 10 000 vs 10

def fill_worklist(n, departments=50):
    [template] = start("simple", 1, project_id=1, owner_group="dept:gaj", data={"build_year": 2027})
    db.session.commit()
    clone_instances(template, n - 1)
    ids = [i for (i,) in db.session.execute(db.select(Instance.id))]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rng = random.Random(7)
    batch = []
    for instance_id in ids:
        dept = f"dept:d{rng.randrange(departments)}" if instance_id != template.id else "dept:gaj"
        for state in ("completed", "ready"):  # a finished step and the open one, as in real life
            batch.append(dict(id=str(uuid.uuid4()), instance_id=instance_id, project_id=instance_id, process_id="simple",
                              bpmn_id="fill", name="填报", lane="项目建设主管部门", group_code=dept, state=state,
                              form="fill.schema.json", created_at=now, overdue=False,
                              due_at=now + timedelta(days=rng.randrange(-30, 60))))
        if len(batch) >= 4000:
            db.session.execute(db.insert(TaskIndex), batch)
            batch = []
    if batch:
        db.session.execute(db.insert(TaskIndex), batch)
    db.session.commit()


def time_worklist(runs):
    """The 待办 service query (first page and total) for a user of one department."""
    from types import SimpleNamespace

    from webapp.worklist.services import list_tasks

    user = SimpleNamespace(username="dept_user", groups=frozenset({"dept:d3"}))
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        list_tasks(user, {}, 1, 20)
        samples.append(time.perf_counter() - t0)
    return samples


def scenario_worklist(app, quick):
    big = 2000 if quick else 10000

    def fill(n):
        clear_instances()
        fill_worklist(n, departments=5 if n == 10 else 50)

    samples = in_blocks((10, big), 2 if quick else 3, fill, lambda n, warmup: time_worklist(warmup or 100))
    clear_instances()
    c = compare_unpaired(samples[big], samples[10])
    ok = c["ratio_p50"] <= 2 and p50(samples[big]) <= 0.020
    return row("worklist", f"待办查询（服务层）：{big} 个实例对比 10 个", ms(p50(samples[big])), ms(p50(samples[10])),
               c["ratio_p50"], "≤ 2×, ≤ 20 ms", ok,
               f"任务索引上按待办顺序建的索引，不反序列化任何流程；两种规模轮流成块测量；{big} 个 {spread_ms(samples[big])}，"
               f"10 个 {spread_ms(samples[10])}", spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", **c)


# ------------------------------------------------------------------ 4. timer sweep, 10 000 waiting vs 10

def scenario_sweep(app, quick):
    big = 2000 if quick else 10000

    def fill(n):
        clear_instances()
        [template] = start("timed", 1, project_id=1, owner_group="dept:gaj", data={"wake_on": "2099-01-01"})
        db.session.commit()
        clone_instances(template, n - 1)

    def measure(n, warmup):
        samples = []
        for _ in range(warmup or 50):
            t0 = time.perf_counter()
            fired = timers.run_due()
            samples.append(time.perf_counter() - t0)
            assert fired == 0
        return samples

    samples = in_blocks((10, big), 2 if quick else 3, fill, measure)
    clear_instances()
    c = compare_unpaired(samples[big], samples[10])
    return row("sweep", f"定时器扫描（无到期）：{big} 个等待实例对比 10 个", ms(p50(samples[big])), ms(p50(samples[10])),
               c["ratio_p50"], "≤ 2×", c["ratio_p50"] <= 2,
               f"按 next_timer_at 索引查询；两种规模轮流成块测量；{big} 个 {spread_ms(samples[big])}，10 个 {spread_ms(samples[10])}",
               spread=f"{c['ratio_low']:.2f}–{c['ratio_high']:.2f}×", **c)


# ------------------------------------------------------------------ 5. 1 000 timers due at once

def scenario_burst(app, quick):
    n = 200 if quick else 1000
    clear_instances()
    start("timed", n, project_id=1, owner_group="dept:gaj", data={"wake_on": "2030-01-01"})
    db.session.commit()
    db.session.expunge_all()  # as in a scheduler process: the sweep starts with nothing loaded
    at = datetime(2030, 1, 1, 8, tzinfo=timezone.utc)
    t0 = time.perf_counter()
    fired = timers.run_due(at)
    elapsed = time.perf_counter() - t0
    per_instance = dict(db.session.execute(
        db.select(AuditEvent.instance_id, db.func.count()).filter_by(kind="timer").group_by(AuditEvent.instance_id)).all())
    once = fired == n and len(per_instance) == n and set(per_instance.values()) == {1}
    rate = n / elapsed
    clear_instances()
    return row("burst", f"{n} 个定时器同时到期", f"{rate:.0f} 个/秒", None, None, "≥ 200/s, 各一次",
               once and rate >= 200, f"用时 {elapsed:.2f} s；每个恰好触发一次：{'是' if once else '否'}",
               rate=rate, elapsed=elapsed, exactly_once=once)


def scenario_bulletin(app, quick):
    from .oversight import scenario_bulletin as run  # issue 6: the monthly bulletin, 2 000 vs 200 projects

    return run(app, quick)


SCENARIOS = {
    "complete": scenario_complete,
    "monthly": scenario_monthly,
    "worklist": scenario_worklist,
    "sweep": scenario_sweep,
    "burst": scenario_burst,
    "bulletin": scenario_bulletin,
}


def scenario_limits(app, quick):
    from .limits import scenario_limits as run  # issue 11: the cost of bounded scripts

    return run(app, quick)


SCENARIOS["limits"] = scenario_limits


def scenario_project_search(app, quick):
    from .search import scenario_search as run  # issue 13: 项目库 search by business values at 10 000 projects

    return run(app, quick)


SCENARIOS["project_search"] = scenario_project_search


def _http_scenarios():
    from . import http, live, scale

    return {"http_complete": http.scenario_http_complete, "http_worklist": http.scenario_http_worklist,
            "timer_latency": live.scenario_timer_latency, "concurrent": live.scenario_concurrent,
            "writers": live.scenario_writers,
            **scale.SCENARIOS}


def run_all(app, quick=False, only=None):
    deploy()
    results = []
    for key, scenario in {**SCENARIOS, **_http_scenarios()}.items():
        if only and key not in only:
            continue
        reset()  # every scenario starts from empty tables, whatever ran before it
        outcome = scenario(app, quick)
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results
