"""Server-side sign-ins: every session and remember-me cookie names a `login_session` row.

The cookie carries a random token (a new one at every sign-in); the row holds when it was last used and how
long 记住我 lasts. Logout, a password change or reset, a lock or a role change delete the rows, and the
user's API tokens with them, so every revocation takes effect on the next request (等保 8.1.4.1 d).
"""
import hashlib
import secrets
from datetime import timedelta

from engine.db import db

from . import settings
from .clockwork import real_now
from .credentials import LoginSession

TOUCH_SECONDS = 60  # last_seen is written at most once a minute per sign-in


def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user, remember=False, via="password", address=None, second_factor=False):
    """A new sign-in for `user`; returns its token (the id Flask-Login keeps in the cookies)."""
    token = secrets.token_urlsafe(32)
    now = real_now()
    until = now + timedelta(days=min(settings.get("REMEMBER_DAYS"), 7)) if remember else None
    db.session.add(LoginSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen=now,
                                remember_until=until, address=(address or "")[:64] or None, via=via,
                                second_factor=second_factor))
    user.__dict__["_login_token"] = token
    return token


def find(token):
    """The live sign-in of this token, or None when it was revoked, idle too long or past 记住我's end.

    An expired row is deleted on the way (the caller commits with its request).
    """
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = db.session.get(LoginSession, _hash(token))
    if row is None:
        return None
    now = real_now()
    idle = timedelta(minutes=settings.get("IDLE_TIMEOUT_MINUTES"))
    expired = now > row.remember_until if row.remember_until else now - row.last_seen > idle
    key = LoginSession.token_hash == row.token_hash
    if expired:
        _write_quietly(db.delete(LoginSession).where(key))
        return None
    if (now - row.last_seen).total_seconds() > TOUCH_SECONDS:
        _write_quietly(db.update(LoginSession).where(key).values(last_seen=now))
    return row


def _write_quietly(statement):
    """A housekeeping write of the user loader, in a transaction of its own (begun by the write, so SQLite
    waits for its lock instead of failing); under contention it is skipped, the next request tries again."""
    from sqlalchemy.exc import OperationalError

    try:
        db.session.commit()
        db.session.execute(statement.execution_options(synchronize_session=False))
        db.session.commit()
    except OperationalError:
        db.session.rollback()


def mark_second_factor(token):
    row = db.session.get(LoginSession, _hash(token))
    if row is not None:
        row.second_factor = True


def end(token):
    if token:
        db.session.execute(db.delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def revoke_all(user_id, keep=None):
    """End every sign-in and API token of a user (except the sign-in `keep`, e.g. the one changing it)."""
    from .models import ApiToken

    query = db.delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep:
        query = query.where(LoginSession.token_hash != _hash(keep))
    db.session.execute(query)
    db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user_id))


def sweep():
    """Delete sign-ins that can no longer be used (run by the scheduler; each is also refused on use)."""
    now = real_now()
    idle = now - timedelta(minutes=settings.get("IDLE_TIMEOUT_MINUTES"))
    db.session.execute(db.delete(LoginSession).where(
        ((LoginSession.remember_until.is_(None)) & (LoginSession.last_seen < idle))
        | (LoginSession.remember_until < now)))
