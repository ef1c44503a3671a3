"""Signing in with a password: lock and failure counting, the audit of every attempt, starting a sign-in.

Pages and the API call `authenticate`; the login page then calls `begin` (a server-side sign-in), the API
issues a token. Every attempt, right or wrong, is an audit event with the client's address.
"""
from flask import g, session
from flask_login import login_user
from werkzeug.security import check_password_hash, generate_password_hash

from engine.audit import record
from engine.db import db
from engine.errors import Forbidden

from ..core.identity import Unauthorized
from . import lockout, sessions, settings
from .models import User

# Checked when the user name is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("never-a-password")
_FAILURES = "login_failures"


class AccountLocked(Forbidden):
    code = "account_locked"


def audit_login(username, ok, via, reason=None):
    payload = {"ok": ok, "via": via}
    if reason:
        payload["reason"] = reason
    record("login", username, payload=payload)


def authenticate(username, password, via="session"):
    """The user with these credentials, or Unauthorized (401) / AccountLocked (403) with Chinese messages.

    Failures are counted atomically and committed although the call raises; the failure that reaches the
    limit locks the account and ends all its sign-ins and tokens.
    """
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise Unauthorized("请输入用户名和密码")
    if len(username) > 64 or len(password) > 1024:
        raise Unauthorized("用户名或密码错误")
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar()
    minutes = lockout.lock_remaining(user) if user is not None else 0
    if minutes:
        audit_login(username, False, via, "locked")
        db.session.commit()
        raise AccountLocked(f"登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试")
    right = check_password_hash(user.password_hash if user is not None else _DUMMY_HASH, password)
    user_id, active = (user.id, user.active) if user is not None else (None, False)
    owes_clear = user is not None and bool(user.failed_logins or user.locked_until)
    # End the reading transaction before writing: SQLite cannot turn a read snapshot that another writer
    # has passed into a write (it fails at once, busy timeout or not), and sixteen attempts at once do pass.
    # Nothing of `user` is read again before the first write (it would start a new snapshot).
    db.session.commit()
    if user_id is None or not right or not active:
        # The audit event first: it reads the system clock, which may need a connection of its own, and
        # must not wait for one while this transaction holds the write lock the other attempts queue for.
        audit_login(username, False, via, "inactive" if right else "bad_credentials")
        locked = False
        if user_id is not None and not right:
            _, locked = lockout.count_failure(user_id)
        if locked:
            sessions.revoke_all(user_id)
            limit, minutes = settings.get("LOGIN_MAX_FAILURES"), settings.get("LOGIN_LOCK_MINUTES")
            record("lock", "system", payload={"user": username, "minutes": minutes})
            db.session.commit()
            raise AccountLocked(f"连续 {limit} 次登录失败，账户已锁定 {minutes} 分钟")
        db.session.commit()
        raise Unauthorized("账户已停用，请联系管理员" if user_id is not None and right else "用户名或密码错误")
    if owes_clear:
        lockout.clear(user_id)
    audit_login(username, True, via)
    db.session.commit()
    return user


def captcha_needed(username):
    """Whether the login page must ask for the captcha: rules on, and 3 failures for this name or browser."""
    if not settings.rules_on():
        return False
    after = settings.get("CAPTCHA_AFTER_FAILURES")
    return session.get(_FAILURES, 0) >= after or (bool(username) and lockout.failures_of(username) >= after)


def note_failure():
    session[_FAILURES] = session.get(_FAILURES, 0) + 1


def begin(user, remember=False, via="password"):
    """Start a server-side sign-in for an authenticated user and hand it to flask-login (pages only)."""
    from flask import request

    session.pop(_FAILURES, None)
    token = sessions.start(user, remember=remember, via=via, address=request.remote_addr)
    db.session.commit()
    login_user(user, remember=remember)
    g.login_session = sessions.find(token)
    g.login_session.token = token


def end():
    """Logout: the sign-in's row goes, so its session and remember-me cookies are dead wherever they are."""
    from flask_login import current_user, logout_user

    signed_in = current_user.is_authenticated  # loads the sign-in (and its row) first
    signin = current_signin()
    if signed_in:
        record("logout", current_user.username, payload={"via": signin.via if signin else None})
    if signin is not None:
        sessions.end(signin.token)
    db.session.commit()
    logout_user()


def current_signin():
    """The LoginSession row of this request's sign-in (its `token` attribute set), or None."""
    return g.get("login_session")


def load_signin(token):
    """flask-login's user loader: the user of a live sign-in whose id (the cookie's token) is `token`."""
    row = sessions.find(token)
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active or lockout.lock_remaining(user):
        return None
    row.token = token
    user.__dict__["_login_token"] = token
    g.login_session = row
    return user
