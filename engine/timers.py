"""Firing due timers. Each instance row carries its next due timer, so a sweep is one indexed query.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so schedulers running side by side never
work one instance at once; the instance's version counter is the last guard (on SQLite too): a timer
fired twice would save twice from the same version, and the second save fails and keeps nothing.
"""
import contextvars
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context
from sqlalchemy import text

from . import clock
from .audit import record
from .db import db
from .errors import Conflict
from .models import Incident, Instance
from .runtime import SYSTEM, _describe, _load_row, _now, _step_row, unit_of_work
from .runtime import outbox
from .runtime.locks import lock_project

log = logging.getLogger(__name__)
BATCH = 200
# Instances are stepped side by side, so a slow one (up to the script limits) delays no other timer.
THREADS = int(os.environ.get("EGOV_SCHEDULER_THREADS", "4"))


@contextmanager
def clock_at(at):
    """Let engine code (and SpiffWorkflow's timers) see `at` as now, for `timers run-due --at`."""
    if at is None:
        yield
        return
    saved = clock.now
    offset = clock.as_utc(at) - datetime.now(timezone.utc)
    clock.now = lambda: datetime.now(timezone.utc) + offset
    try:
        yield
    finally:
        clock.now = saved


def _claim_batch(at, skip):
    query = (
        db.select(Instance.id, Instance.project_id)
        .where(Instance.status == "running", Instance.next_timer_at.is_not(None), Instance.next_timer_at <= at)
        .order_by(Instance.next_timer_at)
        .limit(BATCH)
    )
    if skip:
        query = query.where(Instance.id.not_in(skip))
    return list(db.session.execute(query).all())


def _claim_one(instance_id, at):
    """The instance's row, locked, if it is still due and no other scheduler holds it; else None."""
    query = (db.select(Instance)
             .where(Instance.id == instance_id, Instance.status == "running", Instance.next_timer_at <= at)
             .execution_options(populate_existing=True))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar()


# Rounds of a sweep that fire again the steps that gave way to a message on its way (run_due).
GIVE_WAY_ROUNDS = 3

# SpiffWorkflow fires a timer once now is strictly past its due time; sweeping as of one microsecond
# later makes "due at `at`" include a timer due at exactly that instant.
TICK = timedelta(microseconds=1)


def _relax_commit():
    """On PostgreSQL, a timer's step need not wait for its commit to reach the disk.

    A crash can then lose only the last few timer steps, each whole (state, task index, notifications
    and audit are one transaction), and the next sweep fires them again. A user's completion, answered
    with a 200, always waits for the disk.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit = off"))


@dataclass
class SweepStats:
    """What one sweep did, for the scheduler's heartbeat, log line and metrics."""

    fired: int = 0
    failures: int = 0
    max_lateness: float = 0.0  # seconds the latest timer fired after its due time
    seconds: float = 0.0
    lateness: list = None  # every fired timer's lateness, for the metrics histogram
    gave_way: list = None  # (instance, project) whose step waited for a message still on its way to it

    def __post_init__(self):
        self.lateness = self.lateness if self.lateness is not None else []
        self.gave_way = self.gave_way if self.gave_way is not None else []
        self.lock = threading.Lock()

    def give_way(self, instance_id, project_id):
        with self.lock:
            self.gave_way.append((instance_id, project_id))

    def take_gave_way(self):
        with self.lock:
            taken, self.gave_way = self.gave_way, []
        return taken

    def add(self, late=None, failed=False):
        with self.lock:
            if failed:
                self.failures += 1
            else:
                self.fired += 1
                self.lateness.append(late)
                self.max_lateness = max(self.max_lateness, late)


def run_due(at=None, stats=None, stop=None):
    """Fire every timer due at or before `at` (default now). Returns how many instances stepped.

    One instance never holds up the others for longer than the script limits: a script that loops or
    allocates becomes an incident (scripting), and a step that fails in any other way is rolled back
    and recorded as an incident on its own instance, so the sweep goes on and does not retry it forever.
    `stop` (a threading.Event) ends the sweep early: steps under way finish and commit, no other begins,
    and what is left stays due for the next sweep (of this scheduler or another).
    """
    stats = stats if stats is not None else SweepStats()
    seen, started, rounds = set(), time.monotonic(), 0
    with clock_at(clock.as_utc(at) + TICK if at is not None else None):
        now = clock.now().replace(tzinfo=None)
        while True:
            ids = [] if stop is not None and stop.is_set() else _claim_batch(now, seen)
            db.session.rollback()  # the batch query only names candidates; each is claimed on its own
            if not ids:
                if stop is None or not stop.is_set():
                    outbox.drain_all()  # messages a crash, conflicts or other threads left undelivered
                    # Steps that gave way to a message on its way to their instance fire now that it has
                    # arrived (a few rounds at most: what still gives way then fires at the next sweep).
                    ids = stats.take_gave_way() if rounds < GIVE_WAY_ROUNDS else []
                    rounds += 1
                if not ids:
                    stats.seconds = time.monotonic() - started
                    return stats.fired
            seen.update(instance_id for instance_id, _ in ids)
            _fire_all(ids, now, stats, stop)


