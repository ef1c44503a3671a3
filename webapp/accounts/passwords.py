"""The password policy (等保 8.1.4.1 a): complexity, history, expiry, forced change."""
from datetime import timedelta

from werkzeug.security import check_password_hash

from engine.db import db

from . import settings
from .clockwork import real_now
from .credentials import AccountSecurity, PasswordHistory

CLASSES = (
    ("小写字母", str.islower),
    ("大写字母", str.isupper),
    ("数字", lambda c: c.isascii() and c.isdigit()),
    ("符号", lambda c: c.isascii() and not c.isalnum() and not c.isspace()),
)


def problems(user, password):
    """Why `password` may not be `user`'s new password, as Chinese sentences (empty when it may)."""
    found = []
    minimum = settings.get("PASSWORD_MIN_LENGTH")
    if not isinstance(password, str) or len(password) < minimum:
        return [f"密码至少 {minimum} 位"]
    if len(password) > 128:
        found.append("密码不能超过 128 位")
    kinds = sum(1 for _, test in CLASSES if any(test(c) for c in password))
    if kinds < 3:
        found.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    lowered = password.lower()
    if user is not None and user.username and user.username.lower() in lowered:
        found.append("密码不能包含用户名")
    if user is not None and user.id is not None and _reused(user, password):
        found.append(f"不能与最近 {settings.get('PASSWORD_HISTORY')} 次使用过的密码相同")
    return found


def _reused(user, password):
    if user.password_hash and check_password_hash(user.password_hash, password):
        return True
    keep = settings.get("PASSWORD_HISTORY")
    earlier = db.session.execute(
        db.select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(max(keep - 1, 0))
    ).scalars()
    return any(check_password_hash(h, password) for h in earlier)


def security_of(user):
    row = db.session.get(AccountSecurity, user.id)
    if row is None:
        row = AccountSecurity(user_id=user.id, must_change_password=False, totp_enabled=False)
        db.session.add(row)
    return row


def set_password(user, password, by_admin=False):
    """Store a new password: the old hash goes to the history; an administrator's reset forces a change.

    The caller checks `problems` first and revokes the user's sessions (sessions.revoke_all).
    """
    if user.password_hash and user.id is not None:
        db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=real_now()))
    user.set_password(password)
    user.failed_logins, user.locked_until = 0, None
    row = security_of(user)
    row.password_changed_at = real_now()
    row.must_change_password = bool(by_admin)
    keep = settings.get("PASSWORD_HISTORY")
    stale = db.session.execute(
        db.select(PasswordHistory.id).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).offset(max(keep - 1, 0))
    ).scalars().all()
    if stale:
        db.session.execute(db.delete(PasswordHistory).where(PasswordHistory.id.in_(stale)))


def change_required(user):
    """Why `user` must choose a new password before doing anything else, or None (only when rules are on)."""
    if not settings.rules_on() or user.id is None:
        return None
    row = db.session.get(AccountSecurity, user.id)
    if row is None or row.password_changed_at is None:
        return "首次登录，请先修改初始密码"
    if row.must_change_password:
        return "管理员已重置您的密码，请先设置新密码"
    if real_now() - row.password_changed_at > timedelta(days=settings.get("PASSWORD_MAX_AGE_DAYS")):
        return f"密码已超过 {settings.get('PASSWORD_MAX_AGE_DAYS')} 天未修改，请设置新密码"
    return None


def describe():
    """The policy in one Chinese sentence, for the password pages."""
    text = (f"密码至少 {settings.get('PASSWORD_MIN_LENGTH')} 位，须包含大写字母、小写字母、数字、符号中的至少三类，"
            f"不能包含用户名，不能与最近 {settings.get('PASSWORD_HISTORY')} 次使用过的密码相同")
    if settings.rules_on():
        text += f"；每 {settings.get('PASSWORD_MAX_AGE_DAYS')} 天须更换一次"
    return text + "。"
