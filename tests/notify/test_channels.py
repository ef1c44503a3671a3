"""Notification channels against a real SMTP server (aiosmtpd: STARTTLS, SSL, login) and a local HTTP
receiver answering like a 政务微信/钉钉 robot: each notice once per channel, retried with back-off, failures
visible to the administrator, late reminders not pushed."""
import base64
import hashlib
import hmac
import shutil
import urllib.parse
from datetime import datetime, timedelta

import pytest

from engine.db import db as database
from engine.errors import Invalid
from engine.models import Notification
from tests.notify import servers
from webapp.accounts.models import User
from webapp.notify import admin_view, delivery, preferences
from webapp.notify.records import NotifyDelivery

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed"),
    # the SSL server's whole session is TLS; aiosmtpd warns as it cannot see that
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return servers.self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(app, monkeypatch, certificate):
    """start(mode, password=...) -> inbox; the app is configured for that server."""
    started = []

    def start(mode, password=servers.PASSWORD):
        controller, inbox = servers.start_smtp(mode, *certificate)
        started.append(controller)
        for key, value in {"HOST": "127.0.0.1", "PORT": controller.port, "SECURITY": mode, "USER": servers.USER,
                           "PASSWORD": password, "CAFILE": str(certificate[0]), "FROM": "egov@liuan.example"}.items():
            monkeypatch.setitem(app.config, f"SMTP_{key}", value)
        return inbox

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def robot():
    server, robot = servers.start_robot()
    robot.url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=k1"
    yield robot
    server.shutdown()
    server.server_close()


def _user(name, email=None, groups=("dept:gaj",), display=None):
    user = User(username=name, display_name=display or name, email=email)
    user.set_password("x")
    database.session.add(user)
    database.session.flush()
    user.set_groups(groups)
    database.session.commit()
    return user


def _notice(kind="supervise", message="项目“智慧警务”实施进度表逾期未报，请督办", due_at=None, group="dept:gaj"):
    note = Notification(group_code=group, kind=kind, message=message, created_at=datetime.utcnow(), due_at=due_at)
    database.session.add(note)
    database.session.commit()
    return note


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_email_over_tls_with_login_is_sent_once(db, smtp, mode):
    inbox = smtp(mode)
    _user("keyuan", "keyuan@gaj.example", display="王科员")
    _notice()
    assert delivery.plan_pending() == 1
    assert delivery.deliver_due() == (1, 0), database.session.query(NotifyDelivery).one().last_error
    [mail] = inbox.messages
    # (with implicit TLS aiosmtpd's session does not record it; a plain client could not have connected at all)
    assert mail["to"] == ["keyuan@gaj.example"] and mail["login"] and (mail["tls"] or mode == "ssl")
    assert "智慧警务" in mail["data"] or "=E6" in mail["data"] or "utf-8" in mail["data"].lower()
    # nothing twice: planning again and sending again do nothing
    assert delivery.plan_pending() == 0 and delivery.deliver_due() == (0, 0)
    assert len(inbox.messages) == 1


def test_wrong_password_is_a_visible_failure_then_resent(db, smtp):
    inbox = smtp("starttls", password="wrong")
    _user("keyuan", "keyuan@gaj.example", display="王科员")
    _notice()
    delivery.plan_pending()
    assert delivery.deliver_due() == (0, 1)
    row = database.session.query(NotifyDelivery).one()
    assert row.status == "pending" and row.attempts == 1 and "拒绝登录" in row.last_error
    # later attempts back off: not due again at once
    assert delivery.deliver_due() == (0, 0)
    later = datetime.utcnow()
    for attempt in range(2, delivery.MAX_ATTEMPTS + 1):
        later += delivery.backoff(attempt - 1) + timedelta(seconds=1)
        delivery.deliver_due(now=later)
    database.session.refresh(row)
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS and not inbox.messages
    rows, total = admin_view.problems()
    assert total == 1 and rows[0]["recipients"] == ["王科员"] and rows[0]["status_label"] == "发送失败"
    # the administrator fixes the password and resends: it goes out once
    from flask import current_app

    current_app.config["SMTP_PASSWORD"] = servers.PASSWORD
    admin_view.resend(row.id, "admin")
    assert delivery.deliver_due() == (1, 0) and len(inbox.messages) == 1


def test_robot_failure_is_retried_once_then_delivered(db, robot):
    user = _user("keyuan", None, display="王科员")
    preferences.save(user, {"wecom": {"enabled": True, "target": robot.url}})
    _user("kezhang", None, display="李科长")  # same group, same robot: still one message
    preferences.save(database.session.query(User).filter_by(username="kezhang").one(),
                     {"wecom": {"enabled": True, "target": robot.url}})
    _notice()
    robot.answers.append((500, {"errcode": -1, "errmsg": "busy"}))
    assert delivery.plan_pending() == 1
    assert delivery.deliver_due() == (0, 1)
    row = database.session.query(NotifyDelivery).one()
    assert row.status == "pending" and "HTTP 500" in row.last_error and row.usernames == "keyuan,kezhang"
    assert delivery.deliver_due(now=row.next_attempt_at + timedelta(seconds=1)) == (1, 0)
    assert len(robot.requests) == 2
    body = robot.requests[-1]["body"]
    assert body["msgtype"] == "text" and "智慧警务" in body["text"]["content"]
    database.session.refresh(row)
    assert row.status == "sent" and row.attempts == 2


def test_dingtalk_robot_signs_and_errcode_is_a_failure(db, robot):
    user = _user("keyuan", None)
    preferences.save(user, {"dingtalk": {"enabled": True, "target": robot.url, "secret": "SECabc"}})
    _notice()
    robot.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
    delivery.plan_pending()
    assert delivery.deliver_due() == (0, 1)
    assert "310000" in database.session.query(NotifyDelivery).one().last_error
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(robot.requests[0]["path"]).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert sign == expected


def test_late_reminder_is_not_pushed(db, robot):
    user = _user("keyuan", None)
    preferences.save(user, {"wzt": {"enabled": True, "target": robot.url}})
    _notice(kind="reminder", message="申报表须于 2026-11-30 前提交（还有5个工作日）",
            due_at=datetime.utcnow() - timedelta(days=3))
    _notice(kind="reminder", message="申报表今天截止", due_at=datetime.utcnow() - timedelta(minutes=5))
    delivery.plan_pending()
    states = sorted(d.status for d in database.session.query(NotifyDelivery))
    assert states in (["expired", "pending"], ["expired", "expired"])  # the 5-minute one may cross midnight
    delivery.deliver_due()
    assert all("还有5个工作日" not in r["body"]["text"]["content"] for r in robot.requests)
    rows, _ = admin_view.problems()
    assert any(r["status"] == "expired" and "未补发" in r["error"] for r in rows)


def test_preferences_refuse_bad_addresses_and_keep_inapp(db):
    user = _user("keyuan", None)
    with pytest.raises(Invalid):
        preferences.save(user, {"dingtalk": {"enabled": True, "target": "file:///etc/passwd"}})
    with pytest.raises(Invalid):
        preferences.save(user, {"email": {"enabled": True}})  # the account has no e-mail
    with pytest.raises(Invalid):
        preferences.save(user, {"pager": {"enabled": True}})
    shown = {c["name"]: c for c in preferences.choices(user)}
    assert shown["inapp"]["enabled"] and shown["inapp"]["fixed"] and not shown["email"]["enabled"]
