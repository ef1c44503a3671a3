"""login captcha challenges kept server-side (single use); per-address attempt counters shared by all processes

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_challenge",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False, index=True),
    )
    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False, index=True),
    )


def downgrade():
    op.drop_table("rate_counter")
    op.drop_table("login_challenge")
