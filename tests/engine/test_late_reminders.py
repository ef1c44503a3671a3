"""A reminder whose timer fired on a later day (scheduler down, clock moved) says so, and is not pushed."""
from datetime import datetime

import time_machine

from engine import timers
from engine.db import db as database
from engine.models import Notification
from tests.engine.test_timers import start_timed


def test_reminder_on_its_day_keeps_its_moment_and_text(deployed):
    start_timed()
    timers.run_due(datetime.fromisoformat("2027-03-01T00:00:00+08:00"))
    with time_machine.travel(datetime.fromisoformat("2027-03-19T08:00:00+08:00"), tick=False):
        assert timers.run_due() == 1
    [note] = database.session.query(Notification).all()
    assert note.message == "进度表明天到期"
    assert note.due_at.isoformat() == "2027-03-18T16:00:00"  # 03-19 00:00 Beijing


def test_reminder_fired_days_late_is_marked_and_not_pushed(deployed, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")  # e-mail is a channel only where a server is set
    from webapp.notify import delivery
    from webapp.notify.records import NotifyDelivery

    start_timed()
    with time_machine.travel(datetime.fromisoformat("2027-03-21T10:00:00+08:00"), tick=False):
        while timers.run_due():  # the wake timer first, then the reminder it exposed
            pass
        [note] = database.session.query(Notification).all()
        assert note.message.startswith("【补记：本提醒原定 2027-03-19 发出")
        assert note.message.endswith("进度表明天到期")
        from webapp.accounts.models import User

        user = User(username="keyuan", display_name="王科员", email="keyuan@gaj.example")
        user.set_password("x")
        database.session.add(user)
        database.session.flush()
        user.set_groups(["dept:gaj"])
        database.session.commit()
        delivery.plan_pending()
        [row] = database.session.query(NotifyDelivery).all()
        assert row.status == "expired" and "未补发" in row.last_error
