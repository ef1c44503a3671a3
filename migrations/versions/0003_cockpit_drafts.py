"""cockpit and modeler: model_draft table; indexes for the instance filters and the heat view

Revision ID: 0003_cockpit
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_cockpit"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "model_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), sa.ForeignKey("model_version.id")),
        sa.Column("note", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deployed_version_id", sa.Integer(), sa.ForeignKey("model_version.id")),
    )
    op.create_index("ix_model_draft_status_author", "model_draft", ["status", "author"])
    op.create_index("ix_instance_stage_status", "instance", ["stage", "status"])
    op.create_index("ix_instance_owner_status", "instance", ["owner_group", "status"])
    op.create_index("ix_task_instance_state", "task_index", ["instance_id", "state"])
    op.create_index("ix_task_state_bpmn", "task_index", ["state", "process_id", "bpmn_id"])


def downgrade():
    op.drop_index("ix_task_state_bpmn", table_name="task_index")
    op.drop_index("ix_task_instance_state", table_name="task_index")
    op.drop_index("ix_instance_owner_status", table_name="instance")
    op.drop_index("ix_instance_stage_status", table_name="instance")
    op.drop_index("ix_model_draft_status_author", table_name="model_draft")
    op.drop_table("model_draft")
