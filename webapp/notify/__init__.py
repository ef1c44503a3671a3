"""Notify: reminders, overdue warnings and 督办 notices for the users' groups; their e-mail.

- services.py: the notifications of a user, read state; mailer.py: mail for new notices (SMTP)
- pages.py: /notifications (blueprint `notifications`); api.py: /api/notifications
The engine writes the notices (engine.models.Notification); the scheduler mails them after each sweep.
"""
import logging

from ..core import extensions
from . import api, mailer, pages, services  # noqa: F401  (api adds its routes to the API blueprint)

log = logging.getLogger("egov.scheduler")


def _unread_badge(user):
    return {"unread": services.unread_count(user)}


def _unread_field(account):
    return {"unread_notifications": services.unread_count(account)}


def _mail_after_sweep():
    try:
        mailer.send_pending()
    except Exception:  # a mail server being away must not stop the timers
        log.exception("sending notification mail failed")


def init_app(app):
    app.register_blueprint(pages.bp)
    extensions.add(app, "nav_badges", _unread_badge)
    extensions.add(app, "me_fields", _unread_field)
    extensions.add(app, "sweep", _mail_after_sweep)
