"""Signing in with a password: lock and failure counting, the captcha, the audit of every attempt.

Pages and the API call `authenticate`; the page then starts a server-side sign-in (sessions.start), the API
issues a token. Every attempt, right or wrong, is an audit event with the client's address.
"""
from flask import request
from werkzeug.security import check_password_hash, generate_password_hash

from engine.audit import record
from engine.db import db
from engine.errors import EngineError, Forbidden

from . import lockout, sessions, settings

# Checked when the user name is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("never-a-password")


class Unauthorized(EngineError):
    status = 401
    code = "unauthorized"


class AccountLocked(Forbidden):
    code = "account_locked"


class CaptchaRequired(EngineError):
    status = 401
    code = "captcha_required"


def _user_model():
    from .models import User

    return User


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
    User = _user_model()
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar()
    minutes = lockout.lock_remaining(user) if user is not None else 0
    if minutes:
        audit_login(username, False, via, "locked")
        db.session.commit()
        raise AccountLocked(f"登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试")
    right = check_password_hash(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None or not right or not user.active:
        message = "用户名或密码错误"
        locked = False
        if user is not None and not right:
            _, locked = lockout.count_failure(user.id)
        elif user is not None:
            message = "账户已停用，请联系管理员"
        audit_login(username, False, via, "bad_credentials" if not right else "inactive")
        if locked:
            sessions.revoke_all(user.id)
            record("lock", "system", payload={"user": username, "minutes": settings.get("LOGIN_LOCK_MINUTES")})
            limit, minutes = settings.get("LOGIN_MAX_FAILURES"), settings.get("LOGIN_LOCK_MINUTES")
            db.session.commit()
            raise AccountLocked(f"连续 {limit} 次登录失败，账户已锁定 {minutes} 分钟")
        db.session.commit()
        raise Unauthorized(message)
    if user.failed_logins or user.locked_until:
        lockout.clear(user.id)
        user.failed_logins, user.locked_until = 0, None
    audit_login(username, True, via)
    db.session.commit()
    return user


def captcha_needed(username):
    """Whether the login page must ask for the captcha (rules on, and 3 failures for this name or browser)."""
    if not settings.rules_on():
        return False
    from flask import session

    after = settings.get("CAPTCHA_AFTER_FAILURES")
    return session.get("login_failures", 0) >= after or lockout.failures_of(username) >= after


def note_failure():
    from flask import session

    session["login_failures"] = session.get("login_failures", 0) + 1


def client_address():
    return request.remote_addr


def current_signin():
    """The LoginSession row of this request's sign-in (its `token` attribute set), or None."""
    from flask import g

    return g.get("login_session")


def load_signin(token):
    """Flask-Login's user loader: the user of a live sign-in whose id (the cookie's token) is `token`."""
    from flask import g

    row = sessions.find(token)
    if row is None:
        return None
    user = db.session.get(_user_model(), row.user_id)
    if user is None or not user.active or lockout.lock_remaining(user):
        return None
    row.token = token
    user.__dict__["_login_token"] = token
    g.login_session = row
    return user


def finish_signin(user, remember=False, via="password"):
    """Start a server-side sign-in for an authenticated user and send the browser on (pages only)."""
    from flask import redirect, session, url_for
    from flask_login import login_user

    from .security_pages import guard

    session.pop("login_failures", None)
    token = sessions.start(user, remember=remember, via=via, address=client_address())
    db.session.commit()
    login_user(user, remember=remember)
    from flask import g

    row = db.session.get(__import__("webapp.accounts.credentials", fromlist=["LoginSession"]).LoginSession,
                         sessions._hash(token))
    row.token = token
    g.login_session = row
    return guard() or None
