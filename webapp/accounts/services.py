"""Accounts: checking a password (with login throttling), API tokens, and reading users.

The login page (pages.py, blueprint `auth`) calls `authenticate` and then `flask_login.login_user`;
`POST /api/auth/token` calls `authenticate` and `issue_token`. The core asks `load_user` and
`user_for_token` (registered by init_app) who is signed in.
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_

from engine import roles
from engine.db import db

from ..core.identity import Unauthorized
from ..core.models import Department
from .models import ApiToken, User, user_groups

# Sign-in with a password lives in signin.py (lock, captcha, audit); the user loader of pages is the
# server-side sign-in's (sessions.py). Both are re-exported here, the area's entry point.
from .signin import AccountLocked, authenticate  # noqa: E402,F401
from .signin import load_signin as load_user  # noqa: E402,F401

TOKEN_HOURS = 12


def _real_now():
    # Security clocks (lockout, token expiry) follow real time, not the 演练模式 clock offset.
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ---------------------------------------------------------------- bearer tokens

def _hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user):
    """A new API token for `user`: (token, expires_at). Only its sha256 is stored."""
    token = secrets.token_urlsafe(32)
    now = _real_now()
    db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at <= now))
    expires = now + timedelta(hours=TOKEN_HOURS)
    db.session.add(ApiToken(token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=expires))
    db.session.commit()
    return token, expires.replace(tzinfo=timezone.utc)


def revoke_token(token):
    db.session.execute(db.delete(ApiToken).where(ApiToken.token_hash == _hash(token)))
    db.session.commit()


def user_for_token(token):
    if not token:
        raise Unauthorized("身份令牌无效")
    # One query for token, user and the user's groups: this runs on every API call.
    found = db.session.execute(
        db.select(ApiToken, User, user_groups.c.group_code)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(user_groups, user_groups.c.user_id == User.id)
        .where(ApiToken.token_hash == _hash(token))
    ).all()
    if not found:
        raise Unauthorized("身份令牌无效或已撤销，请重新获取")
    row, user = found[0][0], found[0][1]
    if row.expires_at <= _real_now():
        raise Unauthorized("身份令牌已过期，请重新获取")
    if not user.active:
        raise Unauthorized("账户已停用")
    user.prime_groups(code for _, _, code in found if code)
    return user


# ---------------------------------------------------------------- reading users

def group_emails(group_code):
    """The e-mail addresses of the active members of a group."""
    rows = db.session.execute(
        db.select(User.email).join(user_groups, user_groups.c.user_id == User.id)
        .where(user_groups.c.group_code == group_code, User.active.is_(True), User.email.is_not(None), User.email != "")
    ).scalars()
    return sorted(set(rows))


def group_members(group_code):
    """(username, email) rows of the active users of a group, by username; `user:<name>[,<name>…]` are the
    people a task is designated to."""
    if group_code.startswith(roles.PERSON_PREFIX):
        return db.session.execute(db.select(User.username, User.email).where(
            User.username.in_(roles.named_in(group_code)), User.active.is_(True)).order_by(User.username)).all()
    return db.session.execute(
        db.select(User.username, User.email).join(user_groups, user_groups.c.user_id == User.id)
        .where(user_groups.c.group_code == group_code, User.active.is_(True)).order_by(User.username)).all()


def display_names(usernames):
    """{username: display name} of these users (those that exist)."""
    if not usernames:
        return {}
    return dict(db.session.execute(
        db.select(User.username, User.display_name).where(User.username.in_(sorted(usernames)))).all())


SYSTEM_ACTORS = {"system": "系统", "cli": "命令行"}  # actors of the audit trail that are no person


def person_name(username):
    """The display name of a login id (the id itself for one that is no user, e.g. `system`); looked up once
    per request, so a page listing many rows asks the database once per person."""
    from flask import g

    if not username:
        return ""
    known = g.setdefault("egov_person_names", {})
    if username not in known:
        known.update(display_names({username}))
        known.setdefault(username, SYSTEM_ACTORS.get(username, username))
    return known[username]


def active_users_named(names):
    """The active users whose login id or display name is one of `names`."""
    return db.session.execute(db.select(User).where(
        User.active.is_(True), or_(User.username.in_(names), User.display_name.in_(names)))).scalars().all()


def people_of(usernames):
    """{username: (display name, department name or None)} of these users (those that exist)."""
    if not usernames:
        return {}
    rows = db.session.execute(
        db.select(User.username, User.display_name, Department.name)
        .outerjoin(Department, Department.code == User.department_code)
        .where(User.username.in_(sorted(usernames)))).all()
    return {username: (display, dept) for username, display, dept in rows}


def expert_choices(specialty, context):
    """The expert pool (x-options "experts[:<专业>]"): active users of group `expert`, as (username, label)."""
    query = (db.select(User.username, User.display_name, User.specialty)
             .join(user_groups, user_groups.c.user_id == User.id)
             .where(user_groups.c.group_code == "expert", User.active.is_(True)).order_by(User.username))
    if specialty:
        query = query.where(User.specialty == specialty)
    return [(name, f"{display}（{field}）" if field else display) for name, display, field in db.session.execute(query)]


def user_named(username):
    """The user with this login name, or None."""
    return db.session.execute(db.select(User).filter_by(username=username)).scalar()


def known_groups():
    """Every group code a user may hold: the departments', the business roles and the three administrators'."""
    codes = db.session.execute(db.select(Department.code)).scalars()
    return [f"dept:{c}" for c in codes] + list(roles.GROUP_NAMES)
