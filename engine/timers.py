"""Firing due timers. Each instance row carries its next due timer, so a sweep is one indexed query.

Rows are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so schedulers running side by side never
work one instance at once; the instance's version counter is the last guard (on SQLite too): a timer
fired twice would save twice from the same version, and the second save fails and keeps nothing.
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from . import clock
from .audit import record
from .db import db
from .errors import Conflict
from .models import Instance
from .runtime import SYSTEM, _step_row, unit_of_work
from .runtime.locks import lock_project

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
            for instance_id, project_id in ids:
                seen.add(instance_id)
                try:
                    with unit_of_work():
                        _relax_commit()
                        lock_project(project_id)  # its project's turn first, as every step takes it
                        row = _claim_one(instance_id, now)
                        if row is None:
                            continue
                        _step_row(row, SYSTEM, lambda wf: wf.refresh_timers(), allowed=("running",))
                        record("timer", SYSTEM.username, row.id, row.project_id, payload={"at": now.isoformat()})
                    fired += 1
                except Conflict:
                    log.info("instance %s was stepped by someone else meanwhile", instance_id)
