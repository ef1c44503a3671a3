"""Notifications go out by e-mail to the group's members when SMTP is configured, each once."""
from datetime import datetime

from engine.db import db as database
from engine.models import Notification
from webapp.notify import mailer
from webapp.accounts.models import User


class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, msg):
        FakeSMTP.sent.append(msg)


def test_notifications_are_mailed_once_to_group_members(app, db, monkeypatch):
    monkeypatch.setattr(mailer.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    for name, email, groups in (("a", "a@example.org", ["sgj"]), ("b", "b@example.org", ["sgj"]),
                                ("c", "c@example.org", ["dept:gaj"]), ("d", None, ["sgj"])):
        user = User(username=name, display_name=name, email=email)
        user.set_password("x")
        database.session.add(user)
        database.session.flush()
        user.set_groups(groups)
    database.session.add(Notification(group_code="sgj", kind="supervise", message="某项目进度表逾期，请督办",
                                      created_at=datetime(2026, 3, 21)))
    database.session.commit()

    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    assert mailer.send_pending() == 0  # no SMTP configured: nothing goes out, nothing is marked

    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    assert mailer.send_pending() == 1
    [msg] = FakeSMTP.sent
    assert msg["To"] == "a@example.org, b@example.org" and "督办" in msg["Subject"]
    assert mailer.send_pending() == 0  # marked as mailed
    assert database.session.query(Notification).one().mailed_at is not None
