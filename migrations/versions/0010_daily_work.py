"""daily work: delegations (委托/代理), comments (批注), saved 待办 filters

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("principal", sa.String(64), nullable=False),
        sa.Column("deputy", sa.String(64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime()),
    )
    op.create_index("ix_delegation_principal", "delegation", ["principal"])
    op.create_index("ix_delegation_deputy", "delegation", ["deputy"])
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer()),
        sa.Column("task_id", sa.String(36)),
        sa.Column("task_name", sa.String(200)),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", sa.String(2000)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_comment_project_id", "comment", ["project_id"])
    op.create_index("ix_comment_task_id", "comment", ["task_id"])
    op.create_index("ix_comment_created_at", "comment", ["created_at"])
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(16), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("username", "name", name="uq_saved_filter_name"),
    )
    op.create_index("ix_saved_filter_username", "saved_filter", ["username"])


def downgrade():
    op.drop_table("saved_filter")
    op.drop_table("comment")
    op.drop_table("delegation")
