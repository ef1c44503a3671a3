"""Firing due timers. Each instance row carries its next due timer, so a sweep is one indexed query.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so schedulers running side by side never
work one instance at once; the instance's version counter is the last guard (on SQLite too): a timer
fired twice would save twice from the same version, and the second save fails and keeps nothing.
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from . import clock
from .audit import record
from .db import db
from .errors import Conflict
from .models import Instance
from .runtime import SYSTEM, _step_instance, unit_of_work

log = logging.getLogger(__name__)
BATCH = 200


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
        db.select(Instance.id)
        .where(Instance.status == "running", Instance.next_timer_at.is_not(None), Instance.next_timer_at <= at)
        .order_by(Instance.next_timer_at)
        .limit(BATCH)
    )
    if skip:
        query = query.where(Instance.id.not_in(skip))
    return list(db.session.execute(query).scalars())


def _claim_one(instance_id, at):
    """Lock the row if it is still due and nobody else holds it; its version, or None if taken."""
    query = db.select(Instance.lock_version).where(Instance.id == instance_id, Instance.status == "running",
                                         Instance.next_timer_at <= at)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar()


# SpiffWorkflow fires a timer once now is strictly past its due time; sweeping as of one microsecond
# later makes "due at `at`" include a timer due at exactly that instant.
TICK = timedelta(microseconds=1)


def run_due(at=None):
    """Fire every timer due at or before `at` (default now). Returns how many instances stepped."""
    fired, seen = 0, set()
    with clock_at(clock.as_utc(at) + TICK if at is not None else None):
        now = clock.now().replace(tzinfo=None)
        while True:
            ids = _claim_batch(now, seen)
            db.session.rollback()  # the batch query only names candidates; each is claimed on its own
            if not ids:
                return fired
            for instance_id in ids:
                seen.add(instance_id)
                try:
                    with unit_of_work():
                        claimed = _claim_one(instance_id, now)
                        if claimed is None:
                            continue
                        row, _ = _step_instance(instance_id, SYSTEM, lambda wf: wf.refresh_timers(),
                                                allowed=("running",), expect_version=claimed)
                        record("timer", SYSTEM.username, row.id, row.project_id, payload={"at": now.isoformat()})
                    fired += 1
                except Conflict:
                    log.info("instance %s was stepped by someone else meanwhile", instance_id)


def next_due():
    """When the earliest waiting timer falls due (naive UTC), or None."""
    return db.session.execute(
        db.select(db.func.min(Instance.next_timer_at)).where(Instance.status == "running")
    ).scalar()
