"""scheduler_heartbeat: one row per scheduler process, rewritten after every sweep

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("id", sa.String(120), nullable=False),
        sa.Column("host", sa.String(100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_sweep_at", sa.DateTime(), nullable=False),
        sa.Column("sweep_ms", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("fired_total", sa.Integer(), nullable=False),
        sa.Column("lateness_ms", sa.Integer(), nullable=False),
        sa.Column("backlog", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_heartbeat")),
    )
    op.create_index(op.f("ix_scheduler_heartbeat_last_sweep_at"), "scheduler_heartbeat", ["last_sweep_at"])


def downgrade():
    op.drop_index(op.f("ix_scheduler_heartbeat_last_sweep_at"), table_name="scheduler_heartbeat")
    op.drop_table("scheduler_heartbeat")
