"""Each user's choice of channels: in-app always, e-mail to the account's address, group robots by URL."""
from sqlalchemy import select

from engine import clock
from engine.db import db
from engine.errors import Invalid

from . import channels
from .email_channel import valid_address
from .records import NotifyPreference


def _rows(username):
    return {p.channel: p for p in db.session.execute(
        select(NotifyPreference).where(NotifyPreference.username == username)).scalars()}


def choices(user):
    """[{name, label, enabled, target, has_secret, needs_target, fixed, note}] for the settings page."""
    rows = _rows(user.username)
    out = []
    for name, channel in channels.registry().items():
        row = rows.get(name)
        item = {"name": name, "label": channel.label, "needs_target": channel.needs_target, "fixed": False,
                "target": row.target if row else None, "has_secret": bool(row and row.secret),
                "signs": getattr(channel, "signs", False), "note": None}
        if name == "inapp":
            item.update(enabled=True, fixed=True, note="站内通知始终开启")
        elif name == "email":
            item["enabled"] = valid_address(user.email) and (row is None or row.enabled)
            item["note"] = f"发送到账号邮箱 {user.email}" if valid_address(user.email) else "账号未设置邮箱，请联系管理员"
        else:
            item["enabled"] = bool(row and row.enabled and row.target)
        out.append(item)
    return out


def save(user, wanted):
    """Store the user's choice. `wanted`: {channel: {"enabled": bool, "target": str, "secret": str}}.

    A robot's secret left empty keeps the one stored (the page never shows it back)."""
    if not isinstance(wanted, dict):
        raise Invalid("通知渠道设置格式不正确")
    rows, now = _rows(user.username), clock.now().replace(tzinfo=None)
    registry = channels.registry()
    for name, value in wanted.items():
        channel = registry.get(name)
        if channel is None or not isinstance(value, dict):
            raise Invalid(f"没有名为“{name}”的通知渠道", fields={"channel": "未知渠道"})
        if not channel.pushes:
            continue
        enabled = value.get("enabled") is True
        row = rows.get(name)
        target = secret = None
        if channel.needs_target:
            given = value.get("target")
            if enabled or (isinstance(given, str) and given.strip()):
                target, secret = channel.check_target(given if isinstance(given, str) else "",
                                                      value.get("secret") if isinstance(value.get("secret"), str) else "")
            if secret is None and row is not None and target == row.target:
                secret = row.secret
        elif name == "email" and enabled and not valid_address(user.email):
            raise Invalid("账号未设置有效邮箱，不能开启邮件通知", fields={"email": "账号无邮箱"})
        if row is None:
            row = NotifyPreference(username=user.username, channel=name)
            db.session.add(row)
        row.enabled, row.target, row.secret, row.updated_at = enabled, target, secret, now
    db.session.commit()
