"""One project's steps take turns (PostgreSQL): a transaction-scoped advisory lock per project.

A step locks its instance row, but a message it throws reaches the project's other instances, and a
message start event makes new ones. Without a turn per project, a 进度表 reporting 建设完成 could list the
months waiting for the stop just before the scheduler, holding February, opened March: March would
never hear the stop. Every path that locks an instance takes its project's turn first (so the order of
waits is always project, then instance, and two steps cannot deadlock), and a message is routed only
under the turn. SQLite needs none of this: it lets one writer at a time in, and a writer whose snapshot
is stale fails (a Conflict) instead of saving.
"""
from sqlalchemy import func, text

from ..db import db

LOCK_CLASS = 14  # the first key of pg_advisory_xact_lock(int, int): this lock's own namespace


def lock_project(project_id):
    """Wait for the project's turn; held until the transaction ends. Once per transaction and project."""
    if project_id is None or db.engine.dialect.name != "postgresql":
        return
    held = _held()
    if project_id in held:
        return
    db.session.execute(text("SELECT pg_advisory_xact_lock(:c, :p)"), {"c": LOCK_CLASS, "p": project_id})
    held.add(project_id)


def project_turn(project_id):
    """The turn as a column to select along with the instance row (one round trip instead of two), or
    None when it is already held or not needed. PostgreSQL computes the selected columns in the scan,
    below the row lock, so the turn is still taken before the row's lock is waited for."""
    if project_id is None or db.engine.dialect.name != "postgresql":
        return None
    held = _held()
    if project_id in held:
        return None
    held.add(project_id)  # if the statement fails, the transaction fails with it
    return func.pg_advisory_xact_lock(LOCK_CLASS, project_id).label("project_turn")


def _held():
    """The projects locked in the session's current transaction (forgotten when a new one starts)."""
    session = db.session()  # the scoped session's own Session
    transaction = session.get_transaction() or session.begin()
    info = session.info
    if info.get("project_locks_of") is not transaction:
        info["project_locks_of"], info["project_locks"] = transaction, set()
    return info["project_locks"]


def project_of(instance_id):
    """The project an instance belongs to (never changes, so it may be read before any lock)."""
    from ..models import Instance

    return db.session.execute(db.select(Instance.project_id).where(Instance.id == instance_id)).scalar()
