"""Tables of the notification channels: each user's choice of channels, and one row per delivery."""
from engine.db import db

DELIVERY_STATES = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "expired": "已过时未发",
}


class NotifyPreference(db.Model):
    """A channel a user chose, with its address where the channel needs one (a robot's webhook URL)."""

    __tablename__ = "notify_preference"
    username = db.Column(db.String(64), primary_key=True)
    channel = db.Column(db.String(16), primary_key=True)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    target = db.Column(db.String(500))  # webhook URL; e-mail uses the account's address
    secret = db.Column(db.String(200))  # 钉钉 加签 secret, when the robot has one
    updated_at = db.Column(db.DateTime, nullable=False)


class NotifyDelivery(db.Model):
    """One notice on one channel to one address: sent once, retried with back-off, failures kept."""

    __tablename__ = "notify_delivery"
    __table_args__ = (
        db.UniqueConstraint("notification_id", "channel", "target", name="uq_notify_delivery_once"),
        db.Index("ix_notify_delivery_due", "status", "next_attempt_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    notification_id = db.Column(db.Integer, db.ForeignKey("notification.id", ondelete="CASCADE"), nullable=False,
                                index=True)
    channel = db.Column(db.String(16), nullable=False)
    target = db.Column(db.String(500), nullable=False)
    secret = db.Column(db.String(200))
    usernames = db.Column(db.String(2000), nullable=False)  # who this address reaches, comma-separated
    status = db.Column(db.String(16), nullable=False, default="pending")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False)
    last_error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False)
    sent_at = db.Column(db.DateTime)
