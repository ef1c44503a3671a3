"""E-mail for notifications, when SMTP is configured: each new notice goes to its group's members.

The scheduler calls send_pending() after each timer sweep; a notice is marked mailed once, whatever
happens to single addresses, so a broken mailbox never makes the same notice go out again and again.
"""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from engine import clock
from engine.db import db
from engine.models import Notification

from ..accounts.services import group_emails
from .services import KIND_LABELS

log = logging.getLogger(__name__)
BATCH = 100


def _message(note, to):
    msg = EmailMessage()
    msg["Subject"] = f"【电子政务项目{KIND_LABELS.get(note.kind, '通知')}】{note.message[:60]}"
    msg["From"] = current_app.config["SMTP_FROM"]
    msg["To"] = ", ".join(to)
    msg.set_content(f"{note.message}\n\n请登录六安市电子政务项目全流程管理系统办理。")
    return msg


def send_pending():
    """Mail every notification not mailed yet. Returns how many were sent; nothing without SMTP."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return 0
    query = db.select(Notification).where(Notification.mailed_at.is_(None)).order_by(Notification.id).limit(BATCH)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two schedulers never mail one notice twice
    notes = db.session.execute(query).scalars().all()
    if not notes:
        return 0
    sent = 0
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=30) as smtp:
        for note in notes:
            to = group_emails(note.group_code)
            if to:
                try:
                    smtp.send_message(_message(note, to))
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("通知 %s 邮件发送失败", note.id)
            note.mailed_at = clock.now().replace(tzinfo=None)
    db.session.commit()
    return sent
