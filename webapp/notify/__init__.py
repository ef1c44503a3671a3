"""Notify: reminders, overdue warnings and 督办 notices for the users' groups; their e-mail.

- services.py: the notifications of a user, read state
- channels.py and its channels (email_channel, webhook_channel), preferences.py (each user's choice),
  delivery.py (each notice once per channel, retried with back-off), admin_view.py (failed deliveries)
- pages.py: /notifications, /notifications/channels, /notifications/deliveries (blueprint `notifications`);
  api.py: /api/notifications
The engine writes the notices (engine.models.Notification); the scheduler delivers them after each sweep.
"""
import logging

from ..core import extensions
from . import api, delivery, pages, services  # noqa: F401  (api adds its routes to the API blueprint)

log = logging.getLogger("egov.scheduler")


def _unread_badge(user):
    return {"unread": services.unread_count(user)}


def _unread_field(account):
    return {"unread_notifications": services.unread_count(account)}


def _deliver_after_sweep():
    try:
        delivery.run()
    except Exception:  # a mail server or robot being away must not stop the timers
        log.exception("delivering notifications failed")


def init_app(app):
    app.register_blueprint(pages.bp)
    extensions.add(app, "nav_badges", _unread_badge)
    extensions.add(app, "me_fields", _unread_field)
    extensions.add(app, "sweep", _deliver_after_sweep)
