"""index for the timer sweep: (status, next_timer_at)

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_instance_status_next_timer", "instance", ["status", "next_timer_at"])


def downgrade():
    op.drop_index("ix_instance_status_next_timer", table_name="instance")
