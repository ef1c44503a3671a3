"""Pushing notices out through the channels each recipient chose: each once per channel and address,
retried with back-off, failures kept for the administrator.

The scheduler calls plan_pending() then deliver_due() after each timer sweep. A delivery is claimed by a
conditional UPDATE (pending -> sending) before it is sent, so two schedulers never send it twice; one left
in `sending` by a process that died is reported as failed (delivered or not is unknown) rather than resent.
A reminder whose day has passed is not pushed (engine/reminders.py): it is kept as 已过时未发.
"""
import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update

from engine import clock, reminders
from engine.db import db
from engine.models import Notification

from . import channels
from .channels import DeliveryFailed, Outgoing
from .email_channel import EmailChannel, valid_address
from .records import NotifyDelivery, NotifyPreference

log = logging.getLogger(__name__)
KIND_LABELS = {"reminder": "提醒", "overdue": "逾期", "supervise": "督办", "mention": "批注提及", "transfer": "转办",
               "returned": "退回"}
BACKOFF_SECONDS = (60, 300, 1800, 7200)  # after the 1st, 2nd, 3rd, 4th failed attempt
MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)
LATE_TEXT = "提醒的日期已过（系统停机或时钟调整），未补发"


def _now():
    return clock.now().replace(tzinfo=None)


def backoff(attempts):
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def _members(group_code):
    """(username, email) of the active users a notice to `group_code` reaches (user:<name> is one person)."""
    from ..accounts.services import group_members

    return group_members(group_code)


def chosen_channels(username, email, prefs):
    """[(channel, target, secret)] one user receives on, from their preferences (`prefs`: channel -> row).

    Without a choice of their own, a user with an e-mail address gets e-mail as before the channels existed.
    """
    out = []
    email_pref = prefs.get("email")
    if (email_pref is None or email_pref.enabled) and valid_address(email) and EmailChannel().configured():
        out.append(("email", email.strip(), None))
    for name, pref in prefs.items():
        channel = channels.registry().get(name)
        if channel is not None and channel.needs_target and pref.enabled and pref.target:
            out.append((name, pref.target, pref.secret))
    return out


def _addresses(note):
    """(channel, target, secret) -> [usernames] for one notice: one address shared by several is sent once."""
    members = _members(note.group_code)
    prefs = defaultdict(dict)
    if members:
        for row in db.session.execute(select(NotifyPreference).where(
                NotifyPreference.username.in_([m.username for m in members]))).scalars():
            prefs[row.username][row.channel] = row
    out = defaultdict(list)
    for username, email in members:
        for key in chosen_channels(username, email, prefs[username]):
            out[key].append(username)
    return out


def plan_pending(limit=200):
    """Make the deliveries of notices not yet planned. Returns how many deliveries were made."""
    query = select(Notification).where(Notification.dispatched_at.is_(None)).order_by(Notification.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two schedulers never plan one notice twice
    notes = db.session.execute(query).scalars().all()
    now, made = _now(), 0
    for note in notes:
        late = note.kind == "reminder" and reminders.is_late(note.due_at, now)
        for (channel, target, secret), usernames in sorted(_addresses(note).items()):
            db.session.add(NotifyDelivery(
                notification_id=note.id, channel=channel, target=target, secret=secret,
                usernames=",".join(usernames)[:2000], status="expired" if late else "pending", attempts=0,
                next_attempt_at=now, last_error=LATE_TEXT if late else None, created_at=now))
            made += 1
        note.dispatched_at = now
    db.session.commit()
    return made


def outgoing_for(note):
    label = KIND_LABELS.get(note.kind, "通知")
    subject = f"【电子政务项目{label}】{note.message[:60]}"
    return Outgoing(subject=subject, text=f"{note.message}\n\n请登录六安市电子政务项目全流程管理系统查看或办理。")


def _recover_stuck(now):
    db.session.execute(update(NotifyDelivery).where(
        NotifyDelivery.status == "sending", NotifyDelivery.next_attempt_at < now - STUCK_AFTER).values(
        status="failed", last_error="发送过程中断（服务停止），是否送达未知；如需要请重发"))
    db.session.commit()


def _claim(delivery_id, now):
    claimed = db.session.execute(update(NotifyDelivery).where(
        NotifyDelivery.id == delivery_id, NotifyDelivery.status == "pending").values(
        status="sending", next_attempt_at=now))
    db.session.commit()
    return claimed.rowcount == 1


def deliver_due(limit=100, now=None):
    """Send the deliveries whose attempt is due. Returns (sent, failed attempts)."""
    now = now or _now()
    _recover_stuck(now)
    ids = db.session.execute(select(NotifyDelivery.id).where(
        NotifyDelivery.status == "pending", NotifyDelivery.next_attempt_at <= now)
        .order_by(NotifyDelivery.next_attempt_at, NotifyDelivery.id).limit(limit)).scalars().all()
    sent = failed = 0
    for delivery_id in ids:
        if not _claim(delivery_id, now):
            continue  # another scheduler took it
        delivery = db.session.get(NotifyDelivery, delivery_id)
        note = db.session.get(Notification, delivery.notification_id)
        if note.kind == "reminder" and reminders.is_late(note.due_at, now):
            delivery.status, delivery.last_error = "expired", LATE_TEXT
        else:
            try:
                channels.get(delivery.channel).send(outgoing_for(note), delivery.target, delivery.secret)
            except DeliveryFailed as exc:
                _failed(delivery, str(exc), now)
                failed += 1
            except Exception as exc:  # a channel's own fault: keep it visible, keep sending the others
                log.exception("通知投递 %s 出错", delivery_id)
                _failed(delivery, f"发送时出现内部错误（{type(exc).__name__}: {str(exc)[:200]}），详见服务日志", now)
                failed += 1
            else:
                delivery.status, delivery.sent_at, delivery.last_error = "sent", clock.now().replace(tzinfo=None), None
                delivery.attempts += 1
                sent += 1
        db.session.commit()
    return sent, failed


def _failed(delivery, reason, now):
    delivery.attempts += 1
    delivery.last_error = reason[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.status = "pending"
        delivery.next_attempt_at = now + backoff(delivery.attempts)


def run():
    """One round for the scheduler: plan new notices, send what is due."""
    plan_pending()
    return deliver_due()
