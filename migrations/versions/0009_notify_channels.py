"""notification channels: per-user choice, deliveries; reminders keep their moment

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_notification_dispatched_at", ["dispatched_at"])
    # notices from before the channels existed are not pushed again
    op.execute("UPDATE notification SET dispatched_at = created_at")
    op.create_table(
        "notify_preference",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("target", sa.String(500)),
        sa.Column("secret", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "notify_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notification.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(200)),
        sa.Column("usernames", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.UniqueConstraint("notification_id", "channel", "target", name="uq_notify_delivery_once"),
    )
    op.create_index("ix_notify_delivery_notification_id", "notify_delivery", ["notification_id"])
    op.create_index("ix_notify_delivery_due", "notify_delivery", ["status", "next_attempt_at"])


def downgrade():
    op.drop_table("notify_delivery")
    op.drop_table("notify_preference")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_dispatched_at")
        batch.drop_column("dispatched_at")
        batch.drop_column("due_at")
