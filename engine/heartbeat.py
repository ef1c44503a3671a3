"""Scheduler heartbeats: each scheduler process writes one row after every sweep (its own transaction).

The cockpit lists them and /readyz asks whether any swept within STALE_AFTER. Rows of processes that
ended stay until FORGET_AFTER, so an operator sees that a scheduler went away.
"""
import os
import socket
from datetime import datetime, timedelta, timezone

from . import clock
from .db import db
from .models import Instance, SchedulerHeartbeat

STALE_AFTER = timedelta(minutes=1)
FORGET_AFTER = timedelta(days=1)


def process_id():
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def wall_now():
    """Heartbeats are in real UTC (naive), not the 演练 clock: they tell operators about processes."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def backlog(now):
    """Instances whose timer is due at `now` (naive UTC) and still waits for a sweep."""
    return db.session.execute(
        db.select(db.func.count()).select_from(Instance).where(
            Instance.status == "running", Instance.next_timer_at.is_not(None), Instance.next_timer_at <= now)
    ).scalar() or 0


def beat(stats, started_at, error=None):
    """Write this process's row from a sweep's `stats` (timers.SweepStats) and commit."""
    now = wall_now()
    key = process_id()
    row = db.session.get(SchedulerHeartbeat, key)
    if row is None:
        row = SchedulerHeartbeat(id=key, host=socket.gethostname()[:100], pid=os.getpid(), started_at=started_at,
                                 fired_total=0)
        db.session.add(row)
    row.last_sweep_at = now
    row.sweep_ms = int(stats.seconds * 1000)
    row.fired = stats.fired
    row.fired_total = (row.fired_total or 0) + stats.fired
    row.lateness_ms = int(stats.max_lateness * 1000)
    row.failures = stats.failures
    row.backlog = backlog(clock.now().replace(tzinfo=None))
    row.error = error[:2000] if error else None
    db.session.execute(db.delete(SchedulerHeartbeat).where(SchedulerHeartbeat.last_sweep_at < now - FORGET_AFTER))
    db.session.commit()
    return row


def schedulers(now):
    """Every known scheduler, newest sweep first, each with `alive` (swept within STALE_AFTER)."""
    rows = db.session.execute(
        db.select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_sweep_at.desc())).scalars().all()
    return [{"row": row, "alive": now - row.last_sweep_at <= STALE_AFTER} for row in rows]


def any_alive(now):
    return db.session.execute(
        db.select(SchedulerHeartbeat.id).where(SchedulerHeartbeat.last_sweep_at >= now - STALE_AFTER).limit(1)
    ).first() is not None
