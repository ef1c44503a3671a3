"""What the administrator sees of the channels: failed and late deliveries, and a resend."""
from datetime import timezone

from sqlalchemy import func, select

from engine import clock
from engine.audit import record
from engine.db import db
from engine.errors import Conflict, NotFound
from engine.models import Notification

from . import channels
from .records import DELIVERY_STATES, NotifyDelivery

PROBLEM_STATES = ("failed", "expired")


def _beijing(value):
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M")


def _shown_target(delivery):
    """A robot's URL carries its access token: show the host only."""
    if delivery.channel == "email":
        return delivery.target
    from urllib.parse import urlsplit

    return urlsplit(delivery.target).hostname or "?"


def problems(page=1, per_page=20, states=PROBLEM_STATES):
    """(rows, total): deliveries that did not go out, newest first, with the notice and whom it was for."""
    from ..accounts.services import display_names

    query = select(NotifyDelivery, Notification).join(Notification, Notification.id == NotifyDelivery.notification_id)\
        .where(NotifyDelivery.status.in_(states))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(NotifyDelivery.created_at.desc(), NotifyDelivery.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    usernames = {u for d, _ in rows for u in d.usernames.split(",") if u}
    names = display_names(usernames)
    registry = channels.registry()
    out = []
    for d, note in rows:
        out.append({
            "id": d.id, "channel": d.channel,
            "channel_label": registry[d.channel].label if d.channel in registry else d.channel,
            "target": _shown_target(d), "status": d.status, "status_label": DELIVERY_STATES.get(d.status, d.status),
            "attempts": d.attempts, "error": d.last_error, "created_at": _beijing(d.created_at),
            "recipients": [names.get(u, u) for u in d.usernames.split(",") if u],
            "message": note.message, "project_id": note.project_id,
        })
    return out, total


def resend(delivery_id, actor):
    """Put a failed delivery back in the queue (an expired reminder stays expired: it would mislead)."""
    delivery = db.session.get(NotifyDelivery, delivery_id)
    if delivery is None:
        raise NotFound("没有这条通知投递记录")
    if delivery.status != "failed":
        raise Conflict(f"只能重发发送失败的通知（当前状态：{DELIVERY_STATES.get(delivery.status)}）")
    delivery.status, delivery.next_attempt_at = "pending", clock.now().replace(tzinfo=None)
    record("notify_resend", actor, payload={"delivery_id": delivery.id, "channel": delivery.channel})
    db.session.commit()