def _fire_all(ids, now, stats, stop=None):
    if THREADS <= 1 or len(ids) == 1 or not has_app_context():
        for instance_id, project_id in ids:
            if stop is not None and stop.is_set():
                return
            _fire(instance_id, project_id, now, stats)
        return
    app = current_app._get_current_object()

    def fire(ids_):
        with app.app_context():  # its own session and connection
            _fire(*ids_, now, stats)

    Steps(fire, THREADS, _ceiling(), SLOW).run(ids, stop)


# A step still running after SLOW seconds (a script at its limits, a lock held elsewhere) no longer holds
# one of the THREADS places: the next instance starts beside it, so however many instances hang at once,
# the others wait for none of them (up to the ceiling, which the connection pool bounds).
SLOW = float(os.environ.get("EGOV_SCHEDULER_SLOW_SECONDS", "0.25"))


def _ceiling():
    """Steps at once, slow ones included: three per thread, within the connection pool (one left over)."""
    pool = db.engine.pool
    size = getattr(pool, "size", None)
    capacity = size() + max(getattr(pool, "_max_overflow", 0), 0) if callable(size) else THREADS * 3 + 1
    return max(THREADS, min(THREADS * 3, capacity - 1))


class Steps:
    """Run `work(item)` for every item, each in a thread of its own: at most `threads` at once that have run
    for less than `slow` seconds, at most `ceiling` in all. Threads inherit the caller's context (the sweep's
    log id)."""

    def __init__(self, work, threads, ceiling, slow):
        self.work, self.threads, self.ceiling, self.slow = work, threads, ceiling, slow
        self.changed = threading.Condition()
        self.running = {}  # thread -> when it started

    def _run_one(self, item):
        try:
            self.work(item)
        finally:
            with self.changed:
                self.running.pop(threading.current_thread(), None)
                self.changed.notify()

    def run(self, items, stop=None):
        pending = list(reversed(items))
        with self.changed:
            while True:
                if stop is not None and stop.is_set():
                    pending = []
                moment = time.monotonic()
                fresh = [began for began in self.running.values() if moment - began < self.slow]
                while pending and len(fresh) < self.threads and len(self.running) < self.ceiling:
                    context = contextvars.copy_context()
                    thread = threading.Thread(target=context.run, args=(self._run_one, pending.pop()),
                                              name="timer", daemon=True)
                    self.running[thread] = moment
                    fresh.append(moment)
                    thread.start()
                if not pending and not self.running:
                    return
                # Wake when a step ends, or when the oldest fresh one turns slow and frees its place.
                wait = min((began + self.slow - moment for began in fresh), default=self.slow)
                self.changed.wait(max(wait, 0.005))


def _fire(instance_id, project_id, now, stats):
    try:
        with unit_of_work():
            _relax_commit()
            lock_project(project_id)  # its project's turn first, as every step takes it
            row = _claim_one(instance_id, now)
            if row is None:
                return
            due, waiting = row.next_timer_at, list(row.waiting_messages or [])
            _step_row(row, SYSTEM, lambda wf: wf.refresh_timers(), allowed=("running",))
            record("timer", SYSTEM.username, row.id, row.project_id, payload={"at": now.isoformat()})
            if outbox.overtaken(project_id or outbox.CITY_QUEUE, instance_id, waiting):
                raise outbox.GaveWay("实例有尚未送达的消息，定时器在消息送达后触发")
        stats.add(late=max(0.0, (clock.now().replace(tzinfo=None) - due).total_seconds()))
    except outbox.GaveWay:
        log.info("timer step of instance %s gave way to a message on its way to it", instance_id)
        stats.give_way(instance_id, project_id)
    except Conflict:
        log.info("instance %s was stepped by someone else meanwhile", instance_id)
    except Exception as exc:  # noqa: BLE001 - whatever it is, it is this instance's fault, not the sweep's
        log.exception("timer step of instance %s failed", instance_id)
        stats.add(failed=True)
        _record_failure(instance_id, exc)


def _record_failure(instance_id, exc):
    """Mark the instance as an incident, so the next sweep does not stumble on it again."""
    try:
        with unit_of_work():
            row = _load_row(instance_id, lock=True)
            if row.status != "running":
                return
            error = f"定时器步骤失败：{_describe(exc)}"
            db.session.add(Incident(instance_id=row.id, created_at=_now(), error=error[:4000]))
            record("incident", SYSTEM.username, row.id, row.project_id, None, {"error": error[:4000]})
            row.status = "incident"
    except Exception:  # noqa: BLE001 - the database itself is away: the next sweep tries again
        log.exception("recording the failure of instance %s failed", instance_id)
