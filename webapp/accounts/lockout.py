"""Failed sign-ins counted atomically in the database (等保 8.1.4.1 b).

Each failure is one `UPDATE … SET failed_logins = failed_logins + 1 … RETURNING`, so sixteen wrong passwords
sent at once are sixteen failures and the fifth locks the account, on SQLite and PostgreSQL alike.
"""
import time
from datetime import timedelta

from sqlalchemy import case
from sqlalchemy.exc import OperationalError

from engine.db import db

from . import settings
from .clockwork import real_now


def _user():
    from .models import User

    return User


def lock_remaining(user):
    """Minutes until the lock ends (at least 1), or 0 when the account is not locked."""
    now = real_now()
    if user.locked_until and user.locked_until > now:
        return max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
    if user.locked_until:  # the lock ran out: the count starts again
        clear(user.id)
    return 0


def count_failure(user_id):
    """Add one failure; returns (failures so far, locked now).

    SQLite may refuse a write outright ("database is locked") when many sign-ins race for it; the failure is
    counted again in a fresh transaction, so none is lost and the answer is never a 500.
    """
    for attempt in range(8):
        try:
            return _count_failure(user_id)
        except OperationalError:
            db.session.rollback()
            if attempt == 7:
                raise
            time.sleep(0.02 * (attempt + 1))


def _count_failure(user_id):
    User = _user()
    limit = settings.get("LOGIN_MAX_FAILURES")
    until = real_now() + timedelta(minutes=settings.get("LOGIN_LOCK_MINUTES"))
    failures, locked_until = db.session.execute(
        db.update(User).where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1,
                locked_until=case((User.failed_logins + 1 >= limit, until), else_=User.locked_until))
        .returning(User.failed_logins, User.locked_until)
        .execution_options(synchronize_session=False)
    ).one()
    return failures, failures >= limit and locked_until is not None


def clear(user_id):
    User = _user()
    db.session.execute(db.update(User).where(User.id == user_id).values(failed_logins=0, locked_until=None)
                       .execution_options(synchronize_session=False))


def failures_of(username):
    """Failures counted for this user name so far (0 for an unknown one): the login page asks for a captcha."""
    User = _user()
    return db.session.execute(db.select(User.failed_logins).where(User.username == username)).scalar() or 0
