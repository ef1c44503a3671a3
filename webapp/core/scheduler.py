"""The long-running timer loop: APScheduler polls for due timers every few seconds.

Any number of these may run side by side (timers.run_due claims rows); one that was down fires what
fell due meanwhile on its first poll. The areas add work through extension points: `sweep` runs after
each timer sweep (notify: mail), `sweep_stats(stats)` reads what a sweep did (ops: metrics),
`periodic_job` adds a job of its own (oversight: the monthly bulletin). After every sweep the process
writes its heartbeat row (the cockpit and /readyz read it) and one JSON log line under an id of its own.
"""
import logging
import signal
import threading
import time

from apscheduler.schedulers.blocking import BlockingScheduler

from engine import audit, heartbeat, timers
from engine.db import db

from . import extensions, logs

log = logging.getLogger("egov.scheduler")
STARTED = heartbeat.wall_now()
# An idle sweep every 0.5 s need not write a row each time; a busy or failing one always does.
HEARTBEAT_EVERY = 5.0
_last_beat = {"at": None, "fired": 0}


def sweep(app, stopping=None):
    """One sweep under an id of its own: its JSON line and every record logged meanwhile carry it."""
    token = logs.work_id.set(logs.new_id())
    try:
        _sweep(app, stopping)
    finally:
        logs.work_id.reset(token)


def _sweep(app, stopping):
    with app.app_context():
        stats, error = timers.SweepStats(), None
        try:
            timers.run_due(stats=stats, stop=stopping)
        except Exception as exc:  # keep polling; the next sweep tries again
            log.exception("timer sweep failed")
            error = f"{type(exc).__name__}: {exc}"
        try:  # audit rows a crashed process or a busy head left waiting go into the chain within a sweep
            audit.seal()
        except Exception:
            log.exception("sealing waiting audit rows failed")
        _report(app, stats, error)
        for step in extensions.get("sweep", app):
            if stopping is not None and stopping.is_set():
                return
            try:
                step()
            except Exception:  # a mail server being away must not stop the timers
                log.exception("%s failed after the timer sweep", getattr(step, "__qualname__", step))


def _report(app, stats, error):
    """The heartbeat row, the sweep's JSON line and the areas' readers of its figures; none stops the loop."""
    row = None
    now = time.monotonic()
    due = _last_beat["at"] is None or now - _last_beat["at"] >= HEARTBEAT_EVERY or stats.fired or stats.failures or error
    try:
        if due:
            row = heartbeat.beat(stats, STARTED, error)
            _last_beat["at"] = now
    except Exception:  # the database is away: the log line still goes out
        log.exception("writing the scheduler heartbeat failed")
        db.session.rollback()
    log.info("sweep", extra={
        "event": "sweep", "sweep_id": logs.work_id.get(), "scheduler": heartbeat.process_id(), "fired": stats.fired, "failures": stats.failures,
        "lateness_ms": int(stats.max_lateness * 1000), "ms": round(stats.seconds * 1000, 1),
        "backlog": row.backlog if row is not None else None, "error": error})  # backlog: when the row was written
    for reader in extensions.get("sweep_stats", app):
        try:
            reader(stats)
        except Exception:
            log.exception("%s failed after the timer sweep", getattr(reader, "__qualname__", reader))


def run_forever(app, interval):
    logs.configure()  # JSON lines, one per sweep
    scheduler = BlockingScheduler(timezone="UTC")
    stopping = graceful_stop(scheduler)
    scheduler.add_job(sweep, "interval", seconds=interval, args=[app, stopping], max_instances=1, coalesce=True)
    jobs = extensions.get("periodic_job", app)
    for job, minutes in jobs:
        scheduler.add_job(job, "interval", minutes=minutes, args=[app], max_instances=1, coalesce=True)
    sweep(app, stopping)  # catch up at once on what fell due while no scheduler ran
    for job, _ in jobs:  # and on what the areas' jobs would have done meanwhile (e.g. a due bulletin)
        if not stopping.is_set():
            job(app)
    if not stopping.is_set():
        log.info("scheduler polling every %.1f s", interval)
        scheduler.start()  # returns once a stop signal has shut it down
    log.info("调度进程已停止：进行中的步骤均已完成并提交")


def graceful_stop(scheduler):
    """On SIGTERM or SIGINT: begin no new step, let the one under way finish and commit, then exit.

    Returns the event the sweep watches. Shutting the scheduler down waits for its running job.
    """
    stopping = threading.Event()

    def stop(signum, _frame):
        if stopping.is_set():
            return
        log.info("收到停止信号（%s）：完成当前步骤后停止", signal.Signals(signum).name)
        stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return stopping
