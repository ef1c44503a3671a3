"""projects' lifecycle instances by stage and status: an index on instance (parent_id, stage, status), so the
dashboard's stage counts and the bulletin's projects in 实施 read the top-level instances from the index alone
instead of every project's whole row (SQLite keeps the workflow state in the row)

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_instance_top_stage", "instance", ["parent_id", "stage", "status"])


def downgrade():
    op.drop_index("ix_instance_top_stage", table_name="instance")
